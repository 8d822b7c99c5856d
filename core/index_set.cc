#include "index_set.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "diagnostics.h"
#include "identity.h"

namespace oly {
namespace {

namespace fs = std::filesystem;

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// "HOST:PORT" or "[V6]:PORT" into `s`; returns why not, or "".
std::string parse_host_port(const std::string& text, ShardSpec& s) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return "expected HOST:PORT, got '" + text + "'";
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  // Xapian's own stub reader takes `remote :X` for a program to run over a pipe: a stub
  // that meant a port to us and a program to Xapian's tools would be read two ways, so a
  // missing host is refused, as is anything but a port number after the colon.
  if (host.empty()) {
    return "no host before ':' (Xapian reads 'remote :X' as a program to run); write "
           "'remote 127.0.0.1:PORT' for this machine";
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) == 0 ||
      std::stoul(port) > 65535) {
    return "expected a port number from 1 to 65535 after ':', got '" + port + "'";
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.find_first_of(" \t[]") != std::string::npos) return "bad host name '" + host + "'";
  s.remote = true;
  s.host = host;
  s.port = static_cast<unsigned>(std::stoul(port));
  s.name = "remote " + text;
  return "";
}

// A path from a stub line: relative to the stub's folder, as Xapian reads it.
std::string stub_relative(const std::string& stub, const std::string& path) {
  if (fs::path(path).is_absolute()) return path;
  const fs::path folder = fs::path(stub).parent_path();
  return (folder.empty() ? fs::path(path) : folder / path).lexically_normal().string();
}

std::vector<ShardSpec> expand_path(const std::string& path, int depth, const std::string& origin) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    // An index directory is opened as one, like Xapian does; otherwise a stub inside it.
    if (!fs::exists(fs::path(path) / "iamglass", ec) &&
        fs::exists(fs::path(path) / "XAPIANDB", ec)) {
      return parse_stub((fs::path(path) / "XAPIANDB").string(), depth + 1);
    }
  } else if (fs::exists(path, ec)) {
    return parse_stub(path, depth + 1);
  }
  ShardSpec s;
  s.name = s.path = path;
  s.origin = origin;
  return {s};
}

// One line of a stub file (not blank, not a comment), appended to `out`.
void parse_stub_line(const std::string& stub, std::size_t line_no, const std::string& line,
                     int depth, std::vector<ShardSpec>& out) {
  const std::string where = stub + ":" + std::to_string(line_no);
  const std::size_t sp = line.find_first_of(" \t");
  const std::string type = line.substr(0, sp);
  const std::string arg = sp == std::string::npos ? "" : trim(line.substr(sp));
  const auto fail = [&](const std::string& why) { throw FatalError(where + ": error: " + why); };
  if (type != "auto" && type != "glass" && type != "remote") {
    fail("unknown stub line '" + line + "' (expected auto PATH, glass PATH or remote HOST:PORT)");
  }
  if (arg.empty()) fail("'" + type + "' needs " + (type == "remote" ? "HOST:PORT" : "a PATH"));
  if (type == "remote") {
    ShardSpec s;
    if (std::string why = parse_host_port(arg, s); !why.empty()) fail(why);
    s.origin = where;
    out.push_back(s);
    return;
  }
  const std::string path = stub_relative(stub, arg);
  if (type == "glass") {
    ShardSpec s;
    s.name = s.path = path;
    s.origin = where;
    out.push_back(s);
    return;
  }
  for (auto& s : expand_path(path, depth, where)) out.push_back(std::move(s));
}

bool is_transient(const Xapian::Error& e) {
  const std::string type = e.get_type();
  return type == "DatabaseModifiedError" || type == "DatabaseCorruptError" ||
         type == "DatabaseOpeningError";
}

// Seconds to the milliseconds Xapian takes, rounded up: 0 would mean "wait forever".
useconds_t to_ms(double seconds) {
  return static_cast<useconds_t>(std::max(1.0, std::ceil(seconds * 1000)));
}

std::pair<unsigned long, unsigned long> version_file_id(const ShardSpec& s) {
  struct stat st {};
  if (s.remote || ::stat((s.path + "/iamglass").c_str(), &st) != 0) return {0, 0};
  return {static_cast<unsigned long>(st.st_dev), static_cast<unsigned long>(st.st_ino)};
}

// What identifies a shard whatever way it was written, to refuse it twice.
std::string shard_key(const ShardSpec& s) {
  if (s.remote) return "remote " + s.host + ":" + std::to_string(s.port);
  std::string path = s.path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();  // "a/" is "a"
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

}  // namespace

