#include "reader.h"

#include <simdjson.h>
#include <zlib.h>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "language.h"
#include "schema.h"
#include "utf8.h"

namespace oly {
namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<InputFormat> format_of(const std::string& name) {
  const std::string n = lower(name);
  for (const char* ext : {".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"}) {
    if (ends_with(n, ext)) return InputFormat::kJsonLines;
  }
  if (ends_with(n, ".json") || ends_with(n, ".json.gz")) return InputFormat::kJson;
  if (ends_with(n, ".txt") || ends_with(n, ".txt.gz")) return InputFormat::kText;
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// Reads a whole file, transparently gunzipping (zlib reads plain files as they are).
// `truncated` is set when a gzip stream ends before its end marker: `out` then holds
// what could be decompressed.
bool slurp(const std::string& path, std::string& out, std::string& error, bool& truncated) {
  truncated = false;
  gzFile f = path == "-" ? gzdopen(dup(0), "rb") : gzopen(path.c_str(), "rb");
  if (!f) {
    error = errno ? std::strerror(errno) : "cannot open";
    return false;
  }
  gzbuffer(f, 1 << 18);
  out.clear();
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      error = code == Z_ERRNO ? std::strerror(errno) : msg;
      gzclose(f);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  int code = Z_OK;
  gzerror(f, &code);
  truncated = code == Z_BUF_ERROR;  // zlib's "unexpected end of file"
  gzclose(f);
  return true;
}

// Makes text safe to store: invalid UTF-8 becomes U+FFFD, reported once per record.
std::string clean_text(std::string_view s, const std::string& path, std::size_t line,
                       Diagnostics& diag) {
  std::size_t replaced = 0;
  std::string out = repair_utf8(s, &replaced);
  if (replaced > 0) {
    diag.warning(path, line,
                 "invalid UTF-8: " + std::to_string(replaced) + " sequence(s) replaced by U+FFFD");
  }
  return out;
}

std::vector<std::string> split_tags(std::string_view s) {
  std::vector<std::string> tags;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string_view t = trim(s.substr(start, comma - start));
    if (!t.empty()) tags.emplace_back(t);
    start = comma + 1;
  }
  return tags;
}

void set_date(std::string& date, std::string_view value, const std::string& path, std::size_t line,
              Diagnostics& diag) {
  if (trim(value).empty()) return;
  if (auto d = normalize_date(value)) {
    date = *d;
  } else {
    diag.warning(path, line,
                 "invalid date '" + std::string(trim(value)) + "'; article kept without a date");
  }
}

// The input field (schema::kRead) named `key` or its alias; nullptr when none. Header keys
// exclude the fields that are no header line (the body follows the header block).
const schema::Field* input_field(std::string_view key, bool header) {
  for (const schema::Field& f : schema::kFields) {
    if (!f.has(schema::kRead) || (header && f.has(schema::kNoHeader))) continue;
    if (key == f.key || (!f.key_alias.empty() && key == f.key_alias)) return &f;
  }
  return nullptr;
}

// A text header line's value into its field, by the field's input rule.
void set_header_value(Article& a, const schema::Field& f, std::string_view value,
                      const std::string& path, std::size_t line, Diagnostics& diag) {
  switch (f.input) {
    case schema::InputRule::kText:
    case schema::InputRule::kIdentifier:
      a.*f.member.text = std::string(value);
      break;
    case schema::InputRule::kDate:
      set_date(a.*f.member.text, value, path, line, diag);
      break;
    case schema::InputRule::kLanguage:
      a.*f.member.text = article_language(value, path, line, diag);
      break;
    case schema::InputRule::kList:
      a.*f.member.list = split_tags(value);
      break;
  }
}

}  // namespace

