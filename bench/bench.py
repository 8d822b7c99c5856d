#!/usr/bin/env python3
"""Benchmark driver of bench/run. Run it through bench/run (see that file and README.md)."""
import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "load"))
import load as loadbench  # noqa: E402  (bench/load/load.py: section 5)

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
NEWS = CORPORA / "general-news"
CORPUS_FILES = [NEWS / "part-000.jsonl", NEWS / "part-001.jsonl"]
OUT = BENCH / "out"
QUERIES = BENCH / "queries.tsv"
SCRIPT = BENCH / "scriptindex.script"
CONVERTER = BENCH / "jsonl2scriptindex.py"
TIME = "/usr/bin/time"

# quest options that make QueryParser read the query like our searcher does: all words
# required, English stems, phrases/booleans/wildcards, our field names.
QUEST_OPTS = ["-s", "english", "-o", "and", "-f", "boolean,phrase,lovehate,wildcard",
              "-p", "title:S", "-p", "source:XSRC",
              "-b", "date:D", "-b", "date:M", "-b", "date:Y"]

# FTS5 table: the same stored fields as ours; id/date/url stored but not indexed.
FTS5_COLUMNS = ["id", "title", "body", "source", "date", "url"]
FTS5_CREATE = (
    "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, source, "
    "date UNINDEXED, url UNINDEXED, "
    "tokenize='porter unicode61 remove_diacritics 2');\n"
    # bm25 with the title weighted x3, as our title boost and scriptindex's weight=3.
    "INSERT INTO docs(docs, rank) VALUES('rank', 'bm25(0.0, 3.0, 1.0, 1.0, 0.0, 0.0)');\n")
FTS5_SNIPPET = "snippet(docs, 2, '[', ']', '…', 32)"

MB = 1e6
FAILURES = []


def log(msg):
    print(f"bench: {msg}", flush=True)


def fail(msg):
    FAILURES.append(msg)
    print(f"bench: FAIL: {msg}", flush=True)


