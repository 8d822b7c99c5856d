#include "indexing.h"

#include <fmt/format.h>
#include <unistd.h>
#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <unordered_map>

#include "analyzer.h"
#include "document.h"
#include "identity.h"
#include "reader.h"
#include "schema.h"

namespace oly {

std::string default_index_dir() {
  const char* env = std::getenv("OLYMPIC_INDEX");
  return env && *env ? env : "olympic-index";
}

std::string summary_line(const std::string& dir, const IndexStats& s) {
  return fmt::format(
      "indexed {}: {} added, {} replaced, {} unchanged, {} deleted, {} skipped, {} errors, "
      "{} warnings in {:.2f} s ({} documents in the index)",
      dir, s.added, s.replaced, s.unchanged, s.deleted, s.skipped, s.errors, s.warnings, s.seconds,
      s.documents);
}

namespace {

using Clock = std::chrono::steady_clock;

class Progress {
 public:
  Progress(bool enabled, std::size_t total_bytes)
      : enabled_(enabled), total_(total_bytes), start_(Clock::now()) {}

  void update(std::size_t articles, std::size_t bytes) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double mb = static_cast<double>(bytes) / 1e6;
    const double rate = secs > 0 ? mb / secs : 0;
    std::string line = fmt::format("\r{} articles  {:.1f}", articles, mb);
    if (total_ > 0) {
      const double total_mb = static_cast<double>(total_) / 1e6;
      const double frac = std::min(1.0, mb / total_mb);
      const int width = 24;
      const int filled = static_cast<int>(frac * width);
      line = fmt::format("\r[{}{}] {:3.0f}%  {} articles  {:.1f}/{:.1f} MB  {:.1f} MB/s",
                         std::string(static_cast<std::size_t>(filled), '#'),
                         std::string(static_cast<std::size_t>(width - filled), ' '), frac * 100,
                         articles, mb, total_mb, rate);
      if (rate > 0) line += fmt::format("  ETA {:.0f} s", (total_mb - mb) / rate);
    } else {
      line += fmt::format(" MB  {:.1f} MB/s", rate);
    }
    line += "\x1b[K";
    std::fputs(line.c_str(), stderr);
    shown_ = true;
  }

  void clear() {
    if (shown_) std::fputs("\r\x1b[K", stderr);
    shown_ = false;
  }
  static void clear_hook(void* self) { static_cast<Progress*>(self)->clear(); }

 private:
  bool enabled_;
  std::size_t total_;
  Clock::time_point start_;
  Clock::time_point last_{};
  bool shown_ = false;
};

Xapian::WritableDatabase open_for_writing(const IndexOptions& o) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(o.index_dir, ec) && !fs::is_directory(o.index_dir, ec)) {
    throw FatalError(o.index_dir + ": error: index path exists and is not a directory");
  }
  try {
    const int action = o.recreate ? Xapian::DB_CREATE_OR_OVERWRITE : Xapian::DB_CREATE_OR_OPEN;
    return Xapian::WritableDatabase(o.index_dir, action | Xapian::DB_BACKEND_GLASS);
  } catch (const Xapian::DatabaseLockError&) {
    throw FatalError(o.index_dir +
                     ": error: the index is locked by another indexer; wait for it to finish "
                     "and run again");
  } catch (const Xapian::Error& e) {
    throw FatalError(o.index_dir + ": error: cannot open the index for writing: " +
                     e.get_description());
  }
}

}  // namespace