std::string file_id(const std::filesystem::path& file) {
  // The same file gets the same id however its path was typed (relative, absolute, or
  // through a directory argument): its canonical path relative to the current directory,
  // or absolute when it lies outside.
  std::error_code ec;
  const fs::path abs = fs::weakly_canonical(fs::absolute(file, ec), ec);
  const fs::path cwd = fs::current_path(ec);
  if (!ec) {
    const fs::path rel = abs.lexically_relative(fs::weakly_canonical(cwd, ec));
    if (!ec && !rel.empty() && *rel.begin() != "..") return rel.generic_string();
  }
  return abs.generic_string();
}

namespace {

// Appends the article files under directory `root`, sorted; counts what is left unread.
void walk_directory(const std::string& root, std::size_t arg, std::vector<InputFile>& files,
                    IgnoredFiles& ignored, Diagnostics& diag) {
  std::error_code ec;
  std::vector<InputFile> found;
  // Directory symlinks are not followed (the default), so a link loop cannot recurse.
  fs::recursive_directory_iterator it(fs::path(root), fs::directory_options::skip_permission_denied,
                                      ec);
  if (ec) {
    diag.error(root, 0, ec.message());
    return;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      diag.error(it->path().string(), 0, ec.message());
      break;
    }
    const std::string name = it->path().filename().string();
    std::error_code fec;
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(fec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory(fec)) continue;
    auto fmt = format_of(name);
    // Other extensions, FIFOs (opening one would block) and dangling links are not read,
    // but counted, so that a run over the wrong directory does not look clean.
    if (!fmt || !it->is_regular_file(fec)) {
      if (ignored.count++ == 0) ignored.example = it->path().string();
      continue;
    }
    found.push_back({it->path().string(), file_id(it->path()), *fmt,
                     static_cast<std::size_t>(it->file_size(fec)), arg});
  }
  std::sort(found.begin(), found.end(),
            [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
  files.insert(files.end(), found.begin(), found.end());
}

}  // namespace

std::vector<InputFile> list_inputs(const std::vector<std::string>& paths, Diagnostics& diag,
                                   std::vector<IgnoredFiles>* ignored) {
  std::vector<InputFile> files;
  std::vector<IgnoredFiles> unread(paths.size());
  for (std::size_t arg = 0; arg < paths.size(); ++arg) {
    const std::string& p = paths[arg];
    if (p == "-") {
      files.push_back({"-", "stdin", InputFormat::kJsonLines, 0, arg});
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      diag.error(p, 0, ec ? ec.message() : "no such file or directory");
      continue;
    }
    if (fs::is_directory(st)) {
      walk_directory(p, arg, files, unread[arg], diag);
    } else {
      // An explicitly named file is read whatever its extension: JSON if it is named so,
      // text otherwise (a text file that holds JSON is refused by parse_text_article).
      auto fmt = format_of(p).value_or(InputFormat::kText);
      std::size_t size = static_cast<std::size_t>(fs::file_size(p, ec));
      files.push_back({p, file_id(p), fmt, ec ? 0 : size, arg});
    }
  }
  if (ignored) *ignored = std::move(unread);
  return files;
}

bool parse_text_article(std::string_view contents, const std::string& path, Article& out,
                        Diagnostics& diag) {
  if (contents.size() >= 3 && contents.substr(0, 3) == "\xEF\xBB\xBF") contents.remove_prefix(3);
  if (const auto nul = contents.find('\0'); nul != std::string_view::npos) {
    diag.error(path, 0, "binary file (NUL byte at offset " + std::to_string(nul) + "); skipped");
    return false;
  }
  if (looks_like_json(contents)) {
    // Indexing it as one article would put raw `{"id":...` in the index and snippets.
    diag.error(path, 0,
               "the file holds JSON, not article text; name it .json or .jsonl to index its "
               "records; skipped");
    return false;
  }
  const std::string text = clean_text(contents, path, 0, diag);
  std::string_view s = text;
  if (trim(s).empty()) {
    diag.error(path, 0, "empty file; skipped");
    return false;
  }

  // Seed format: optional whitespace, "date YYYY-MM-DD", whitespace, then the body.
  std::string_view lead = s.substr(std::min(s.size(), s.find_first_not_of(" \t\r\n")));
  // Only when the word after "date" starts like a year, so that a plain text beginning
  // with "date night ..." stays plain text.
  std::string_view rest;
  if (lead.size() > 5 && lead.substr(0, 4) == "date" && (lead[4] == ' ' || lead[4] == '\t')) {
    rest = lead.substr(5);
    rest.remove_prefix(std::min(rest.size(), rest.find_first_not_of(" \t")));
  }
  const auto digit = [&](std::size_t i) {
    return i < rest.size() && rest[i] >= '0' && rest[i] <= '9';
  };
  if (digit(0) && digit(1) && digit(2) && digit(3)) {
    const std::size_t end = std::min(rest.size(), rest.find_first_of(" \t\r\n"));
    const std::size_t line_of_date =
        1 +
        static_cast<std::size_t>(std::count(s.begin(), s.begin() + (rest.data() - s.data()), '\n'));
    set_date(out.date, rest.substr(0, end), path, line_of_date, diag);
    out.body = std::string(trim(rest.substr(end)));
  } else {
    // Header block: "Key: value" lines up to the first blank line. A file whose first
    // line is not a known key (an input field's, schema::kFields) is plain text (all body).
    auto header_key = [&](std::string_view line, std::string& key, std::string_view& value) {
      const auto colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon > 20) return false;
      key = lower(trim(line.substr(0, colon)));
      value = trim(line.substr(colon + 1));
      return true;
    };
    std::string key;
    std::string_view value;
    const std::size_t first_nl = s.find('\n');
    std::string_view first_line = s.substr(0, first_nl);
    bool is_header = header_key(first_line, key, value) && input_field(key, true) != nullptr;
    if (!is_header) {
      out.body = std::string(trim(s));
    } else {
      std::size_t pos = 0;
      std::size_t line_no = 0;
      while (pos < s.size()) {
        const std::size_t nl = std::min(s.size(), s.find('\n', pos));
        std::string_view line = s.substr(pos, nl - pos);
        ++line_no;
        pos = nl + 1;
        if (trim(line).empty()) break;
        if (!header_key(line, key, value)) {
          diag.warning(path, line_no, "header line without 'Key:'; ignored");
          continue;
        }
        if (const schema::Field* f = input_field(key, true))
          set_header_value(out, *f, value, path, line_no, diag);
        else
          diag.warning(path, line_no, "unknown header key '" + key + "'; ignored");
      }
      out.body = pos < s.size() ? std::string(trim(s.substr(pos))) : std::string();
    }
  }
  if (out.body.empty() && out.title.empty()) {
    diag.error(path, 0, "article has neither title nor body; skipped");
    return false;
  }
  return true;
}