std::vector<ShardSpec> parse_stub(const std::string& stub, int depth) {
  if (depth > kMaxStubDepth) {
    throw FatalError(stub + ": error: stub files nested more than " +
                     std::to_string(kMaxStubDepth) + " deep (a stub that names itself?)");
  }
  std::ifstream in(stub, std::ios::binary);
  if (!in) throw FatalError(stub + ": error: cannot read the stub file");
  std::vector<ShardSpec> out;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find('\0') != std::string::npos) {
      throw FatalError(stub + ": error: cannot open the index: neither an index directory nor " +
                       "a stub file (binary content)");
    }
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    try {
      parse_stub_line(stub, line_no, t, depth, out);
    } catch (const FatalError& e) {
      // A file whose first line is no stub line is more likely not meant as a stub at
      // all (a wrong -d): say that first, then what the line was taken for.
      if (!out.empty()) throw;
      throw FatalError(stub + ": error: cannot open the index: neither an index directory nor " +
                       "a stub file\n  " + e.what());
    }
  }
  if (in.bad()) throw FatalError(stub + ": error: cannot read the stub file");
  if (out.empty()) throw FatalError(stub + ": error: the stub file lists no shard");
  return out;
}

std::vector<ShardSpec> expand_spec(const std::string& spec) {
  if (spec.empty()) throw FatalError("error: an empty index specification");
  // The one-argument form `-d 'remote HOST:PORT'`.
  if (spec.rfind("remote ", 0) == 0 && !std::filesystem::exists(spec)) {
    ShardSpec s;
    if (std::string why = parse_host_port(trim(spec.substr(7)), s); !why.empty()) {
      throw FatalError(spec + ": error: " + why);
    }
    return {s};
  }
  return expand_path(spec, 0, "");
}

IndexSet::IndexSet(IndexSetOptions options) : opt_(std::move(options)) {
  load();
}

// The shards the -d specs stand for now (stub files are read again), each once.
std::vector<ShardSpec> IndexSet::expand_all() const {
  std::vector<ShardSpec> out;
  std::vector<std::string> keys;
  for (const auto& spec : opt_.specs) {
    for (auto& s : expand_spec(spec)) {
      const std::string key = shard_key(s);
      const auto seen = std::find(keys.begin(), keys.end(), key);
      if (seen != keys.end()) {
        const ShardSpec& first = out[static_cast<std::size_t>(seen - keys.begin())];
        throw FatalError(s.name + ": error: the same shard is listed twice" +
                         (s.origin.empty() ? "" : " (at " + s.origin + ")") + ", also as " +
                         first.name + (first.origin.empty() ? "" : " (at " + first.origin + ")"));
      }
      keys.push_back(key);
      out.push_back(std::move(s));
    }
  }
  return out;
}

void IndexSet::load() {
  shards_.clear();
  failed_.clear();
  for (auto& spec : expand_all()) {
    Shard shard;
    shard.spec = std::move(spec);
    shards_.push_back(std::move(shard));
  }
  for (Shard& s : shards_) check_shard(s);
  if (failed_.size() == shards_.size()) {
    std::string msg = "error: no shard could be opened";
    for (const auto& f : failed_) msg += "\n  " + f.shard + ": " + f.error;
    throw FatalError(msg);
  }
  rebuild();
}

// True when a stub now names other shards than when opened: a replica's XAPIANDB
// switches to a new full copy (and the old one is deleted), a re-sharded index.
bool IndexSet::layout_changed() const {
  const std::vector<ShardSpec> now = expand_all();
  if (now.size() != shards_.size()) return true;
  for (std::size_t i = 0; i < now.size(); ++i) {
    if (shard_key(now[i]) != shard_key(shards_[i].spec)) return true;
  }
  return false;
}

Xapian::Database IndexSet::open_shard(const ShardSpec& s) const {
  if (s.remote) {
    return Xapian::Remote::open(s.host, s.port, to_ms(opt_.timeout), to_ms(opt_.connect_timeout));
  }
  // A stub's `glass PATH` and every leaf here is a directory: no stub is followed by
  // Xapian behind our back.
  return Xapian::Database(s.path, Xapian::DB_BACKEND_GLASS);
}

// Opens shard `s` and checks its analyzer identity. An indexer may commit, or swap in a
// rebuilt index, while we open: the open or the first reads can then see a mix of
// revisions; such errors are transient and retried for a while.
void IndexSet::check_shard(Shard& s) {
  const std::string& name = s.spec.name;
  std::string why;
  for (int attempt = 0;; ++attempt) {
    try {
      s.version = version_file_id(s.spec);
      s.db = open_shard(s.spec);
      if (auto bad = identity_mismatch(s.db)) {
        // An incompatible shard is never skipped, even with --partial: its terms would
        // silently fail to match.
        throw FatalError(name + ": error: " + *bad +
                         (s.spec.remote ? ""
                                        : "\n  rebuild it with: indexer --recreate -d " +
                                              s.spec.path + " PATH..."));
      }
      read_languages(s);
      s.live = true;
      return;
    } catch (const Xapian::DatabaseNotFoundError&) {
      why = "no index here (build one with: indexer -d " + s.spec.path + " PATH...)";
    } catch (const Xapian::NetworkError& e) {
      why = "cannot reach the shard: " + e.get_description();
    } catch (const Xapian::Error& e) {
      if (is_transient(e) && !s.spec.remote && attempt < 20) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * (attempt + 1)));
        continue;
      }
      why = "cannot open the index: " + e.get_description();
    }
    break;
  }
  if (!opt_.partial) throw FatalError(name + ": error: " + why);
  failed_.push_back({name, why});
}

