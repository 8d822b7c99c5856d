#include "diagnostics.h"

#include <ostream>

namespace oly {

void Diagnostics::print(std::string_view level, std::string_view path, std::size_t line,
                        std::string_view message) {
  if (before_print_) before_print_(before_print_arg_);
  *out_ << path;
  if (line > 0) *out_ << ':' << line;
  *out_ << ": " << level << ": " << message << '\n';
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