namespace {

const char* type_name(simdjson::dom::element_type t) {
  using T = simdjson::dom::element_type;
  switch (t) {
    case T::ARRAY:
      return "an array";
    case T::OBJECT:
      return "an object";
    case T::INT64:
    case T::UINT64:
    case T::DOUBLE:
      return "a number";
    case T::STRING:
      return "a string";
    case T::BOOL:
      return "a boolean";
    case T::NULL_VALUE:
      return "null";
  }
  return "something else";
}

// Reads an optional string field (null counts as absent); sets `error` on a wrong type.
// An identifier may also be an integer.
bool string_field(simdjson::dom::element v, std::string_view key, bool identifier, std::string& out,
                  std::string& error) {
  const auto type = v.type();
  if (type == simdjson::dom::element_type::NULL_VALUE) return true;
  if (type == simdjson::dom::element_type::STRING) {
    out = std::string(v.get_string().value_unsafe());
    return true;
  }
  if (identifier &&
      (type == simdjson::dom::element_type::INT64 || type == simdjson::dom::element_type::UINT64)) {
    out = simdjson::minify(v);
    return true;
  }
  error = "field '" + std::string(key) + "' must be a string, not " + type_name(type);
  return false;
}

// A list field: an array of strings or a comma-separated string (null counts as absent).
bool list_field(simdjson::dom::element v, std::string_view key, std::vector<std::string>& out,
                std::string& error) {
  simdjson::dom::array arr;
  std::string_view str;
  if (v.get_array().get(arr) == simdjson::SUCCESS) {
    for (simdjson::dom::element t : arr) {
      std::string_view tv;
      if (t.get_string().get(tv) != simdjson::SUCCESS) {
        error = "field '" + std::string(key) + "' must be an array of strings";
        return false;
      }
      if (!trim(tv).empty()) out.emplace_back(trim(tv));
    }
  } else if (v.get_string().get(str) == simdjson::SUCCESS) {
    out = split_tags(str);
  } else if (!v.is_null()) {
    error =
        "field '" + std::string(key) + "' must be an array of strings, not " + type_name(v.type());
    return false;
  }
  return true;
}

// A single-valued field, by its input rule.
bool text_field(simdjson::dom::element v, std::string_view key, const schema::Field& f, Article& a,
                const std::string& path, std::size_t line_no, Diagnostics& diag,
                std::string& error) {
  std::string& out = a.*f.member.text;
  switch (f.input) {
    case schema::InputRule::kText:
      // Trimmed, as a text header line's value is: both formats give the same source.
      if (!string_field(v, key, false, out, error)) return false;
      out = std::string(trim(out));
      return true;
    case schema::InputRule::kIdentifier:
    case schema::InputRule::kList:  // not reached: lists are read by list_field
      return string_field(v, key, f.input == schema::InputRule::kIdentifier, out, error);
    case schema::InputRule::kLanguage:
      if (!string_field(v, key, false, out, error)) return false;
      out = article_language(out, path, line_no, diag);
      return true;
    case schema::InputRule::kDate: {
      std::string date;
      if (!string_field(v, key, false, date, error)) return false;
      set_date(out, date, path, line_no, diag);
      return true;
    }
  }
  return true;
}

// Fills `a` from one parsed record; returns an error message or "".
std::string article_from_json(simdjson::dom::element root, Article& a, const std::string& path,
                              std::size_t line_no, Diagnostics& diag) {
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return std::string("a record must be a JSON object, not ") + type_name(root.type());
  }
  std::string error;
  for (auto [key, v] : obj) {
    // Unknown fields (e.g. `category`) and derived ones (`countries`: the indexer
    // computes them, core/countries.h) are ignored.
    const schema::Field* f = input_field(key, false);
    if (f == nullptr) continue;
    const bool ok = f->input == schema::InputRule::kList
                        ? list_field(v, key, a.*f->member.list, error)
                        : text_field(v, key, *f, a, path, line_no, diag, error);
    if (!ok) break;
  }
  return error;
}
}  // namespace

