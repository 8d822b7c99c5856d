// Article readers: seed files, text files with a header block, plain text, JSON Lines,
// `.json` files (JSON Lines or one array of articles), all optionally gzip-compressed;
// files or directories, and `-` for JSON Lines on stdin.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "article.h"
#include "diagnostics.h"

namespace oly {

struct InputItem {
  Article article;
  std::string path;       // as reported in diagnostics
  std::size_t line = 0;   // 1-based line of the record (1 for whole files)
  std::size_t bytes = 0;  // input bytes this item consumed (for progress)
};

// kJson (`.json`): JSON Lines, one JSON array of article objects, or one (possibly
// pretty-printed) article object; told apart by the content.
enum class InputFormat { kText, kJsonLines, kJson };

struct InputFile {
  std::string path;     // filesystem path ("-" for stdin)
  std::string id_base;  // file_id(): the id of a text file without an `ID:` header
  InputFormat format;
  std::size_t size = 0;  // bytes on disk (0 when unknown)
  std::size_t arg = 0;   // index of the command-line path this file came from
};

// Entries inside directories that are not read (other extensions, FIFOs, dangling links;
// hidden entries are not counted), per command-line path: the run says how many.
struct IgnoredFiles {
  std::size_t count = 0;
  std::string example;  // the first one's path
};

// The id of an article file without an `ID:` header (see reader.cc).
std::string file_id(const std::filesystem::path& file);

// Expands files and directories (recursively, sorted, hidden entries skipped; only
// .txt, .jsonl, .ndjson, .json and their .gz forms inside directories) into input files.
// Missing paths are reported as errors and skipped. When `ignored` is given, it gets one
// entry per path: what its directory walk left unread.
std::vector<InputFile> list_inputs(const std::vector<std::string>& paths, Diagnostics& diag,
                                   std::vector<IgnoredFiles>* ignored = nullptr);

// True when a text file's contents are JSON (a JSON object or array as a whole, or a
// first line that is one JSON object): such a file is refused as an article, not indexed
// as raw JSON text.
bool looks_like_json(std::string_view contents);

// Parses one text file's contents (seed format, header block, or plain body).
// Returns false (after reporting) when the file holds no usable article.
bool parse_text_article(std::string_view contents, const std::string& path, Article& out,
                        Diagnostics& diag);

// Reads one input file and calls `sink` for every article; stops early when `sink`
// returns false. Bad records are reported and skipped. Returns false when the whole
// file could not be read.
bool read_input(const InputFile& file, Diagnostics& diag,
                const std::function<bool(InputItem&&)>& sink);

// Reads JSON Lines from an in-memory buffer (used by read_input and by tests).
void read_json_lines(std::string_view data, const std::string& path, Diagnostics& diag,
                     const std::function<bool(InputItem&&)>& sink);

// Reads a `.json` file's contents: an array of article objects, one article object
// (pretty-printed or not), or JSON Lines. Returns false (after reporting) when the
// file's structure is broken, e.g. an array without its closing bracket; records read
// before the break have gone to `sink`.
bool read_json_file(std::string_view data, const std::string& path, Diagnostics& diag,
                    const std::function<bool(InputItem&&)>& sink);

}  // namespace oly