def die(msg, code=2):
    print(f"bench: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


# ------------------------------------------------------------------------ environment

APT_PACKAGES = {  # command -> Debian package
    "scriptindex": "xapian-omega", "quest": "xapian-tools", "xapian-compact": "xapian-tools",
    "xapian-delve": "xapian-tools", "xapian-tcpsrv": "xapian-tools", "sqlite3": "sqlite3", TIME: "time",
    "cmake": "cmake", "make": "make",
}
LOAD_PACKAGES = {"wrk": "wrk", loadbench.APACHE: "apache2", loadbench.OMEGA_CGI: "xapian-omega"}


def ensure_tools(load):
    if load:
        APT_PACKAGES.update(LOAD_PACKAGES)
    missing = sorted({pkg for cmd, pkg in APT_PACKAGES.items() if not shutil.which(cmd)})
    if missing:
        if os.geteuid() != 0:
            die("missing packages " + " ".join(missing) + "; run as root or: sudo apt-get install -y "
                + " ".join(missing))
        log("installing " + " ".join(missing) + " (apt-get)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
        still = [c for c in APT_PACKAGES if not shutil.which(c)]
        if still:
            die("still missing after apt-get: " + " ".join(still))
    probe = subprocess.run(["sqlite3", ":memory:", "CREATE VIRTUAL TABLE t USING fts5(x);"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        die("this sqlite3 has no FTS5: " + probe.stderr.strip())


def build(build_dir, skip, load):
    indexer = build_dir / "indexer" / "indexer"
    searcher = build_dir / "searcher" / "searcher"
    server = build_dir / "server" / "search-server"
    targets = ["indexer", "searcher"] + (["search-server"] if load else [])
    if skip:
        for b in (indexer, searcher, *([server] if load else [])):
            if not b.exists():
                die(f"--no-build: {b} missing" + (" (or use --no-load)" if b == server else ""))
        log(f"using existing binaries in {build_dir}")
        return indexer, searcher, server
    cache = build_dir / "CMakeCache.txt"
    if cache.exists():
        # Never reconfigure someone else's build dir (e.g. scripts/test's build-test).
        text = cache.read_text(errors="replace")
        bt = re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", text, re.M)
        tests = re.search(r"^OLY_TESTS:\w+=(.*)$", text, re.M)
        if (bt and bt.group(1) != "Release") or (tests and tests.group(1).upper() not in ("OFF", "0", "FALSE")):
            die(f"{build_dir} is configured with CMAKE_BUILD_TYPE={bt.group(1) if bt else '?'!r}, "
                f"OLY_TESTS={tests.group(1) if tests else '?'}; bench/run only builds in a Release "
                "build dir of its own. Add --no-build to use its binaries as they are.")
    OUT.mkdir(parents=True, exist_ok=True)
    logf = OUT / "build.log"
    log(f"building {' '.join(targets)} (Release) in {build_dir}; log: {logf}")
    t0 = time.perf_counter()
    with open(logf, "w") as lf:
        for cmd in (["cmake", "-S", str(REPO), "-B", str(build_dir), "-DOLY_TESTS=OFF",
                     "-DCMAKE_BUILD_TYPE=Release"],
                    ["make", "-C", str(build_dir), f"-j{os.cpu_count() or 2}", *targets]):
            lf.write("$ " + shlex.join(cmd) + "\n")
            lf.flush()
            r = subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT)
            if r.returncode != 0:
                lf.close()
                tail = "".join(open(logf, errors="replace").readlines()[-30:])
                die(f"build failed ({shlex.join(cmd)}):\n{tail}")
    log(f"build done in {time.perf_counter() - t0:.1f} s")
    return indexer, searcher, server


def machine_info():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    osname = platform.platform()
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip().strip('"') + ", Linux " + platform.release()
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    return {"nproc": nproc, "cpu": cpu, "ram": ram, "os": osname}


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def versions():
    def first_line(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
            return (r.stdout or r.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    return {
        "scriptindex": first_line(["scriptindex", "--version"]),
        "quest": first_line(["quest", "--version"]),
        "sqlite3": " ".join(first_line(["sqlite3", "--version"]).split()[:2]),
        "wrk": " ".join(first_line(["wrk", "-v"]).split()[:2]),
        "apache2": first_line([loadbench.APACHE, "-v"]).replace("Server version: ", ""),
    }


def git_state():
    def git(*a):
        r = subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return head + (" (+ uncommitted changes)" if dirty else "")


# ---------------------------------------------------------------------------- timing

def cpu_busy():
    """Busy CPU seconds of the whole machine so far (all CPUs), from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        # user nice system idle iowait irq softirq steal
        return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def self_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def others_cpu(busy0, self0, children_cpu):
    """CPU seconds that other processes of the machine used since busy0."""
    busy1 = cpu_busy()
    if busy0 is None or busy1 is None:
        return None
    return max(0.0, (busy1 - busy0) - children_cpu - (self_cpu() - self0))


def timed(cmd, stdin_path=None, stdout_path=None, label=None):
    """Runs cmd under /usr/bin/time; returns wall, user, sys, cpu seconds and peak RSS, and
    the CPU seconds that other processes used meanwhile (a noisy machine shows there)."""
    busy0, self0 = cpu_busy(), self_cpu()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = [TIME, "-f", "%e %U %S %M", "-o", tf.name, *map(str, cmd)]
        fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        fout = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
        t0 = time.perf_counter()
        r = subprocess.run(full, stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        for f in (fin, fout):
            if hasattr(f, "close"):
                f.close()
        fields = open(tf.name).read().split()
    stderr = r.stderr.decode("utf-8", "replace")
    stdout = r.stdout.decode("utf-8", "replace") if r.stdout is not None else ""
    try:
        _, user, sys_, rss_kb = fields[-4:]
        user, sys_, rss_kb = float(user), float(sys_), int(rss_kb)
    except ValueError:
        user = sys_ = 0.0
        rss_kb = 0
    others = others_cpu(busy0, self0, user + sys_)
    if label:
        log(f"{label}: {wall:.2f} s wall, {user + sys_:.2f} s CPU, {rss_kb / 1024:.0f} MiB peak RSS"
            + (f" (other processes: {others:.1f} s CPU)" if others is not None else ""))
    return {"wall": wall, "user": user, "sys": sys_, "cpu": user + sys_, "rss": rss_kb * 1024,
            "rc": r.returncode, "stdout": stdout, "stderr": stderr, "others": others}


def run_child(cmd, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL):
    """One process; returns (wall seconds, CPU seconds, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL)
    rc = p.wait()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rc


def warm(paths):
    """Reads files once so that every engine starts with them in the page cache."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 22):
                pass


def disk_usage(path):
    """Allocated bytes on disk (like du -s --block-size=1) of a file or directory."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_blocks * 512
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.lstat(os.path.join(root, f)).st_blocks * 512
    return total


def count_lines(paths):
    n = 0
    for p in paths:
        with open(p, "rb") as f:
            for line in f:
                if line.strip():
                    n += 1
    return n


# ------------------------------------------------------------------------ corpus prep

SMOKE_STRIDE = 118


def smoke_corpus(workdir):
    """Every 118th article of both files: ~400 articles from every source and month."""
    out = workdir / "smoke.jsonl"
    i = 0
    with open(out, "wb") as o:
        for p in CORPUS_FILES:
            with open(p, "rb") as f:
                for line in f:
                    if line.strip():
                        if i % SMOKE_STRIDE == 0:
                            o.write(line)
                        i += 1
    return [out]


def replicate(files, k, workdir):
    """Copy number k (2, 3, ...) of the corpus with ids prefixed `r<k>-`."""
    out = []
    for p in files:
        dst = workdir / f"r{k}-{p.name}"
        with open(p, "rb") as f, open(dst, "wb") as o:
            for line in f:
                if line.startswith(b'{"id": "'):
                    o.write(b'{"id": "r%d-' % k + line[8:])
                elif line.strip():
                    a = json.loads(line)
                    a["id"] = f"r{k}-{a['id']}"
                    o.write(json.dumps(a, ensure_ascii=False).encode() + b"\n")
        out.append(dst)
    return out


# --------------------------------------------------------------------------- indexing

def index_ours(indexer, files, idx, label):
    warm(files)
    r = timed([indexer, "-d", idx, "--progress", "never", "--recreate", *files], label=label)
    summary = r["stderr"].strip().splitlines()[-1] if r["stderr"].strip() else ""
    m = re.search(r"\((\d+) documents in the index\)", summary)
    r["docs"] = int(m.group(1)) if m else None
    if r["rc"] != 0:
        fail(f"{label}: indexer exited {r['rc']}: {r['stderr'][-2000:]}")
    r["summary"] = summary
    return r


def index_fts5(files, db, workdir, label):
    if db.exists():
        db.unlink()
    sql = workdir / f"{db.stem}-load.sql"
    with open(sql, "w") as f:
        f.write(".bail on\n")
        # Staging table for the raw lines: a TEMP table, on disk (SQLite's default temp_store),
        # so that peak RSS is FTS5's own and not 62 MB of staged JSON per copy.
        f.write("CREATE TEMP TABLE raw(line TEXT);\n")
        # ascii mode: no quote processing; one JSON line per row.
        f.write('.mode ascii\n.separator "\\037" "\\n"\n')
        for p in files:
            f.write(f'.import "{p}" raw\n')
        f.write(FTS5_CREATE)
        cols = ", ".join(FTS5_COLUMNS)
        sel = ", ".join(f"json_extract(line, '$.{c}')" for c in FTS5_COLUMNS)
        f.write(f"INSERT INTO docs({cols}) SELECT {sel} FROM raw;\n")
        f.write("DROP TABLE raw;\n.mode list\nSELECT count(*) FROM docs;\n")
    warm(files)
    r = timed(["sqlite3", db], stdin_path=sql, label=label)
    try:
        r["docs"] = int(r["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        r["docs"] = None
    if r["rc"] != 0:
        fail(f"{label}: sqlite3 exited {r['rc']}: {r['stderr'][-2000:]}")
    return r


def xapian_docs(db):
    r = subprocess.run(["xapian-delve", str(db)], capture_output=True, text=True)
    m = re.search(r"number of documents = (\d+)", r.stdout)
    return int(m.group(1)) if m else None


def indexing_phase(args, indexer, files, workdir, n_articles, in_bytes):
    res = {}
    ours_idx = workdir / "ours.idx"
    res["ours"] = index_ours(indexer, files, ours_idx, "index ours")
    res["ours"]["size"] = disk_usage(ours_idx)

    dump = workdir / "scriptindex.dump"
    warm(files)
    conv = timed([sys.executable, CONVERTER, dump, *files], label="convert JSONL -> scriptindex dump")
    if conv["rc"] != 0:
        fail("jsonl2scriptindex.py failed: " + conv["stderr"][-2000:])
    res["convert"] = conv
    xdb = workdir / "scriptindex.db"
    warm([dump])
    si = timed(["scriptindex", "--overwrite", "--stemmer", "english", xdb, SCRIPT, dump],
               label="index scriptindex")
    if si["rc"] != 0:
        fail(f"scriptindex exited {si['rc']}: {si['stderr'][-2000:]}")
    si["docs"] = xapian_docs(xdb)
    si["size"] = disk_usage(xdb)
    res["scriptindex"] = si
    cdb = workdir / "scriptindex-compact.db"
    c = timed(["xapian-compact", xdb, cdb], label="xapian-compact scriptindex")
    si["compacted"] = disk_usage(cdb) if c["rc"] == 0 else None
    si["compact_wall"] = c["wall"]
    oc = workdir / "ours-compact.idx"
    c = timed(["xapian-compact", ours_idx, oc], label="xapian-compact ours (for information)")
    res["ours"]["compacted"] = disk_usage(oc) if c["rc"] == 0 else None
    res["ours"]["compact_wall"] = c["wall"]
    shutil.rmtree(oc, ignore_errors=True)
    shutil.rmtree(cdb, ignore_errors=True)

    fdb = workdir / "fts5.db"
    res["fts5"] = index_fts5(files, fdb, workdir, "index FTS5")
    res["fts5"]["size"] = disk_usage(fdb)
    opt = workdir / "fts5-optimized.db"
    shutil.copyfile(fdb, opt)
    o = timed(["sqlite3", opt, "INSERT INTO docs(docs) VALUES('optimize'); VACUUM;"],
              label="FTS5 optimize + VACUUM (for information)")
    res["fts5"]["compacted"] = disk_usage(opt) if o["rc"] == 0 else None
    res["fts5"]["compact_wall"] = o["wall"]
    opt.unlink()

    for name in ("ours", "scriptindex", "fts5"):
        r = res[name]
        r["articles_s"] = n_articles / r["wall"] if r["wall"] else 0
        r["mb_s"] = in_bytes / MB / r["wall"] if r["wall"] else 0
        if r.get("docs") != n_articles:
            fail(f"{name}: index holds {r.get('docs')} documents, expected {n_articles}")
    return res, ours_idx, xdb, fdb


# ---------------------------------------------------------------------------- queries

def load_queries():
    rows = []
    for n, line in enumerate(open(QUERIES, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 6:
            die(f"{QUERIES}:{n}: expected at least 6 tab-separated columns, got {len(cols)}")
        cols += [""] * (7 - len(cols))
        name, kind, tol, ours, quest, match, where = cols[:7]
        rows.append({"name": name, "kind": kind, "tol": float(tol), "ours": ours,
                     "quest": quest, "match": match, "where": where.strip()})
    names = [q["name"] for q in rows]
    if len(set(names)) != len(names):
        die(f"{QUERIES}: duplicate query names")
    return rows


def sql_lit(s):
    return "'" + s.replace("'", "''") + "'"


def fts5_where(q):
    w = f"docs MATCH {sql_lit(q['match'])}"
    if q["where"]:
        w += f" AND ({q['where']})"
    return w


def fts5_top10_sql(q):
    return (f"SELECT id, title, {FTS5_SNIPPET} FROM docs WHERE {fts5_where(q)} "
            f"ORDER BY rank LIMIT 10;")


def engine_cmds(q, searcher, ours_idx, xdb, fdb):
    return {
        "ours": [str(searcher), "-d", str(ours_idx), q["ours"]],
        "quest": ["quest", "-d", str(xdb), "-m", "10", *QUEST_OPTS, q["quest"]],
        # Rows end with \x1e so that the check can count them (snippets hold newlines).
        "fts5": ["sqlite3", "-newline", "\x1e", str(fdb), fts5_top10_sql(q)],
    }


def counts(q, searcher, ours_idx, xdb, fdb):
    c = {}
    r = subprocess.run([searcher, "-d", ours_idx, "--count", q["ours"]], capture_output=True, text=True)
    try:
        c["ours"] = int(r.stdout.strip())
    except ValueError:
        c["ours"] = None
        fail(f"{q['name']}: searcher --count printed {r.stdout.strip()!r} (exit {r.returncode}): "
             f"{r.stderr.strip()}")
    r = subprocess.run(["quest", "-d", xdb, "-m", "0", "-c", "1000000000", *QUEST_OPTS, q["quest"]],
                       capture_output=True, text=True)
    m = re.search(r"^(Exactly|About|Between) (\d+)", r.stdout, re.M)
    c["quest"] = int(m.group(2)) if m else None
    if m is None:
        fail(f"{q['name']}: quest gave no count (exit {r.returncode}): {r.stderr.strip()[:300]}")
    c["quest_parsed"] = (re.search(r"^Parsed Query: (.*)$", r.stdout, re.M) or [None, ""])[1]
    r = subprocess.run(["sqlite3", fdb, f"SELECT count(*) FROM docs WHERE {fts5_where(q)};"],
                       capture_output=True, text=True)
    try:
        c["fts5"] = int(r.stdout.strip())
    except ValueError:
        c["fts5"] = None
        fail(f"{q['name']}: sqlite3 count failed: {r.stderr.strip()[:300]}")
    return c


def printed_hits(engine, out):
    """How many hits a top-10 run printed, to check that no engine returns nothing."""
    if engine == "ours":
        return len(re.findall(r"^\d+\. ", out, re.M))
    if engine == "quest":
        return len(re.findall(r"^\d+: \[", out, re.M))
    return out.count("\x1e")  # row separator, see engine_cmds


def check_counts(q, c, shown):
    """The hit-count sanity assertions. Returns a short status for the table."""
    notes = []
    ok = True
    ours, quest, fts5 = c.get("ours"), c.get("quest"), c.get("fts5")
    if ours is None or quest is None or fts5 is None:
        return "FAIL: no count"
    if ours == 0 and (quest > 0 or fts5 > 0):
        fail(f"{q['name']}: ours finds 0 matches but quest finds {quest} and FTS5 {fts5}")
        return "FAIL: ours 0"
    allowed = q["tol"] * max(quest, 1) + 2
    if abs(ours - quest) > allowed:
        fail(f"{q['name']}: ours {ours} vs quest {quest} differ by more than "
             f"{q['tol']:.0%} (+2)")
        ok = False
        notes.append(f"vs quest > {q['tol']:.0%}")
    for eng, n in (("ours", ours), ("quest", quest), ("fts5", fts5)):
        want = min(10, n)
        got = shown.get(eng)
        if got is not None and got != want:
            fail(f"{q['name']}: {eng} printed {got} hits in its top 10, expected {want}")
            ok = False
            notes.append(f"{eng} printed {got}/{want}")
    return "ok" if ok else "FAIL: " + ", ".join(notes)


def query_phase(args, searcher, ours_idx, xdb, fdb, queries, workdir):
    engines = ("ours", "quest", "fts5")
    rows = []
    log(f"counting matches of {len(queries)} queries in the three engines")
    for q in queries:
        c = counts(q, searcher, ours_idx, xdb, fdb)
        cmds = engine_cmds(q, searcher, ours_idx, xdb, fdb)
        shown = {}
        for eng in engines:  # one untimed run that also warms the caches, output checked
            r = subprocess.run(cmds[eng], capture_output=True, text=True, errors="replace")
            if r.returncode not in (0, 1):
                fail(f"{q['name']}: {eng} exited {r.returncode}: {r.stderr.strip()[:300]}")
            shown[eng] = printed_hits(eng, r.stdout)
        status = check_counts(q, c, shown)
        rows.append({"q": q, "counts": c, "status": status, "times": {e: [] for e in engines},
                     "cpu": {e: [] for e in engines}})
        log(f"  {q['name']:<24} ours {c['ours']!s:>6}  quest {c['quest']!s:>6}  "
            f"fts5 {c['fts5']!s:>6}  {status}")
    log(f"timing: one process per query, {args.reps} runs each, engines interleaved")
    busy0, self0 = cpu_busy(), self_cpu()
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for rep in range(args.reps):
        for row in rows:
            cmds = engine_cmds(row["q"], searcher, ours_idx, xdb, fdb)
            for eng in engines:
                wall, cpu, _ = run_child(cmds[eng])
                row["times"][eng].append(wall)
                row["cpu"][eng].append(cpu)
    ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (ch1.ru_utime - ch0.ru_utime) + (ch1.ru_stime - ch0.ru_stime)
    noise = {"wall": time.perf_counter() - t0, "others": others_cpu(busy0, self0, children)}
    if noise["others"] is not None:
        log(f"timing loop: {noise['wall']:.1f} s; other processes used {noise['others']:.1f} s CPU meanwhile")
    for row in rows:
        row["median"] = {e: statistics.median(row["times"][e]) for e in engines}
        row["median_cpu"] = {e: statistics.median(row["cpu"][e]) for e in engines}

    # Batch throughput: one process, every query repeated.
    batch = {}
    n = len(queries) * args.batch_repeat
    qfile = workdir / "batch-queries.txt"
    with open(qfile, "w", encoding="utf-8") as f:
        for _ in range(args.batch_repeat):
            for q in queries:
                f.write(q["ours"] + "\n")
    out = workdir / "batch-out.jsonl"
    walls = []
    for i in range(3):
        # --no-cache: every line is searched afresh (the query set repeats, and a result
        # kept for a repeated request would measure the cache, not the search).
        r = timed([searcher, "-d", ours_idx, "--batch", "--no-cache"], stdin_path=qfile,
                  stdout_path=out)
        walls.append(r["wall"])
        if i == 0:
            check_batch(out, queries, rows, r)
    batch["ours"] = {"n": n, "wall": statistics.median(walls), "rss": r["rss"]}
    sql = workdir / "batch-fts5.sql"
    with open(sql, "w", encoding="utf-8") as f:
        for _ in range(args.batch_repeat):
            for q in queries:
                f.write(fts5_top10_sql(q) + "\n")
    walls = []
    for i in range(3):
        r = timed(["sqlite3", fdb], stdin_path=sql, stdout_path=workdir / "batch-fts5.out")
        walls.append(r["wall"])
        if r["rc"] != 0 or r["stderr"].strip():
            fail(f"FTS5 batch: sqlite3 exited {r['rc']}: {r['stderr'].strip()[:300]}")
            break
    batch["fts5"] = {"n": n, "wall": statistics.median(walls), "rss": r["rss"]}
    for k, b in batch.items():
        if k == "noise":
            continue
        b["qps"] = b["n"] / b["wall"] if b["wall"] else 0
        log(f"batch {k}: {b['n']} queries in {b['wall']:.2f} s = {b['qps']:.0f} queries/s")
    batch["noise"] = noise
    return rows, batch


def check_batch(out, queries, rows, r):
    if r["rc"] not in (0, 1):
        fail(f"searcher --batch exited {r['rc']}: {r['stderr'][-500:]}")
    summaries = []
    errors = 0
    with open(out, encoding="utf-8") as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                fail(f"searcher --batch printed a line that is not JSON: {line[:200]!r}")
                return
            if o.get("type") == "summary":
                summaries.append(o)
            elif o.get("type") == "error":
                errors += 1
    if len(summaries) == 0 or len(summaries) % len(queries) != 0 or errors:
        fail(f"searcher --batch: {len(summaries)} summaries and {errors} errors; expected one "
             f"summary per input query (a multiple of {len(queries)})")
        return
    for i, row in enumerate(rows):  # first round of the repeated input
        s = summaries[i]
        exact = row["counts"]["ours"]
        if exact and (s.get("estimated_total", 0) <= 0 or s.get("returned", 0) != min(10, exact)):
            fail(f"{row['q']['name']}: --batch estimated_total {s.get('estimated_total')} returned "
                 f"{s.get('returned')} but --count is {exact}")


# ---------------------------------------------------------------------------- scaling

FACETS = "source,year,country"


def facet_phase(args, searcher, ours_idx, queries, workdir):
    """Issue 15: the bench queries in `--batch` with `--facets source,year,country` and
    without, alternating in one run (`runs` each), median q/s of each and their ratio.
    Checks that every answer carries exact facets and the same totals as without."""
    qfile = workdir / "facet-queries.txt"
    with open(qfile, "w", encoding="utf-8") as f:
        for _ in range(args.batch_repeat):
            for q in queries:
                f.write(q["ours"] + "\n")
    n = args.batch_repeat * len(queries)
    runs = 2 if args.smoke else 5
    walls = {"plain": [], "facets": []}
    outs = {k: workdir / f"facet-{k}.jsonl" for k in walls}
    for i in range(runs):
        for k in ("plain", "facets"):
            extra = ["--facets", FACETS] if k == "facets" else []
            r = timed([searcher, "-d", ours_idx, "--batch", "--no-cache", *extra], stdin_path=qfile,
                      stdout_path=outs[k])
            if r["rc"] not in (0, 1):
                fail(f"facets: searcher --batch {' '.join(extra)} exited {r['rc']}: {r['stderr'][-300:]}")
            walls[k].append(r["wall"])
    plain, faceted = batch_summaries(outs["plain"]) or [], batch_summaries(outs["facets"]) or []
    if len(plain) != n or len(faceted) != n:
        fail(f"facets: {len(plain)} and {len(faceted)} summaries for {n} queries")
    for a, b in zip(plain, faceted):
        if a is None or b is None or a.get("estimated_total") != b.get("estimated_total"):
            fail(f"facets: totals differ with --facets: {a and a.get('query')!r}")
            break
        fb = b.get("facets") or {}
        if list(fb) != FACETS.split(",") or any(v.get("estimated") for v in fb.values()):
            fail(f"facets: {b.get('query')!r}: facets missing or estimated: {json.dumps(fb)[:200]}")
            break
    res = {k: {"wall": statistics.median(w), "qps": n / statistics.median(w) if statistics.median(w) else 0}
           for k, w in walls.items()}
    res["n"], res["runs"] = n, runs
    res["ratio"] = res["facets"]["wall"] / res["plain"]["wall"] if res["plain"]["wall"] else None
    log(f"facets: {res['plain']['qps']:.0f} q/s without, {res['facets']['qps']:.0f} q/s with --facets "
        f"{FACETS}: {res['ratio'] or 0:.2f}x the time")
    return res


def scaling_phase(args, indexer, files, workdir, first, fts5_first, ours_idx, on_index=None):
    """`on_index(k, idx, inputs)` runs while the k-copy index still exists (section 4)."""
    res = []
    base_bytes = sum(p.stat().st_size for p in files)
    n_base = count_lines(files)
    copies = {1: list(files)}
    for k in sorted(args.scales):
        if k == 1:
            ours = first
            fts5 = fts5_first
            if on_index:
                on_index(1, ours_idx, list(files))
        else:
            for j in range(2, k + 1):
                if j not in copies:
                    copies[j] = replicate(files, j, workdir)
            inputs = [p for j in range(1, k + 1) for p in copies[j]]
            idx = workdir / f"ours-{k}x.idx"
            ours = index_ours(indexer, inputs, idx, f"index ours {k}x")
            ours["size"] = disk_usage(idx)
            if ours.get("docs") != n_base * k:
                fail(f"ours {k}x: index holds {ours.get('docs')} documents, expected {n_base * k}")
            if on_index:
                on_index(k, idx, inputs)
            shutil.rmtree(idx, ignore_errors=True)
            fts5 = None
            if args.fts5_scale:
                db = workdir / f"fts5-{k}x.db"
                fts5 = index_fts5(inputs, db, workdir, f"index FTS5 {k}x")
                fts5["size"] = disk_usage(db)
                db.unlink()
        mb = base_bytes * k / MB
        res.append({"k": k, "articles": n_base * k, "mb": mb, "ours": ours, "fts5": fts5})
    return res


# -------------------------------------------------------------------------- scale-out

SHARDS = 4
SERVE_SHARDS = REPO / "scripts" / "serve-shards"


def batch_summaries(out):
    """The summary objects of a --batch JSON Lines output, in order (None: unreadable)."""
    res = []
    with open(out, encoding="utf-8") as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                return None
            if o.get("type") == "error":
                return None
            if o.get("type") == "summary":
                res.append(o)
    return res


def batch_run(searcher, specs, qfile, out, label, runs=3):
    """`searcher -d SPEC... --batch` over qfile, `runs` times; median queries/s and the first
    run's summaries (None when the run failed: reported as a sanity failure)."""
    walls, summaries = [], None
    cmd = [searcher, *[a for sp in specs for a in ("-d", sp)], "--batch", "--no-cache"]
    for i in range(runs):
        r = timed(cmd, stdin_path=qfile, stdout_path=out)
        if r["rc"] not in (0, 1):
            fail(f"{label}: searcher --batch exited {r['rc']}: {r['stderr'][-500:]}")
            return None, None
        walls.append(r["wall"])
        if i == 0:
            summaries = batch_summaries(out)
    n = sum(1 for line in open(qfile, encoding="utf-8") if line.strip())
    wall = statistics.median(walls)
    log(f"{label}: {n} queries in {wall:.2f} s = {n / wall:.0f} queries/s")
    return (n / wall if wall else 0), summaries


def same_totals(label, base, other):
    """Shards merged by Xapian must give one index's totals (exact ones) and no failed shard."""
    if base is None or other is None:
        return
    if len(base) != len(other):
        fail(f"{label}: {len(other)} summaries, one index gave {len(base)}")
        return
    for a, b in zip(base, other):
        failed = (b.get("shards") or {}).get("failed") or []
        if failed:
            fail(f"{label}: failed shards {failed}")
            return
        if a.get("total_is_exact") and b.get("total_is_exact") and \
                a.get("estimated_total") != b.get("estimated_total"):
            fail(f"{label}: {a.get('query')!r}: total {b.get('estimated_total')}, one index "
                 f"{a.get('estimated_total')}")
            return


def serve(stub, shard_dir):
    """scripts/serve-shards on loopback ports; returns the pid file (None: failed)."""
    pid_file = Path(str(stub) + ".pid")
    r = subprocess.run(["bash", SERVE_SHARDS, "--stub", stub, "--pid-file", pid_file, shard_dir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"serve-shards exited {r.returncode}: {r.stderr.strip()[-500:]}")
        return None
    return pid_file


def scale_out_case(args, indexer, searcher, workdir, k, one_idx, inputs):
    """Section 4 for one corpus size: the same input as one index and as SHARDS shards;
    indexing time and --batch throughput on one index, local shards, remote shards."""
    mb_in = sum(p.stat().st_size for p in inputs) / MB
    sdir = workdir / f"ours-{k}x-shards"
    shutil.rmtree(sdir, ignore_errors=True)
    warm(inputs)
    r = timed([indexer, "--shards", SHARDS, "-d", sdir, "--progress", "never", *inputs],
              label=f"index ours {k}x as {SHARDS} shards")
    row = {"k": k, "mb": mb_in, "shard_index": r}
    if r["rc"] != 0:
        fail(f"indexer --shards {SHARDS} ({k}x) exited {r['rc']}: {r['stderr'][-500:]}")
        return row
    want = xapian_docs(one_idx)
    if xapian_docs(sdir) != want:
        fail(f"{SHARDS} shards ({k}x) hold {xapian_docs(sdir)} documents, one index {want}")
    qfile = workdir / "batch-queries.txt"
    out = workdir / "scale-out-batch.jsonl"
    runs = 1 if args.smoke else 3
    row["qps_one"], base = batch_run(searcher, [one_idx], qfile, out, f"--batch one index {k}x", runs)
    row["qps_local"], s = batch_run(searcher, [sdir], qfile, out, f"--batch {SHARDS} local shards {k}x",
                                    runs)
    same_totals(f"{SHARDS} local shards {k}x", base, s)
    shard_dirs = [sdir / f"shard{i}" for i in range(SHARDS)]
    row["qps_repeated"], s = batch_run(searcher, shard_dirs, qfile, out,
                                       f"--batch -d x{SHARDS} shard dirs {k}x", runs)
    same_totals(f"-d x{SHARDS} shard dirs {k}x", base, s)
    stub = workdir / f"remote-{k}x.stub"
    pid_file = serve(stub, sdir)
    if pid_file:
        try:
            row["qps_remote"], s = batch_run(searcher, [stub], qfile, out,
                                             f"--batch {SHARDS} remote shards {k}x", runs)
            same_totals(f"{SHARDS} remote shards {k}x", base, s)
        finally:
            subprocess.run(["bash", SERVE_SHARDS, "--stop", pid_file], capture_output=True)
    shutil.rmtree(sdir, ignore_errors=True)
    return row


# ---------------------------------------------------------------------------- report

def fmt_ratio(a, b):
    if a is None or b is None or not b:
        return "n/a"
    return f"{a / b:.2f}x"


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else 0


def fmt_others(r):
    return "n/a" if not r or r.get("others") is None else f"{r['others']:.1f}"


def mb(x):
    return "n/a" if x is None else f"{x / MB:.1f}"


def report_scale_out(w, ctx):
    so = ctx.get("scale_out") or []
    if not so:
        return
    w(f"## 4. Scale-out: one index vs {SHARDS} shards (`indexer --shards {SHARDS}`)\n")
    w("The same input (copies of the corpus as in section 3, ids made unique per copy). `--batch`: "
      f"the query set of section 2, {'one run (smoke)' if ctx['smoke'] else 'median of 3 runs'}; "
      "local shards opened as the sharded "
      f"directory (its stub) and as {SHARDS} repeated `-d`; remote shards served by "
      f"`scripts/serve-shards` (one `xapian-tcpsrv` per shard, loopback). Totals must equal one "
      "index's (a sanity check).\n")
    w("| copies | input MB | one index s/MB | shards s/MB | shards / one | --batch q/s one index "
      f"| {SHARDS} local shards | -d x{SHARDS} | {SHARDS} remote shards | remote / one |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    one_by_k = {s["k"]: s["ours"] for s in ctx["scaling"]} if ctx["scaling"] else \
        {1: ctx["indexing"]["ours"]}

    def q(x):
        return "n/a" if not x else f"{x:,.0f}"
    for row in so:
        one = one_by_k.get(row["k"])
        si = row["shard_index"]
        one_spm = one["wall"] / row["mb"] if one else None
        sh_spm = si["wall"] / row["mb"] if si.get("rc") == 0 else None
        w(f"| {row['k']}x | {row['mb']:.1f} | {'n/a' if one_spm is None else f'{one_spm:.4f}'} "
          f"| {'n/a' if sh_spm is None else f'{sh_spm:.4f}'} | {fmt_ratio(sh_spm, one_spm)} "
          f"| {q(row.get('qps_one'))} | {q(row.get('qps_local'))} | {q(row.get('qps_repeated'))} "
          f"| {q(row.get('qps_remote'))} | {fmt_ratio(row.get('qps_remote'), row.get('qps_one'))} |")
    w("\n(Throughput ratios above 1.00x mean the shards answer more queries per second. On one "
      "machine the shards share its cores: remote shards measure the protocol's cost, not a "
      "cluster's gain.)\n")


# --------------------------------------------------------------------------- ranking (section 6)

TIME_DIR = CORPORA / "time"
RANKING_DEPTH = 100

# Our rows of the ranking table: (label, searcher flags added to `--eval`). Every query is
# read as plain words (--eval does that); a ranking switch is one more row here. Runs in
# RANKING_SMALL_ONLY are skipped on collections of more than RANKING_SMALL articles.
RANKING_RUNS = [
    ("ours, `--any` (default: stems=tiebreak, BM25 min_norm=0)", ["--any"]),
    ("ours, `--any --stems=or --bm25 min_norm=0.5` (before)", ["--any", "--stems=or", "--bm25", "min_norm=0.5"]),
    ("ours, `--any --bm25 min_norm=0.5`", ["--any", "--bm25", "min_norm=0.5"]),
    ("ours, `--any --stems=or`", ["--any", "--stems=or"]),
    ("ours, `--any --stems=synonym`", ["--any", "--stems=synonym"]),
    ("ours, `--any --stems=exact`", ["--any", "--stems=exact"]),
    ("ours, `--any --feedback`", ["--any", "--feedback"]),
    ("ours, `--any --proximity`", ["--any", "--proximity"]),
]
# --proximity's windows over pairs of common words cost 0.3 to 2 s a query on the 47,292
# general-news articles (1,000 queries: over 10 minutes), against 0.1 s without.
RANKING_SMALL_ONLY = {"ours, `--any --proximity`"}
RANKING_SMALL = 5000


def plain_words(text):
    """The query's words with punctuation removed (letters and digits of any script), the
    form every anchor engine is given."""
    return re.findall(r"[^\W_]+", text)


def read_eval_queries(path):
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\r\n")
        if line.strip():
            qid, text = line.split("\t", 1)
            out.append((qid, text))
    return out


def write_trec_run(path, results, tag):
    """results: [(qid, [doc ids best first])] into TREC's `qid Q0 docid rank score tag`
    (the score is only a placeholder decreasing with the rank: --eval-run orders by rank)."""
    with open(path, "w", encoding="utf-8") as f:
        for qid, ids in results:
            for i, d in enumerate(ids[:RANKING_DEPTH]):
                f.write(f"{qid} Q0 {d} {i + 1} {RANKING_DEPTH - i} {tag}\n")


def eval_summary(cmd, label):
    """Runs a `searcher --eval`/`--eval-run ... --json` command; returns its summary object."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [json.loads(s) for s in r.stdout.splitlines() if s.strip()]
    if r.returncode != 0 or not lines or lines[-1].get("type") != "eval_summary":
        fail(f"ranking: {label}: exit {r.returncode}: {r.stderr.strip()[-1000:]}")
        return None
    return lines[-1]


def fts5_rank_run(docs, queries, workdir):
    import sqlite3
    db = sqlite3.connect(str(workdir / "fts5.db"))
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize='porter unicode61')")
    with open(docs, encoding="utf-8") as f:
        db.executemany("INSERT INTO docs(id, body) VALUES(?, ?)",
                       ((a["id"], a.get("body", "")) for a in map(json.loads, filter(str.strip, f))))
    db.commit()
    out = []
    for qid, text in queries:
        # Each word quoted: FTS5 would read AND/OR/NOT as operators.
        match = " OR ".join('"' + w + '"' for w in plain_words(text))
        rows = db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?",
                          (match, RANKING_DEPTH)).fetchall() if match else []
        out.append((qid, [r[0] for r in rows]))
    db.close()
    return out


def quest_rank_run(docs, queries, workdir):
    dump, xdb = workdir / "quest.dump", workdir / "quest-scriptindex.db"
    for cmd in ([sys.executable, CONVERTER, dump, docs],
                ["scriptindex", "--overwrite", "--stemmer", "english", xdb, SCRIPT, dump]):
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"ranking: {cmd[0]} exited {r.returncode}: {r.stderr[-1000:]}")
            return None
    out = []
    for qid, text in queries:
        # Lower case: QueryParser reads upper-case AND/OR/NOT as operators.
        words = " ".join(w.lower() for w in plain_words(text))
        r = subprocess.run(["quest", "-d", xdb, "-m", str(RANKING_DEPTH), "-s", "english", "-o", "or",
                            words], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            fail(f"ranking: quest exited {r.returncode} on query {qid}: {r.stderr[-500:]}")
        # Each hit: `N: [weight]`, then the document data (scriptindex's `field=` lines, in
        # name order), whose `id=` line is the article id.
        hits = re.split(r"^\d+: \[[^\]]*\]$", r.stdout, flags=re.M)[1:]
        ids = [re.search(r"^id=(.*)$", h, re.M) for h in hits]
        if not all(ids):
            fail(f"ranking: quest printed a hit without an id= line on query {qid}")
        out.append((qid, [m.group(1) for m in ids if m]))
    return out


def known_item_collection(workdir, smoke):
    """A second collection, made from general-news (47,292 articles without judgments): the
    articles without their titles, and as queries the titles of 1,000 of them (seeded
    sample; titles of 3+ words that no other article shares, so not the newsgroups'
    "Re: ..." threads; bodies of 3+ words), each judged to find its own article (and any
    article with the same body). Titles are written by people apart from the body, in
    their own word forms, so this is known-item search, not the body's own words.
    Smoke: every 20th article and 100 queries. Returns (docs, queries, qrels) or None."""
    import random
    files = sorted((CORPORA / "general-news").glob("*.jsonl"))
    if not files:
        return None
    docs = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            docs.extend(json.loads(line) for line in fh if line.strip())
    if smoke:
        docs = docs[::20]
    by_body = {}
    for d in docs:
        by_body.setdefault(d.get("body", "").strip(), []).append(d["id"])
    out_docs, out_q, out_qrels = (workdir / n for n in ("ki-docs.jsonl", "ki-queries.tsv", "ki-qrels.tsv"))
    with open(out_docs, "w", encoding="utf-8") as o:
        for d in docs:
            o.write(json.dumps({k: v for k, v in d.items() if k != "title"}, ensure_ascii=False) + "\n")
    title_count = {}
    for d in docs:
        t = " ".join(d.get("title", "").split())
        title_count[t] = title_count.get(t, 0) + 1
    pool = [d for d in docs if len(d.get("body", "").split()) >= 3
            and len(" ".join(d.get("title", "").split()).split(" ")) >= 3
            and title_count[" ".join(d["title"].split())] == 1]
    sample = random.Random(7).sample(pool, min(100 if smoke else 1000, len(pool)))
    with open(out_q, "w", encoding="utf-8") as q, open(out_qrels, "w", encoding="utf-8") as r:
        for i, d in enumerate(sample):
            q.write(f"k{i}\t{' '.join(d['title'].split())}\n")
            for doc_id in sorted(set(by_body[d["body"].strip()])):
                r.write(f"k{i}\t{doc_id}\t1\n")
    return out_docs, out_q, out_qrels


def ranking_collections(workdir, smoke):
    """[(name, description, (docs, queries, qrels) or None)] for section 6."""
    time_files = (TIME_DIR / "docs.jsonl", TIME_DIR / "queries.tsv", TIME_DIR / "qrels.tsv")
    return [
        ("TIME", "423 articles, 78 judged queries (graded by people)",
         time_files if all(p.is_file() for p in time_files) else None),
        ("general-news titles (known item)",
         "general-news articles without titles; 1,000 titles as queries, each judged to find "
         "its own article" + (" (smoke: 1/20 of the articles, 100 titles)" if smoke else ""),
         known_item_collection(workdir, smoke)),
    ]


def ranking_phase(indexer, searcher, workdir, smoke=False):
    """Section 6: nDCG@10, MAP@100, P@10, R@100 on each collection of ranking_collections,
    every system scored by `searcher --eval-run` (ours by `--eval`): one scoring code for all.
    Returns [(name, description, rows or None)]."""
    out = []
    for n, (name, desc, files) in enumerate(ranking_collections(workdir, smoke)):
        if files is None:
            log(f"ranking: {name}: skipped: its files under {CORPORA} are absent")
            out.append((name, desc, None))
            continue
        log(f"ranking: {name}")
        out.append((name, desc, rank_collection(indexer, searcher, workdir / f"rank-{n}", files)))
    return out


def rank_collection(indexer, searcher, workdir, files):
    docs, qfile, qrels = files
    workdir.mkdir(parents=True, exist_ok=True)
    idx = workdir / "index"
    r = subprocess.run([indexer, "-d", idx, "--progress", "never", "-q", "--recreate", docs],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        fail(f"ranking: indexer exited {r.returncode}: {r.stderr[-1000:]}")
        return None
    rows = []
    small = count_lines([docs]) <= RANKING_SMALL
    for label, flags in RANKING_RUNS:
        if label in RANKING_SMALL_ONLY and not small:
            log(f"  {label}: not run (too slow on more than {RANKING_SMALL} articles)")
            rows.append((label, " ".join(flags), "skipped"))
            continue
        s = eval_summary([searcher, "-d", idx, "--json", "--eval", qfile, "--qrels", qrels, *flags], label)
        rows.append((label, " ".join(flags), s))
    queries = read_eval_queries(qfile)
    for label, tag, make in (("SQLite FTS5 bm25, porter unicode61", "fts5", fts5_rank_run),
                             ("quest (omega scriptindex index, english stems)", "quest", quest_rank_run)):
        results = make(docs, queries, workdir)
        if results is None:
            rows.append((label, "", None))
            continue
        run = workdir / f"{tag}.run"
        write_trec_run(run, results, tag)
        rows.append((label, "", eval_summary([searcher, "--json", "--eval-run", run, "--qrels", qrels], label)))
    for label, _, s in rows:
        if s == "skipped":
            continue
        # An engine that found nothing at all is a broken run, not a ranking to compare.
        if s and s["r@100"] == 0:
            fail(f"ranking: {label} retrieved no relevant article for any query")
        if s:
            log(f"  {label:<50} nDCG@10 {s['ndcg@10']:.3f}  MAP@100 {s['map@100']:.3f}  "
                f"P@10 {s['p@10']:.3f}  R@100 {s['r@100']:.3f}  ({s['queries']} queries)")
    return rows


def report_ranking(w, collections):
    w("\n## 6. Ranking quality (one run each)\n")
    w("Every query as plain words (punctuation removed), OR of the words, top 100; every run scored "
      "by `searcher --eval-run` (ours by `--eval`), so one code computes all the measures.\n")
    for name, desc, rows in collections:
        w(f"\n### {name}: {desc}\n")
        if rows is None:
            w("Skipped: its files under `../shared/corpora` are absent (or its index failed).")
            continue
        w("| system | flags | nDCG@10 | MAP@100 | P@10 | R@100 | queries |")
        w("|---|---|---:|---:|---:|---:|---:|")
        for label, flags, s in rows:
            if s == "skipped":
                w(f"| {label} | {flags} | not run: too slow here | | | | |")
            elif s is None:
                w(f"| {label} | {flags} | failed | | | | |")
            else:
                w(f"| {label} | {('`' + flags + '`') if flags else ''} | {s['ndcg@10']:.3f} | "
                  f"{s['map@100']:.3f} | {s['p@10']:.3f} | {s['r@100']:.3f} | {s['queries']} |")


def report(ctx):
    L = []
    w = L.append
    m = ctx["machine"]
    v = ctx["versions"]
    title = "Benchmark results" + (" (smoke run: tiny corpus, times are not meaningful)" if ctx["smoke"] else "")
    w(f"# {title}\n")
    w(f"- Date: {ctx['date']}")
    w(f"- Command: `{ctx['command']}`")
    w(f"- Machine: {m['nproc']} CPUs (nproc), {m['cpu']}, {m['ram']} RAM, {m['os']}; "
      f"load average at start {ctx['load_start']}, at end {ctx['load_end']}")
    w(f"- Commit: {ctx['git']}; our binaries: Release build in `{ctx['build_dir']}`")
    w(f"- Anchors: {v['scriptindex']}, {v['quest']}, SQLite {v['sqlite3']} FTS5 (`sqlite3` CLI)"
      + (f"; load: {v['apache2']} + omega CGI, load generator {v['wrk']}" if ctx.get("load") else ""))
    w(f"- Corpus: {ctx['corpus_desc']}: {ctx['articles']:,} articles, {ctx['bytes'] / MB:.1f} MB "
      "of JSON Lines (MB = 10^6 bytes everywhere)")
    w("")

    ix = ctx["indexing"]
    o = ix["ours"]
    w("## 1. Indexing (same corpus, one run each, input files pre-read into the page cache)\n")
    w("| engine | wall s | CPU s | peak RSS MB | index MB | compacted MB | articles/s | MB/s "
      "| ours/this wall | ours/this CPU | ours/this RSS | ours/this size | others' CPU s |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    names = {"ours": "ours (`indexer`)", "scriptindex": "Xapian omega `scriptindex`",
             "fts5": "SQLite FTS5"}
    for k in ("ours", "scriptindex", "fts5"):
        r = ix[k]
        ratios = ["—"] * 4 if k == "ours" else [
            fmt_ratio(o["wall"], r["wall"]), fmt_ratio(o["cpu"], r["cpu"]),
            fmt_ratio(o["rss"], r["rss"]), fmt_ratio(o["size"], r["size"])]
        w(f"| {names[k]} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['rss'] / MB:.0f} | {mb(r['size'])} "
          f"| {mb(r.get('compacted'))} | {r['articles_s']:,.0f} | {r['mb_s']:.2f} | " + " | ".join(ratios)
          + f" | {fmt_others(r)} |")
    c = ix["convert"]
    si = ix["scriptindex"]
    w("")
    w(f"- scriptindex input: JSONL → dump conversion by `bench/jsonl2scriptindex.py` took "
      f"{c['wall']:.2f} s wall ({c['cpu']:.2f} s CPU), **not** included above "
      f"(scriptindex + conversion = {si['wall'] + c['wall']:.2f} s).")
    w(f"- compacted: `xapian-compact` for the two Xapian indexes ({si['compact_wall']:.2f} s for "
      f"scriptindex's, {o['compact_wall']:.2f} s for ours), `INSERT INTO docs(docs) "
      f"VALUES('optimize'); VACUUM` for FTS5 ({ix['fts5']['compact_wall']:.2f} s); none counted above.")
    w(f"- ours/compacted scriptindex size: {fmt_ratio(o['size'], si.get('compacted'))}; "
      f"ours compacted/scriptindex compacted: {fmt_ratio(o.get('compacted'), si.get('compacted'))}.")
    w("- commands: `indexer -d IDX --progress never --recreate FILES...` (its default threads and "
      "batch size); `scriptindex --overwrite --stemmer english DB bench/scriptindex.script DUMP`; "
      "`sqlite3 DB < load.sql` (`.import` of each file into a TEMP table, then `INSERT INTO docs "
      "SELECT json_extract(...)`).")
    w(f"- our indexer's summary: `{o.get('summary', '')}`")
    w("- others' CPU s: CPU seconds that *other* processes of the machine used during the run "
      "(from /proc/stat). Well above 0, the machine was shared and the times are inflated.")
    w("")

    rows = ctx["queries"]
    w(f"## 2. Queries: one process per query, top 10 with snippets/data, median of {ctx['reps']} runs (ms)\n")
    w("Wall time of the whole process (start, open, search, print to /dev/null). Hit counts are "
      "exact: `searcher --count`, `quest -m 0 -c 1000000000`, `SELECT count(*)`.\n")
    w("| query | kind | ours ms | quest ms | FTS5 ms | ours/quest | ours/FTS5 | ours hits | quest hits "
      "| FTS5 hits | count check |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        md, cn = r["median"], r["counts"]
        w(f"| `{r['q']['ours']}` | {r['q']['kind']} | {md['ours'] * 1e3:.1f} | {md['quest'] * 1e3:.1f} "
          f"| {md['fts5'] * 1e3:.1f} | {fmt_ratio(md['ours'], md['quest'])} | {fmt_ratio(md['ours'], md['fts5'])} "
          f"| {cn['ours']} | {cn['quest']} | {cn['fts5']} | {r['status']} |")
    gq = geomean([r["median"]["ours"] / r["median"]["quest"] for r in rows])
    gf = geomean([r["median"]["ours"] / r["median"]["fts5"] for r in rows])
    tot = {e: sum(r["median"][e] for r in rows) for e in ("ours", "quest", "fts5")}
    w(f"| **total of medians** | | {tot['ours'] * 1e3:.1f} | {tot['quest'] * 1e3:.1f} | {tot['fts5'] * 1e3:.1f} "
      f"| {fmt_ratio(tot['ours'], tot['quest'])} | {fmt_ratio(tot['ours'], tot['fts5'])} | | | | |")
    w(f"| **geometric mean of ratios** | | | | | {gq:.2f}x | {gf:.2f}x | | | | |")
    cpu = {e: sum(r["median_cpu"][e] for r in rows) for e in ("ours", "quest", "fts5")}
    w("")
    w(f"CPU time (user+sys) summed over the per-query medians: ours {cpu['ours'] * 1e3:.0f} ms, "
      f"quest {cpu['quest'] * 1e3:.0f} ms, FTS5 {cpu['fts5'] * 1e3:.0f} ms.")
    nz = ctx["batch"].get("noise", {})
    if nz.get("others") is not None:
        w(f"Other processes used {nz['others']:.1f} s CPU during the {nz['wall']:.0f} s timing loop.")
    w("")
    b = ctx["batch"]
    w("### Throughput in one process\n")
    w("| mode | queries | wall s | queries/s | peak RSS MB |")
    w("|---|---:|---:|---:|---:|")
    w(f"| ours `searcher --batch` (top 10 + snippets, JSON Lines) | {b['ours']['n']} | {b['ours']['wall']:.2f} "
      f"| {b['ours']['qps']:,.0f} | {b['ours']['rss'] / MB:.0f} |")
    w(f"| `sqlite3` FTS5, same queries as one SQL script (top 10 + snippet) | {b['fts5']['n']} | "
      f"{b['fts5']['wall']:.2f} | {b['fts5']['qps']:,.0f} | {b['fts5']['rss'] / MB:.0f} |")
    w(f"\n(quest has no batch mode. Every query of bench/queries.tsv repeated {ctx['batch_repeat']} times; "
      "median of 3 runs.)\n")

    sc = ctx["scaling"]
    if sc:
        w("## 3. Scaling: our indexer over replicas of the corpus (copies with ids `r2-`, `r3-`, ...)\n")
        w("| replicas | articles | input MB | ours wall s | ours s/MB | ours CPU s | ours CPU s/MB | ours peak RSS MB "
          "| ours index MB | FTS5 wall s | FTS5 s/MB | FTS5 peak RSS MB | others' CPU s (ours / FTS5 run) |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for s in sc:
            ou, f5 = s["ours"], s["fts5"]
            fcols = (f"{f5['wall']:.2f} | {f5['wall'] / s['mb']:.4f} | {f5['rss'] / MB:.0f}"
                     if f5 else "— | — | —")
            w(f"| {s['k']}x | {s['articles']:,} | {s['mb']:.1f} | {ou['wall']:.2f} | {ou['wall'] / s['mb']:.4f} "
              f"| {ou['cpu']:.2f} | {ou['cpu'] / s['mb']:.4f} | {ou['rss'] / MB:.0f} | {mb(ou['size'])} | {fcols} "
              f"| {fmt_others(ou)} / {fmt_others(f5)} |")
        first, last = sc[0], sc[-1]
        if len(sc) > 1:
            r_o = (last["ours"]["wall"] / last["mb"]) / (first["ours"]["wall"] / first["mb"])
            r_f = ((last["fts5"]["wall"] / last["mb"]) / (first["fts5"]["wall"] / first["mb"])
                   if last["fts5"] and first["fts5"] else None)
            r_c = (last["ours"]["cpu"] / last["mb"]) / (first["ours"]["cpu"] / first["mb"])
            w(f"| **s/MB {last['k']}x / {first['k']}x** | | | | {r_o:.2f} | | {r_c:.2f} | | | | "
              f"{'n/a' if r_f is None else f'{r_f:.2f}'} | | |")
            ctx["scale_ratio"] = r_o
            ctx["scale_ratio_cpu"] = r_c
        w("\n(1x is the run of section 1.)\n")

    report_scale_out(w, ctx)
    if ctx.get("load"):
        loadbench.report(w, ctx["load"])
    if "ranking" in ctx:
        report_ranking(w, ctx["ranking"])
        w("")
    w("## Targets (reported, not asserted)\n")
    w("The goals are on wall time; the CPU-second lines are for reading them on a busy machine.\n")
    w("| target | goal | now | status |")
    w("|---|---|---|---|")
    si_c = si.get("compacted")
    tgt = [
        ("indexing wall, ours / scriptindex", "≤ 0.25x", o["wall"] / si["wall"], lambda x: x <= 0.25, "{:.2f}x"),
        ("indexing wall, ours / FTS5", "≤ 1.0x", o["wall"] / ix["fts5"]["wall"], lambda x: x <= 1.0, "{:.2f}x"),
        ("our indexer's peak RSS", "≤ 400 MB", o["rss"] / MB, lambda x: x <= 400, "{:.0f} MB"),
        ("our index size / scriptindex compacted", "≤ 1.0x",
         o["size"] / si_c if si_c else None, lambda x: x <= 1.0, "{:.2f}x"),
    ]
    if "scale_ratio" in ctx:
        tgt.append((f"time per MB, {sc[-1]['k']}x / 1x", "≤ 1.20", ctx["scale_ratio"], lambda x: x <= 1.2, "{:.2f}"))
    tgt.append(("(information) indexing CPU s, ours / scriptindex", "", o["cpu"] / si["cpu"], None, "{:.2f}x"))
    tgt.append(("(information) indexing CPU s, ours / FTS5", "", o["cpu"] / ix["fts5"]["cpu"], None, "{:.2f}x"))
    if "scale_ratio_cpu" in ctx:
        tgt.append((f"(information) CPU s per MB, {sc[-1]['k']}x / 1x", "", ctx["scale_ratio_cpu"], None, "{:.2f}"))
    tgt.append(("one searcher process / one quest process (geometric mean)", "≤ 1.0x", gq,
                lambda x: x <= 1.0, "{:.2f}x"))
    n_ok = sum(1 for r in rows if r["median"]["ours"] <= r["median"]["quest"])
    tgt.append(("queries where one searcher process ≤ one quest process", "all", n_ok,
                lambda x: x == len(rows), "{:d} of " + str(len(rows))))
    tgt.append(("`searcher --batch` throughput", "≥ 1000 queries/s", b["ours"]["qps"], lambda x: x >= 1000,
                "{:,.0f} queries/s"))
    if ctx.get("facets") and ctx["facets"]["ratio"] is not None:
        fc = ctx["facets"]
        tgt.append((f"`--batch --facets {FACETS}` time / without ({fc['plain']['qps']:,.0f} vs "
                    f"{fc['facets']['qps']:,.0f} q/s, median of {fc['runs']})", "≤ 1.5x", fc["ratio"],
                    lambda x: x <= 1.5, "{:.2f}x"))
    if ctx.get("load"):
        tgt.extend(loadbench.targets(ctx["load"]))
    for name, goal, val, ok, f in tgt:
        if val is None:
            w(f"| {name} | {goal} | n/a | n/a |")
        elif ok is None:
            w(f"| {name} | {goal} | {f.format(val)} | |")
        else:
            w(f"| {name} | {goal} | {f.format(val)} | {'met' if ok(val) else '**not met**'} |")
    w("")
    fails = ctx["failures"]
    w("## Sanity checks\n")
    if fails:
        w(f"**{len(fails)} FAILED:**\n")
        for f in fails:
            w(f"- {f}")
    else:
        w("All passed: every engine indexed every article; for every query our exact count is > 0 "
          "when an anchor finds matches and within the row's tolerance of quest's; every engine "
          "printed min(10, count) hits; `--batch` answered every query"
          + ("; both HTTP servers gave min(10, count) hits to every query and no load run had an "
             "error." if ctx.get("load") else "."))
    w("")
    return "\n".join(L)


# ------------------------------------------------------------------------------ main

def ranking_only(args):
    """bench/run --ranking-only: section 6 alone, in a temporary directory."""
    ensure_tools(False)
    indexer, searcher, _ = build(Path(args.build_dir).resolve(), args.no_build, False)
    with tempfile.TemporaryDirectory(prefix="oly-rank-") as tmp:
        rows = ranking_phase(indexer, searcher, Path(tmp), args.smoke)
    L = []
    report_ranking(L.append, rows)
    md = "\n".join(L).strip() + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ranking.md").write_text(md, encoding="utf-8")
    print(md)
    return 1 if FAILURES else 0


def main():
    ap = argparse.ArgumentParser(prog="bench/run", description="See bench/run and bench/README.md.")
    ap.add_argument("--smoke", action="store_true", help="a few hundred articles, fewer repetitions")
    ap.add_argument("--reps", type=int, help="timed runs per query and engine (default 9, smoke 3)")
    ap.add_argument("--batch-repeat", type=int, help="--batch input = every query this many times "
                    "(default 100, smoke 10)")
    ap.add_argument("--scales", default="1,2,4", help="replica factors for the scaling run (default 1,2,4)")
    ap.add_argument("--no-fts5-scale", dest="fts5_scale", action="store_false",
                    help="scaling run with our indexer only")
    ap.add_argument("--no-scale-out", dest="scale_out", action="store_false",
                    help=f"skip section 4 (one index vs {4} shards, local and over loopback TCP)")
    ap.add_argument("--no-facets", dest="facets", action="store_false",
                    help="skip the facet cost measurement (--batch with and without --facets)")
    ap.add_argument("--no-scaling", dest="scaling", action="store_false",
                    help="skip section 3 (section 4, unless --no-scale-out, then runs at 1x only)")
    ap.add_argument("--no-load", dest="load", action="store_false",
                    help="skip section 5 (search-server vs omega's CGI behind Apache, with wrk)")
    ap.add_argument("--load-seconds", type=int, help="seconds per load run (default 10, smoke 1)")
    ap.add_argument("--soak", type=int, help="seconds of the soak of our server at concurrency 8 "
                    "(default 300, smoke 0; 0 skips it)")
    ap.add_argument("--no-ranking", dest="ranking", action="store_false",
                    help="skip section 6 (ranking quality on TIME and general-news titles)")
    ap.add_argument("--ranking-only", action="store_true",
                    help="run section 6 alone (about 10 minutes), written to bench/out/ranking.md")
    ap.add_argument("--build-dir", default=str(REPO / "build-bench"), help="default: <repo>/build-bench")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already in --build-dir")
    ap.add_argument("--workdir", help="where indexes and temporary files go (default: a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--out", help="Markdown output (default bench/out/results.md, smoke: bench/out/smoke.md)")
    args = ap.parse_args()
    args.reps = args.reps or (3 if args.smoke else 9)
    args.batch_repeat = args.batch_repeat or (10 if args.smoke else 100)
    if args.load_seconds is None:
        args.load_seconds = 1 if args.smoke else 10
    if args.soak is None:
        args.soak = 0 if args.smoke else 300
    if args.load_seconds < 1 or args.soak < 0:
        die("--load-seconds must be at least 1 and --soak at least 0")
    try:
        args.scales = sorted({int(x) for x in args.scales.split(",") if x.strip()})
    except ValueError:
        die("--scales: expected numbers like 1,2,4")
    if 1 not in args.scales:
        args.scales = [1] + args.scales
    if len(args.scales) == 1 or not args.scaling:
        args.scales = []

    if args.ranking_only:
        return ranking_only(args)
    if not (CORPORA.is_dir() and all(p.is_file() for p in CORPUS_FILES)):
        print(f"bench: skipped: ../shared/corpora absent ({NEWS} not found)", flush=True)
        return 0

    started = time.perf_counter()
    load_start = loadavg()
    ensure_tools(args.load)
    build_dir = Path(args.build_dir).resolve()
    indexer, searcher, server = build(build_dir, args.no_build, args.load)
    git = git_state()  # the tree the binaries were built from
    queries = load_queries()
    if len(queries) < 20 and not args.smoke:
        die(f"{QUERIES} has {len(queries)} queries; the benchmark needs at least 20")

    if args.workdir:
        workdir = Path(args.workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="oly-bench-"))
    log(f"work directory: {workdir}")
    try:
        if args.smoke:
            files = smoke_corpus(workdir)
            desc = f"smoke sample: every {SMOKE_STRIDE}th article of general-news part-000 + part-001"
        else:
            files = list(CORPUS_FILES)
            desc = "`../shared/corpora/general-news/part-000.jsonl` + `part-001.jsonl`"
        n_articles = count_lines(files)
        in_bytes = sum(p.stat().st_size for p in files)
        log(f"corpus: {n_articles} articles, {in_bytes / MB:.1f} MB")

        indexing, ours_idx, xdb, fdb = indexing_phase(args, indexer, files, workdir, n_articles, in_bytes)
        rows, batch = query_phase(args, searcher, ours_idx, xdb, fdb, queries, workdir)
        facets = facet_phase(args, searcher, ours_idx, queries, workdir) if args.facets else None
        load = None
        if args.load:
            loadbench.configure(log, fail)
            load = loadbench.run_section(args, server, ours_idx, xdb, queries, rows, workdir)
        ranking = ranking_phase(indexer, searcher, workdir, args.smoke) if args.ranking else "off"
        scale_out = []
        hook = None
        if args.scale_out:
            def hook(k, idx, inputs):
                if args.smoke and k != 1:  # smoke: every step once, on the smallest input
                    return
                scale_out.append(scale_out_case(args, indexer, searcher, workdir, k, idx, inputs))
        if args.scales:
            scaling = scaling_phase(args, indexer, files, workdir, indexing["ours"], indexing["fts5"],
                                    ours_idx, hook)
        else:
            scaling = []
            if hook:
                hook(1, ours_idx, list(files))

        ctx = {
            "smoke": args.smoke, "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "command": " ".join(["bench/run", *map(shlex.quote, sys.argv[1:])]),
            "machine": machine_info(), "versions": versions(), "git": git,
            "load_start": load_start, "load_end": loadavg(),
            "build_dir": os.path.relpath(build_dir, REPO) if build_dir.is_relative_to(REPO) else str(build_dir),
            "corpus_desc": desc, "articles": n_articles, "bytes": in_bytes,
            "indexing": indexing, "queries": rows, "batch": batch, "reps": args.reps,
            "batch_repeat": args.batch_repeat, "scaling": scaling, "scale_out": scale_out,
            "load": load, "facets": facets, "failures": FAILURES,
        }
        if ranking != "off":
            ctx["ranking"] = ranking
        md = report(ctx)
    finally:
        if args.keep or args.workdir:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    OUT.mkdir(parents=True, exist_ok=True)
    out = Path(args.out) if args.out else OUT / ("smoke.md" if args.smoke else "results.md")
    out.write_text(md + "\n", encoding="utf-8")
    print()
    print(md)
    log(f"written to {out} in {time.perf_counter() - started:.0f} s")
    if FAILURES:
        log(f"{len(FAILURES)} sanity check(s) FAILED (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