namespace {

using Sink = std::function<bool(InputItem&&)>;

std::string_view skip_bom(std::string_view data) {
  if (data.size() >= 3 && data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
  return data;
}

// Parses one JSON value with `parser`; simdjson reads up to SIMDJSON_PADDING bytes past
// the end, so it is given a padded copy in `buf`.
simdjson::error_code parse_padded(simdjson::dom::parser& parser, std::string& buf,
                                  std::string_view json, simdjson::dom::element& root) {
  buf.assign(json);
  buf.resize(json.size() + simdjson::SIMDJSON_PADDING, ' ');
  return parser.parse(buf.data(), json.size(), false).get(root);
}

// One JSON record (a line of JSON Lines, an element of an array): parsed, checked, and
// handed to `sink`; a bad record is reported and skipped. False when the sink says stop.
class RecordReader {
 public:
  RecordReader(const std::string& path, Diagnostics& diag, const Sink& sink)
      : path_(path), diag_(diag), sink_(sink) {}

  bool read(std::string_view json, std::size_t line_no, std::size_t consumed) {
    std::string repaired;
    if (find_invalid_utf8(json) != std::string_view::npos) {
      std::size_t replaced = 0;
      repaired = repair_utf8(json, &replaced);
      json = repaired;
      diag_.warning(
          path_, line_no,
          "invalid UTF-8: " + std::to_string(replaced) + " sequence(s) replaced by U+FFFD");
    }
    InputItem item;
    item.path = path_;
    item.line = line_no;
    item.bytes = consumed;
    Article& a = item.article;
    std::string error;
    simdjson::dom::element root;
    if (auto code = parse_padded(parser_, buf_, json, root); code != simdjson::SUCCESS) {
      error = std::string("invalid JSON: ") + simdjson::error_message(code);
    } else {
      error = article_from_json(root, a, path_, line_no, diag_);
    }
    if (!error.empty()) {
      diag_.error(path_, line_no, error + "; record skipped");
      return true;
    }
    a.body = std::string(trim(a.body));
    if (a.body.empty() && trim(a.title).empty()) {
      diag_.error(path_, line_no, "article has neither title nor body; record skipped");
      return true;
    }
    if (a.id.empty()) a.id = "h" + content_hash(a);  // stable: same content, same id
    return sink_(std::move(item));
  }

  // True when `json` is one complete JSON value.
  bool parses(std::string_view json) {
    simdjson::dom::element root;
    return parse_padded(parser_, buf_, json, root) == simdjson::SUCCESS;
  }

 private:
  const std::string& path_;
  Diagnostics& diag_;
  const Sink& sink_;
  // The DOM parser picks the fastest kernel for this CPU at run time (the On-Demand API
  // would be fixed to the build's target).
  simdjson::dom::parser parser_;
  std::string buf_;
};

// The end of the JSON value that starts at data[i] (an element of an array): the index
// of the ',' or closing bracket after it at nesting depth 0, or data.size() when there
// is none. Only strings and brackets are tracked; the value itself is parsed by simdjson.
// `lines` counts the newlines passed.
std::size_t element_end(std::string_view data, std::size_t i, std::size_t& lines) {
  int depth = 0;
  bool in_string = false;
  for (; i < data.size(); ++i) {
    const char c = data[i];
    if (c == '\n') ++lines;
    if (in_string) {
      if (c == '\\' && i + 1 < data.size() && data[i + 1] != '\n') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;
      --depth;
    } else if (c == ',' && depth == 0) {
      return i;
    }
  }
  return i;
}

std::size_t skip_space(std::string_view data, std::size_t i, std::size_t& lines) {
  for (;
       i < data.size() && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n');
       ++i) {
    if (data[i] == '\n') ++lines;
  }
  return i;
}

// A JSON array of article objects, element by element, so that memory stays near the
// size of the largest element (not a DOM of the whole file). `open` is the index of '['.
bool read_json_array(std::string_view data, std::size_t open, const std::string& path,
                     Diagnostics& diag, const Sink& sink) {
  RecordReader records(path, diag, sink);
  std::size_t line =
      1 + static_cast<std::size_t>(std::count(data.begin(), data.begin() + open, '\n'));
  std::size_t i = skip_space(data, open + 1, line);
  if (i < data.size() && data[i] == ']') {
    i = skip_space(data, i + 1, line);  // an empty array: no records
  } else {
    for (;;) {
      const std::size_t begin = i, begin_line = line;
      const std::size_t end = element_end(data, i, line);
      if (end >= data.size() || data[end] == '}') {
        diag.error(path, line,
                   end >= data.size() ? "invalid JSON: the array has no closing ']'; the rest of "
                                        "the file is not read"
                                      : "invalid JSON: unbalanced '}' in the array; the rest of "
                                        "the file is not read");
        return false;
      }
      const std::string_view element = trim(data.substr(begin, end - begin));
      if (element.empty()) {
        diag.error(path, begin_line, "invalid JSON: empty array element; record skipped");
      } else if (!records.read(element, begin_line, end + 1 - begin)) {
        return true;
      }
      i = skip_space(data, end + 1, line);
      if (data[end] == ']') break;
    }
  }
  if (i < data.size()) {
    diag.error(path, line, "invalid JSON: text after the closing ']'");
    return false;
  }
  return true;
}

}  // namespace

bool looks_like_json(std::string_view contents) {
  const std::string_view s = trim(skip_bom(contents));
  if (s.empty() || (s[0] != '{' && s[0] != '[')) return false;
  simdjson::dom::parser parser;
  std::string buf;
  simdjson::dom::element root;
  const auto is_json = [&](std::string_view json) {
    return parse_padded(parser, buf, json, root) == simdjson::SUCCESS &&
           (root.is_object() || root.is_array());
  };
  return is_json(trim(s.substr(0, s.find('\n')))) || is_json(s);
}

void read_json_lines(std::string_view data, const std::string& path, Diagnostics& diag,
                     const std::function<bool(InputItem&&)>& sink) {
  data = skip_bom(data);
  RecordReader records(path, diag, sink);
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < data.size()) {
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) nl = data.size();
    std::string_view line = data.substr(pos, nl - pos);
    const std::size_t consumed = std::min(data.size(), nl + 1) - pos;
    pos = nl + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    if (!records.read(line, line_no, consumed)) return;
  }
}

