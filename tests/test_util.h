// Helpers shared by the test files: a self-deleting temporary directory and small file
// utilities.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace oly::test {

// A fresh, uniquely named directory under the system temp dir, removed (with everything
// in it) when the object goes out of scope.
class TempDir {
 public:
  explicit TempDir(std::string_view tag = "t") {
    static std::atomic<unsigned> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("oly-test-" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(now) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  // `path() / rel` as a string.
  std::string operator/(std::string_view rel) const { return (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

// Writes `contents` to `path` byte for byte, creating parent directories.
inline void write_file(const std::filesystem::path& path, std::string_view contents) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The id that a text file without an `ID:` header gets when it lies outside the current
// directory (as every TempDir does: tests run from the source or build tree): its
// absolute canonical path. Built independently of oly::file_id, so that tests check it.
inline std::string outside_id(const std::filesystem::path& path) {
  return std::filesystem::weakly_canonical(std::filesystem::absolute(path)).generic_string();
}

// Changes the current directory for the lifetime of the object and restores it after,
// even when a REQUIRE throws.
class ScopedCwd {
 public:
  explicit ScopedCwd(const std::filesystem::path& dir) : saved_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~ScopedCwd() {
    std::error_code ec;
    std::filesystem::current_path(saved_, ec);
  }
  ScopedCwd(const ScopedCwd&) = delete;
  ScopedCwd& operator=(const ScopedCwd&) = delete;

 private:
  std::filesystem::path saved_;
};

}  // namespace oly::test
