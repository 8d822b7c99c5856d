// Where warnings and errors about inputs go: `path:line: error: message` on stderr, counted.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace oly {

// What the user can do about a fatal error. The core knows the remedy; only a front end
// knows how it is asked for (the indexer's flags), so the front end adds those words to
// the message (indexer/main.cc).
struct Remedy {
  enum class Kind {
    kNone,
    kRecreate,            // rebuild the index from scratch (another analyzer)
    kWait,                // wait for the indexer that holds the lock
    kShardsNewDir,        // `value` shards: only a new or empty directory can take them
    kShards,              // say that the index has `value` shards
    kShardsAtStub,        // index the sharded index as a whole (its stub's directory)
    kLanguageOrRecreate,  // use the index's default language `value`, or rebuild
  };
  Kind kind = Kind::kNone;
  std::string value;
};

// A fatal error: the command cannot go on (usage, index locked or incompatible, ...).
// Mains map it to exit code 2. what() is the whole message but the remedy's words.
class FatalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  FatalError(const std::string& message, Remedy remedy)
      : std::runtime_error(message), remedy_(std::move(remedy)) {}
  const Remedy& remedy() const { return remedy_; }

 private:
  Remedy remedy_;
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
