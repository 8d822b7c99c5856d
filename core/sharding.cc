#include "sharding.h"

#include <filesystem>
#include <fstream>

#include "diagnostics.h"

namespace oly::sharding {

std::uint64_t stable_hash(std::string_view id) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

unsigned shard_of(std::string_view id, unsigned shards) {
  return static_cast<unsigned>(stable_hash(id) % shards);
}

std::string shard_name(unsigned i) {
  return "shard" + std::to_string(i);
}

std::string shard_label(unsigned i, unsigned shards) {
  return std::to_string(i) + "/" + std::to_string(shards);
}

std::string stub_text(unsigned shards) {
  std::string text;
  for (unsigned i = 0; i < shards; ++i) text += "auto " + shard_name(i) + "\n";
  return text;
}

Layout detect_layout(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Layout::kNone;
  if (!fs::is_directory(dir, ec)) return Layout::kOther;
  if (fs::is_empty(dir, ec)) return Layout::kNone;
  if (fs::exists(fs::path(dir) / "iamglass", ec)) return Layout::kSingle;
  if (fs::is_regular_file(fs::path(dir) / kStubName, ec)) return Layout::kSharded;
  return Layout::kOther;
}

unsigned read_stub(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kStubName).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FatalError(path + ": error: cannot read the stub file");
  std::string line;
  unsigned count = 0;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    const std::string expected = "auto " + shard_name(count);
    if (line != expected || count >= kMaxShards) {
      throw FatalError(path + ":" + std::to_string(n) + ": error: expected '" + expected +
                       "': not a stub file written by indexer --shards, so this indexer will "
                       "not write to it");
    }
    ++count;
  }
  if (count < kMinShards) throw FatalError(path + ": error: the stub file lists no shards");
  return count;
}

}  // namespace oly::sharding
