// Where warnings and errors about inputs go: `path:line: error: message` on stderr, counted.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace oly {

// A fatal error: the command cannot go on (usage, index locked or incompatible, ...).
// Mains map it to exit code 2.
class FatalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::ostream& out) : out_(&out) {}

  // `line` 0 means the whole file: printed as `path: error: ...`.
  void error(std::string_view path, std::size_t line, std::string_view message);
  void warning(std::string_view path, std::size_t line, std::string_view message);

  std::size_t errors() const { return errors_; }
  std::size_t warnings() const { return warnings_; }

  // Called before printing, so a progress bar can clear its line first.
  void set_before_print(void (*hook)(void*), void* arg) {
    before_print_ = hook;
    before_print_arg_ = arg;
  }

 private:
  void print(std::string_view level, std::string_view path, std::size_t line,
             std::string_view message);
  std::ostream* out_;
  std::mutex mutex_;
  std::size_t errors_ = 0;
  std::size_t warnings_ = 0;
  void (*before_print_)(void*) = nullptr;
  void* before_print_arg_ = nullptr;
};

}  // namespace oly
