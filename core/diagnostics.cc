#include "diagnostics.h"

#include <ostream>

#include "display_safe.h"

namespace oly {

void Diagnostics::print(std::string_view level, std::string_view path, std::size_t line,
                        std::string_view message) {
  if (before_print_) before_print_(before_print_arg_);
  // Paths and messages quote input (file names, field values): shown, never obeyed by
  // the terminal (core/display_safe.h).
  *out_ << terminal_safe(path);
  if (line > 0) *out_ << ':' << line;
  *out_ << ": " << level << ": " << terminal_safe(message) << '\n';
  out_->flush();
}

void Diagnostics::error(std::string_view path, std::size_t line, std::string_view message) {
  std::lock_guard lock(mutex_);
  ++errors_;
  print("error", path, line, message);
}

void Diagnostics::warning(std::string_view path, std::size_t line, std::string_view message) {
  std::lock_guard lock(mutex_);
  ++warnings_;
  print("warning", path, line, message);
}

}  // namespace oly
