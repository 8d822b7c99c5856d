#!/usr/bin/env python3
"""Converts our JSON Lines articles into Xapian omega scriptindex's dump format.

Usage: jsonl2scriptindex.py OUT.dump IN.jsonl...

Dump format (see /usr/share/doc/xapian-omega/scriptindex.html, "Input files"): one record
per article, `name=value` lines, records separated by a blank line, and every newline inside
a value escaped by putting `=` at the start of the continuation line.

Only the fields our indexer keeps are written (id, title, body, source, date, url), so that
scriptindex stores and indexes the same text. `date8` is the date as YYYYMMDD, the form that
scriptindex's `date=yyyymmdd` and our value slot both use. bench/run times this conversion
separately; it is not counted as indexing time.
"""
import json
import sys


def value(v):
    # scriptindex reads lines; CR and CRLF become plain line breaks (our analyzer treats
    # them as spaces too), then each line break gets the `=` continuation marker.
    return v.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\n=")


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    n = 0
    with open(argv[1], "w", encoding="utf-8", newline="\n") as out:
        for path in argv[2:]:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    a = json.loads(line)
                    rec = []
                    for key in ("id", "title", "body", "source", "url"):
                        v = a.get(key)
                        if isinstance(v, str) and v:
                            rec.append(key + "=" + value(v) + "\n")
                    d = a.get("date")
                    if isinstance(d, str) and len(d) == 10:
                        rec.append("date=" + d + "\n")
                        rec.append("date8=" + d.replace("-", "") + "\n")
                    rec.append("\n")
                    out.write("".join(rec))
                    n += 1
    sys.stderr.write(f"converted {n} articles\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