bool read_json_file(std::string_view data, const std::string& path, Diagnostics& diag,
                    const std::function<bool(InputItem&&)>& sink) {
  data = skip_bom(data);
  const std::size_t first = data.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return true;  // like an empty JSON Lines file
  if (data[first] == '[') return read_json_array(data, first, path, diag, sink);
  // One pretty-printed object spans lines: its first line is no JSON value of its own,
  // the whole file is. Anything else is read as JSON Lines (errors line by line).
  const std::size_t nl = data.find('\n', first);
  RecordReader records(path, diag, sink);
  if (nl != std::string_view::npos && !records.parses(trim(data.substr(first, nl - first))) &&
      records.parses(trim(data))) {
    records.read(trim(data),
                 1 + static_cast<std::size_t>(std::count(data.begin(), data.begin() + first, '\n')),
                 data.size());
    return true;
  }
  read_json_lines(data, path, diag, sink);
  return true;
}

bool read_input(const InputFile& file, Diagnostics& diag,
                const std::function<bool(InputItem&&)>& sink) {
  std::string data;
  std::string error;
  bool truncated = false;
  if (!slurp(file.path, data, error, truncated)) {
    diag.error(file.path, 0, "cannot read: " + error);
    return false;
  }
  if (truncated) {
    // A cut gzip file: JSON Lines keep the complete records before the cut (the partial
    // last line is dropped); a text article would be silently shorter, so it is skipped.
    if (file.format != InputFormat::kText) {
      const std::size_t last_nl = data.rfind('\n');
      data.resize(last_nl == std::string::npos ? 0 : last_nl + 1);
      if (file.format == InputFormat::kJson) {
        read_json_file(data, file.path, diag, sink);
      } else {
        read_json_lines(data, file.path, diag, sink);
      }
      diag.error(file.path, 0,
                 "unexpected end of file: the gzip stream is cut short; records before the cut "
                 "were read, the rest is lost");
    } else {
      diag.error(file.path, 0, "unexpected end of file: the gzip stream is cut short; skipped");
    }
    return false;
  }
  if (file.format == InputFormat::kJsonLines) {
    read_json_lines(data, file.path, diag, sink);
    return true;
  }
  if (file.format == InputFormat::kJson) return read_json_file(data, file.path, diag, sink);
  InputItem item;
  item.path = file.path;
  item.line = 1;
  item.bytes = data.size();
  if (!parse_text_article(data, file.path, item.article, diag)) return false;
  if (item.article.id.empty()) item.article.id = file.id_base;
  sink(std::move(item));
  return true;
}

}  // namespace oly