void IndexSet::read_languages(Shard& s) {
  s.default_language = stored_identity(s.db).default_language;
  if (s.default_language.empty()) s.default_language = "en";
  s.languages = stored_languages(s.db);
}

void IndexSet::rebuild() {
  db_ = Xapian::Database();
  live_defaults_.clear();
  live_remote_.clear();
  std::vector<std::string> others;
  for (const Shard& s : shards_) {
    if (!s.live) continue;
    db_.add_database(s.db);
    live_defaults_.push_back(s.default_language);
    live_remote_.push_back(s.spec.remote);
    others.insert(others.end(), s.languages.begin(), s.languages.end());
  }
  // Each article's stems come from its own language, so query words are stemmed in every
  // language of every shard; the defaults first, as for one index. Each group is sorted:
  // the order of the shards (of -d) must not change what a query reads as.
  languages_.clear();
  std::vector<std::string> defaults = live_defaults_;
  std::sort(defaults.begin(), defaults.end());
  std::sort(others.begin(), others.end());
  for (const auto* list : {&defaults, &others}) {
    for (const auto& l : *list) {
      if (std::find(languages_.begin(), languages_.end(), l) == languages_.end()) {
        languages_.push_back(l);
      }
    }
  }
}

const std::string& IndexSet::default_language_of(Xapian::docid docid) const {
  // Xapian interleaves the sub-databases' docids: docid d is in sub-database (d-1) % n.
  return live_defaults_[(docid - 1) % live_defaults_.size()];
}

bool IndexSet::is_remote(Xapian::docid docid) const {
  return live_remote_[(docid - 1) % live_remote_.size()];
}

void IndexSet::refresh() {
  if (layout_changed()) {
    load();
    return;
  }
  for (Shard& s : shards_) {
    if (!s.live) continue;
    const auto now = version_file_id(s.spec);
    if (!s.spec.remote && now != s.version) {
      s.db = open_shard(s.spec);
      s.version = now;
      read_languages(s);
    } else if (s.db.reopen()) {
      read_languages(s);  // an indexer may have added a language
    }
  }
  rebuild();
}

std::vector<IndexSet::ShardStatus> IndexSet::status() const {
  std::vector<ShardStatus> out;
  for (const Shard& s : shards_) {
    ShardStatus st{s.spec.name, s.spec.remote, s.live, 0, 0};
    if (s.live) {
      st.documents = s.db.get_doccount();
      // The remote backend does not report its revision in Xapian 1.4.
      if (!s.spec.remote) st.revision = s.db.get_revision();
    }
    out.push_back(std::move(st));
  }
  return out;
}

void IndexSet::reopen_local() {
  for (Shard& s : shards_) {
    if (!s.live || s.spec.remote) continue;
    try {
      s.version = version_file_id(s.spec);
      s.db = open_shard(s.spec);
      read_languages(s);
    } catch (const Xapian::Error&) {
      // tried again on the caller's next attempt
    }
  }
  rebuild();
}

bool IndexSet::handle_failure(const Xapian::Error& e) {
  std::vector<ShardFailure> now_failed;
  for (Shard& s : shards_) {
    if (!s.live) continue;
    try {
      Xapian::Database fresh = open_shard(s.spec);
      fresh.get_doccount();
      s.db = fresh;
      s.version = version_file_id(s.spec);
      read_languages(s);
    } catch (const Xapian::Error& pe) {
      now_failed.push_back({s.spec.name, "cannot reach the shard: " + pe.get_description() +
                                             " (during a search: " + e.get_description() + ")"});
      s.live = false;
    }
  }
  if (now_failed.empty()) {
    rebuild();
    return false;
  }
  if (!opt_.partial) {
    std::string msg;
    for (const auto& f : now_failed)
      msg += (msg.empty() ? "" : "\n") + f.shard + ": error: " + f.error;
    throw FatalError(msg);
  }
  failed_.insert(failed_.end(), now_failed.begin(), now_failed.end());
  if (failed_.size() == shards_.size()) {
    std::string msg = "error: every shard failed";
    for (const auto& f : failed_) msg += "\n  " + f.shard + ": " + f.error;
    throw FatalError(msg);
  }
  rebuild();
  return true;
}

}  // namespace oly