IndexStats build_index(const IndexOptions& o, Diagnostics& diag) {
  const auto started = Clock::now();
  IndexStats stats;
  if (!Stemmer::known(o.language)) {
    throw FatalError("error: no stemmer for language '" + o.language + "'");
  }

  Xapian::WritableDatabase db = open_for_writing(o);
  if (auto why = identity_mismatch(db)) {
    throw FatalError(o.index_dir + ": error: " + *why +
                     "\n  re-run with --recreate to rebuild it with this analyzer");
  }
  const IndexIdentity stored = stored_identity(db);
  if (!stored.default_language.empty() && stored.default_language != o.language) {
    throw FatalError(o.index_dir + ": error: the index's default language is '" +
                     stored.default_language + "', not '" + o.language +
                     "'; pass --language " + stored.default_language + " or --recreate");
  }
  write_identity(db, current_identity(o.language));

  std::vector<InputFile> files = list_inputs(o.inputs, diag);
  std::size_t total_bytes = 0;
  for (const auto& f : files) total_bytes += f.size;
  stats.skipped += diag.errors();  // missing paths

  Progress progress(o.progress, total_bytes);
  diag.set_before_print(&Progress::clear_hook, &progress);

  Analyzer analyzer;
  StemmerCache stemmers(o.language);
  DocumentBuilder builder(analyzer, stemmers);

  // Every id seen in this run and where: for duplicate warnings and --prune.
  std::unordered_map<std::string, std::string> seen;
  std::size_t pending = 0;
  std::size_t articles = 0;
  bool stop = false;

  // Explicit commits: one per batch bounds what a crash can cost to the batch in flight
  // (every earlier batch is durable), and batches of ~1,000 documents flush faster than
  // Xapian's default threshold of 10,000 (see bench/).
  auto commit = [&] {
    db.commit();
    pending = 0;
  };

  auto sink = [&](InputItem&& item) -> bool {
    Article& a = item.article;
    stats.bytes += item.bytes;
    ++articles;
    progress.update(articles, stats.bytes);
    const std::string where = item.path + ":" + std::to_string(item.line);
    if (a.id.size() > 200) {
      // Counted as skipped by the caller, from the error count.
      diag.error(item.path, item.line, "id longer than 200 bytes; record skipped");
      return !o.fail_fast;
    }
    auto [it, inserted] = seen.emplace(a.id, where);
    if (!inserted) {
      diag.warning(item.path, item.line,
                   "duplicate id '" + a.id + "' (first at " + it->second + "); this one replaces it");
      it->second = where;
    }
    const std::string id_term = std::string(schema::kPrefixId) + a.id;
    const std::string hash = content_hash(a);
    Xapian::PostingIterator p = db.postlist_begin(id_term);
    const bool exists = p != db.postlist_end(id_term);
    if (exists && db.get_document(*p, Xapian::DOC_ASSUME_VALID).get_value(schema::kSlotContentHash) ==
                      hash) {
      ++stats.unchanged;
      return true;
    }
    // replace_document on the unique id term makes every run idempotent: an article is
    // added once and then replaced in place, never duplicated.
    db.replace_document(id_term, builder.build(a, hash));
    ++(exists ? stats.replaced : stats.added);
    if (++pending >= o.batch_size) commit();
    return true;
  };

  try {
    for (const InputFile& f : files) {
      const std::size_t errors_before = diag.errors();
      const bool whole_file_ok = read_input(f, diag, [&](InputItem&& item) {
        if (!sink(std::move(item))) return false;
        return !(o.fail_fast && diag.errors() > errors_before);
      });
      if (!whole_file_ok) {
        ++stats.skipped;
      } else {
        // Bad records inside a readable file were reported and skipped one by one.
        stats.skipped += diag.errors() - errors_before;
      }
      if (o.fail_fast && diag.errors() > 0) {
        stop = true;
        break;
      }
    }
    if (analyzer.dropped_tokens() > 0) {
      diag.warning(o.index_dir, 0,
                   std::to_string(analyzer.dropped_tokens()) + " token(s) longer than " +
                       std::to_string(kMaxTermBytes) + " bytes were not indexed");
    }
    if (o.prune) {
      if (diag.errors() > 0 || stop) {
        // An unreadable input yields no ids; pruning now would delete its articles.
        diag.warning(o.index_dir, 0, "--prune skipped because some inputs had errors");
      } else {
        std::vector<std::string> doomed;
        const std::string prefix(schema::kPrefixId);
        for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
          if (!seen.count((*t).substr(prefix.size()))) doomed.push_back(*t);
        }
        for (const auto& term : doomed) db.delete_document(term);
        stats.deleted = doomed.size();
      }
    }
    commit();
  } catch (const Xapian::Error& e) {
    progress.clear();
    // What was committed in earlier batches stays; the batch in flight is lost.
    throw FatalError(o.index_dir + ": error: " + e.get_description() +
                     " (the index keeps its last commit)");
  }
  progress.clear();
  diag.set_before_print(nullptr, nullptr);
  stats.errors = diag.errors();
  stats.warnings = diag.warnings();
  stats.documents = db.get_doccount();
  db.close();
  stats.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return stats;
}

}  // namespace oly
