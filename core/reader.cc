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

void set_date(Article& a, std::string_view value, const std::string& path, std::size_t line,
              Diagnostics& diag) {
  if (trim(value).empty()) return;
  if (auto d = normalize_date(value)) {
    a.date = *d;
  } else {
    diag.warning(path, line,
                 "invalid date '" + std::string(trim(value)) + "'; article kept without a date");
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

std::vector<InputFile> list_inputs(const std::vector<std::string>& paths, Diagnostics& diag) {
  std::vector<InputFile> files;
  for (const std::string& p : paths) {
    if (p == "-") {
      files.push_back({"-", "stdin", InputFormat::kJsonLines, 0});
      continue;
    }
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      diag.error(p, 0, ec ? ec.message() : "no such file or directory");
      continue;
    }
    if (fs::is_directory(st)) {
      const fs::path root = fs::path(p);
      std::vector<InputFile> found;
      // Directory symlinks are not followed (the default), so a link loop cannot recurse.
      fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
      if (ec) {
        diag.error(p, 0, ec.message());
        continue;
      }
      for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
          diag.error(it->path().string(), 0, ec.message());
          break;
        }
        const std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        std::error_code fec;
        if (!it->is_regular_file(fec)) continue;
        auto fmt = format_of(name);
        if (!fmt) continue;
        found.push_back({it->path().string(), file_id(it->path()), *fmt,
                         static_cast<std::size_t>(it->file_size(fec))});
      }
      std::sort(found.begin(), found.end(),
                [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
      files.insert(files.end(), found.begin(), found.end());
    } else {
      // An explicitly named file is read whatever its extension: JSON Lines if it is
      // named so, text otherwise.
      auto fmt = format_of(p).value_or(InputFormat::kText);
      std::size_t size = static_cast<std::size_t>(fs::file_size(p, ec));
      files.push_back({p, file_id(p), fmt, ec ? 0 : size});
    }
  }
  return files;
}

bool parse_text_article(std::string_view contents, const std::string& path, Article& out,
                        Diagnostics& diag) {
  if (contents.size() >= 3 && contents.substr(0, 3) == "\xEF\xBB\xBF") contents.remove_prefix(3);
  if (const auto nul = contents.find('\0'); nul != std::string_view::npos) {
    diag.error(path, 0, "binary file (NUL byte at offset " + std::to_string(nul) + "); skipped");
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
    set_date(out, rest.substr(0, end), path, line_of_date, diag);
    out.body = std::string(trim(rest.substr(end)));
  } else {
    // Header block: "Key: value" lines up to the first blank line. A file whose first
    // line is not a known key is plain text (all body).
    static const char* kKeys[] = {"title", "date", "source",   "url", "tags",
                                  "tag",   "lang", "language", "id"};
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
    bool is_header = header_key(first_line, key, value) &&
                     std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
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
        if (key == "title")
          out.title = std::string(value);
        else if (key == "date")
          set_date(out, value, path, line_no, diag);
        else if (key == "source")
          out.source = std::string(value);
        else if (key == "url")
          out.url = std::string(value);
        else if (key == "tags" || key == "tag")
          out.tags = split_tags(value);
        else if (key == "lang" || key == "language")
          out.lang = article_language(value, path, line_no, diag);
        else if (key == "id")
          out.id = std::string(value);
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
bool string_field(simdjson::dom::element v, std::string_view key, std::string& out,
                  std::string& error) {
  const auto type = v.type();
  if (type == simdjson::dom::element_type::NULL_VALUE) return true;
  if (type == simdjson::dom::element_type::STRING) {
    out = std::string(v.get_string().value_unsafe());
    return true;
  }
  if (key == "id" &&
      (type == simdjson::dom::element_type::INT64 || type == simdjson::dom::element_type::UINT64)) {
    out = simdjson::minify(v);
    return true;
  }
  error = "field '" + std::string(key) + "' must be a string, not " + type_name(type);
  return false;
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
    bool ok = true;
    if (key == "id")
      ok = string_field(v, key, a.id, error);
    else if (key == "title")
      ok = string_field(v, key, a.title, error);
    else if (key == "source")
      ok = string_field(v, key, a.source, error);
    else if (key == "url")
      ok = string_field(v, key, a.url, error);
    else if (key == "body")
      ok = string_field(v, key, a.body, error);
    else if (key == "lang" || key == "language") {
      ok = string_field(v, key, a.lang, error);
      if (ok) a.lang = article_language(a.lang, path, line_no, diag);
    } else if (key == "date") {
      std::string date;
      ok = string_field(v, key, date, error);
      if (ok) set_date(a, date, path, line_no, diag);
    } else if (key == "tags") {
      simdjson::dom::array arr;
      std::string_view str;
      if (v.get_array().get(arr) == simdjson::SUCCESS) {
        for (simdjson::dom::element t : arr) {
          std::string_view tv;
          if (t.get_string().get(tv) != simdjson::SUCCESS) {
            error = "field 'tags' must be an array of strings";
            ok = false;
            break;
          }
          if (!trim(tv).empty()) a.tags.emplace_back(trim(tv));
        }
      } else if (v.get_string().get(str) == simdjson::SUCCESS) {
        a.tags = split_tags(str);
      } else if (!v.is_null()) {
        error = std::string("field 'tags' must be an array of strings, not ") + type_name(v.type());
        ok = false;
      }
    }
    // Unknown fields (e.g. `category`) are ignored.
    if (!ok) break;
  }
  return error;
}

}  // namespace

void read_json_lines(std::string_view data, const std::string& path, Diagnostics& diag,
                     const std::function<bool(InputItem&&)>& sink) {
  // The DOM parser picks the fastest kernel for this CPU at run time (the On-Demand API
  // would be fixed to the build's target).
  if (data.size() >= 3 && data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);  // BOM
  simdjson::dom::parser parser;
  std::string buf;
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

    std::string repaired;
    if (find_invalid_utf8(line) != std::string_view::npos) {
      std::size_t replaced = 0;
      repaired = repair_utf8(line, &replaced);
      line = repaired;
      diag.warning(
          path, line_no,
          "invalid UTF-8: " + std::to_string(replaced) + " sequence(s) replaced by U+FFFD");
    }
    // simdjson reads up to SIMDJSON_PADDING bytes past the end; give it a padded copy.
    buf.assign(line);
    buf.resize(line.size() + simdjson::SIMDJSON_PADDING, ' ');
    InputItem item;
    item.path = path;
    item.line = line_no;
    item.bytes = consumed;
    Article& a = item.article;
    std::string error;
    simdjson::dom::element root;
    if (auto code = parser.parse(buf.data(), line.size(), false).get(root);
        code != simdjson::SUCCESS) {
      error = std::string("invalid JSON: ") + simdjson::error_message(code);
    } else {
      error = article_from_json(root, a, path, line_no, diag);
    }
    if (!error.empty()) {
      diag.error(path, line_no, error + "; record skipped");
      continue;
    }
    a.body = std::string(trim(a.body));
    if (a.body.empty() && trim(a.title).empty()) {
      diag.error(path, line_no, "article has neither title nor body; record skipped");
      continue;
    }
    if (a.id.empty()) a.id = "h" + content_hash(a);  // stable: same content, same id
    if (!sink(std::move(item))) return;
  }
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
    if (file.format == InputFormat::kJsonLines) {
      const std::size_t last_nl = data.rfind('\n');
      data.resize(last_nl == std::string::npos ? 0 : last_nl + 1);
      read_json_lines(data, file.path, diag, sink);
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
