"""Section 5 of bench/run, "load": our `search-server` against omega's CGI behind Apache.

Both serve the same corpus (our index and scriptindex's, built in section 1) on loopback and
answer the same queries (bench/queries.tsv: our column for ours, quest's for omega) with the
top 10 and a snippet each. wrk drives them with bench/load/queries.lua at concurrency 1, 8
and 32; then, optionally, a soak of our server at concurrency 8 with its RSS sampled.
See bench/README.md ("5. Load") for the method and its limits.
"""
import contextlib
import http.client
import json
import os
import re
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
LUA = HERE / "queries.lua"
TEMPLATE = HERE / "oly.tmpl"
HTTPD_CONF = HERE / "httpd.conf.in"
OMEGA_CONF = HERE / "omega.conf.in"
APACHE = "/usr/sbin/apache2"
OMEGA_CGI = "/usr/lib/cgi-bin/omega/omega"
MARKER = '"type":"summary"'  # the last object of every good answer, on both sides
CONCURRENCY = (1, 8, 32)
SOAK_SAMPLE_S = 10
WRK_TIMEOUT = "5s"  # a request slower than this is a wrk "timeout" error
DB_NAME = "news"    # omega's DB= name: a link to scriptindex's index in database_dir

# bench.py's log() and fail(), set by configure(): one list of failures for the whole run.
_log = print
_fail = print


def configure(log, fail):
    global _log, _fail
    _log, _fail = log, fail


class LoadError(Exception):
    """A server could not be started or stopped: the section is reported as failed."""


class Server:
    def __init__(self, name, pid, base):
        self.name, self.pid, self.base = name, pid, base

    def rss(self):
        return vmrss(self.pid) if self.name == "ours" else apache_rss(self.pid)


# ------------------------------------------------------------------------------- memory

def vmrss(pid):
    """VmRSS of one process in bytes (None when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def apache_rss(parent):
    """VmRSS summed over Apache's parent and its apache2 children (omega's CGI processes
    live for one request each and are not counted). Shared pages count once per process,
    as in any sum of RSS."""
    total = vmrss(parent) or 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        comm = stat[stat.find("(") + 1:stat.rfind(")")]
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        if ppid == parent and comm == "apache2":
            total += vmrss(int(d)) or 0
    return total


# ------------------------------------------------------------------------------ servers

def read_first_line(stream, seconds):
    """The first line a child prints, or what it printed before EOF or the time limit."""
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    buf = b""
    deadline = time.monotonic() + seconds
    try:
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                break
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
    finally:
        sel.close()
    return buf.decode("utf-8", "replace")


def tail(path, n=800):
    try:
        return Path(path).read_text(errors="replace")[-n:].strip()
    except OSError:
        return ""


@contextlib.contextmanager
def our_server(binary, idx, workdir):
    """`search-server -d IDX --listen 127.0.0.1:0 --quiet`; the port comes from its one line
    on stdout. Stopped with SIGTERM (it must exit 0) on every path."""
    err = workdir / "search-server.stderr"
    # --cache 0: wrk cycles a small query set; results kept for repeated requests would
    # measure the cache, not the search.
    cmd = [str(binary), "-d", str(idx), "--listen", "127.0.0.1:0", "--quiet", "--cache", "0"]
    with open(err, "wb") as ef:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=ef)
    drain = None
    try:
        first = read_first_line(p.stdout, 60)
        m = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))/\n", first)
        if not m:
            raise LoadError(f"search-server printed {first!r} instead of 'listening on "
                            f"http://127.0.0.1:PORT/' (exit {p.poll()}): {tail(err)}")
        # Anything else it prints is read and dropped, so that a full pipe cannot block it.
        drain = threading.Thread(target=p.stdout.read, daemon=True)
        drain.start()
        yield Server("ours", p.pid, m.group(1))
    finally:
        stop_ours(p, err)
        if drain:
            drain.join(5)
        p.stdout.close()


def stop_ours(p, err):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            _fail("search-server did not exit within 15 s of SIGTERM (killed)")
            return
    if p.returncode != 0:
        _fail(f"search-server exited {p.returncode} (expected 0 after SIGTERM): {tail(err)}")


def free_port():
    """A loopback port that is free now (another process may take it before Apache binds
    it: Apache then fails to start, and the run says so)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill(template, out, values):
    text = template.read_text()
    for k, v in values.items():
        text = text.replace(f"@{k}@", str(v))
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        raise LoadError(f"{template}: placeholders left unfilled: {' '.join(left)}")
    out.write_text(text)


def apache_files(workdir, xdb, workers):
    """The Apache and omega configuration in WORKDIR/apache; returns (httpd.conf, port)."""
    root = workdir / "apache"
    if re.search(r"[\s\"]", str(root)) or re.search(r"[\s\"]", str(Path(xdb).resolve())):
        # Neither omega.conf nor every httpd.conf directive can quote a path.
        raise LoadError(f"the work directory {workdir} holds a space or a quote; "
                        "choose another with --workdir")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("empty", "data", "templates", "log"):
        (root / d).mkdir(parents=True)
    (root / "data" / DB_NAME).symlink_to(Path(xdb).resolve())
    shutil.copyfile(TEMPLATE, root / "templates" / "oly")
    fill(OMEGA_CONF, root / "omega.conf", {"DATABASE_DIR": root / "data",
                                             "TEMPLATE_DIR": root / "templates",
                                             "LOG_DIR": root / "log"})
    port = free_port()
    fill(HTTPD_CONF, root / "httpd.conf", {"SERVER_ROOT": root, "PORT": port, "WORKERS": workers,
                                            "OMEGA_CONF": root / "omega.conf"})
    # Apache's children and omega run as www-data: they must read the index and the
    # templates, and reach them through the work directory (a mkdtemp directory is 0700).
    for path in (workdir, root, *root.rglob("*"), xdb, *Path(xdb).rglob("*")):
        mode = os.lstat(path).st_mode
        if not os.path.islink(path):
            os.chmod(path, mode | 0o444 | (0o111 if os.path.isdir(path) else 0))
    os.chmod(root / "log", 0o777)
    return root / "httpd.conf", port


@contextlib.contextmanager
def omega_apache(workdir, xdb, workers):
    """Apache (prefork, mod_cgi) serving omega's CGI at /omega on a loopback port; stopped
    with `apache2 -k stop` (and killed if that fails) on every path."""
    conf, port = apache_files(workdir, xdb, workers)
    root = conf.parent
    r = subprocess.run([APACHE, "-f", str(conf), "-k", "start"], capture_output=True, text=True)
    if r.returncode != 0:
        raise LoadError(f"apache2 -k start exited {r.returncode}: "
                        f"{(r.stderr + r.stdout).strip()[-800:]} {tail(root / 'error.log')}")
    pid = None
    try:
        pid = wait_pid_file(root / "apache2.pid", 20)
        base = f"http://127.0.0.1:{port}"
        wait_http(base, "/omega?FMT=oly&DB=" + DB_NAME + "&P=x", 20, root / "error.log")
        yield Server("omega", pid, base)
    finally:
        stop_apache(conf, pid or read_pid(root / "apache2.pid"))


def read_pid(path):
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def wait_pid_file(path, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pid = read_pid(path)
        if pid:
            return pid
        time.sleep(0.1)
    raise LoadError(f"Apache wrote no {path} within {seconds} s: {tail(path.parent / 'error.log')}")


def wait_http(base, path, seconds, errlog):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            get(base, path)
            return
        except OSError as e:
            last = e
            time.sleep(0.2)
    raise LoadError(f"{base} does not answer after {seconds} s ({last}): {tail(errlog)}")


def stop_apache(conf, pid):
    subprocess.run([APACHE, "-f", str(conf), "-k", "stop"], capture_output=True)
    if not pid:
        return
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}"):
        time.sleep(0.1)
    if os.path.exists(f"/proc/{pid}"):
        _fail(f"Apache (pid {pid}) still runs 15 s after -k stop: killed")
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------- requests

def get(base, path, timeout=30):
    """One GET; returns (status, body). http.client, not urllib: no proxy variables apply."""
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def request_paths(queries, side):
    """The request of each query, URL-encoded: ours `/search?q=...&limit=10` (snippets are on
    by default), omega `/omega?P=...` with our template, 10 hits per page."""
    if side == "ours":
        return [f"/search?q={urllib.parse.quote(q['ours'], safe='')}&limit=10" for q in queries]
    return [f"/omega?P={urllib.parse.quote(q['quest'], safe='')}&DB={DB_NAME}&HITSPERPAGE=10&FMT=oly"
            for q in queries]


def check_answers(server, paths, rows):
    """One untimed pass over every query (which also warms both servers' caches): status
    200, JSON Lines ending with the summary, and min(10, exact count) hits, the exact count
    being `searcher --count` (ours) or quest's (omega: the same QueryParser settings)."""
    engine = "ours" if server.name == "ours" else "quest"
    bad = 0
    for path, row in zip(paths, rows):
        try:
            status, body = get(server.base, path)
            lines = [json.loads(x) for x in body.splitlines() if x.strip()]
            if not all(isinstance(o, dict) for o in lines):
                raise ValueError("a line of the answer is not a JSON object")
        except (OSError, http.client.HTTPException, ValueError) as e:
            bad += 1
            _fail(f"load {server.name}: {row['q']['name']}: {path}: {type(e).__name__}: {e}")
            continue
        hits = sum(1 for o in lines if o.get("type") == "hit")
        exact = row["counts"].get(engine)
        want = None if exact is None else min(10, exact)
        last = lines[-1] if lines else {}
        if status != 200 or last.get("type") != "summary" or (want is not None and hits != want):
            bad += 1
            _fail(f"load {server.name}: {row['q']['name']}: status {status}, {hits} hits "
                  f"(want {want}), last object {json.dumps(last)[:200]}")
    return bad


# -------------------------------------------------------------------------------- wrk

def wrk_start(server, paths_file, conns, seconds):
    threads = min(2, conns)  # the machine has 2 cores, shared with the server
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--timeout",
           WRK_TIMEOUT, "-s", str(LUA), server.base, "--", str(paths_file), MARKER]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wrk_finish(p, label, cpu0):
    out, err = p.communicate()
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = None
    for line in out.splitlines():
        if line.startswith('{"wrk":'):
            stats = json.loads(line)
    if p.returncode != 0 or stats is None:
        _fail(f"{label}: wrk exited {p.returncode} without its summary: {(err or out).strip()[-500:]}")
        return None
    stats["wrk_cpu"] = ch.ru_utime + ch.ru_stime - cpu0
    secs = stats["duration_us"] / 1e6
    stats["qps"] = stats["requests"] / secs if secs else 0
    stats["errors"] = sum(stats[k] for k in ("connect", "read", "write", "timeout", "non2xx", "bad_body"))
    if stats["requests"] == 0:
        _fail(f"{label}: no request completed")
    if stats["errors"]:
        _fail(f"{label}: {stats['errors']} errors (non-2xx {stats['non2xx']}, no summary in the body "
              f"{stats['bad_body']}, connect {stats['connect']}, read {stats['read']}, write "
              f"{stats['write']}, timeout {stats['timeout']})")
    _log(f"{label}: {stats['requests']} requests, {stats['qps']:,.0f} queries/s, p50 "
         f"{stats['p50_us'] / 1e3:.1f} ms, p99 {stats['p99_us'] / 1e3:.1f} ms, {stats['errors']} errors")
    return stats


def children_cpu():
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ch.ru_utime + ch.ru_stime


def wrk_run(server, paths_file, conns, seconds, what="load"):
    """One bounded run; the server's RSS before and after it."""
    rss0 = server.rss()
    cpu0 = children_cpu()
    p = wrk_start(server, paths_file, conns, seconds)
    try:
        stats = wrk_finish(p, f"{what} {server.name} c{conns}", cpu0)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if stats:
        stats.update(conns=conns, rss_before=rss0, rss_after=server.rss())
    return stats


def soak(server, paths_file, conns, seconds):
    """Our server under constant load for SECONDS; its RSS every SOAK_SAMPLE_S seconds."""
    cpu0 = children_cpu()
    p = wrk_start(server, paths_file, conns, seconds)
    samples = []
    try:
        t0 = time.monotonic()
        while p.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(SOAK_SAMPLE_S - (time.monotonic() - t0) % SOAK_SAMPLE_S)
            if p.poll() is None:
                samples.append((time.monotonic() - t0, server.rss()))
        stats = wrk_finish(p, f"soak {server.name} c{conns} {seconds} s", cpu0)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if stats:
        stats.update(conns=conns, seconds=seconds, samples=samples)
    return stats


# ----------------------------------------------------------------------------- section

def write_paths(queries, workdir):
    files = {}
    for side in ("ours", "omega"):
        f = workdir / f"load-{side}.paths"
        f.write_text("\n".join(request_paths(queries, side)) + "\n", encoding="utf-8")
        files[side] = f
    return files


def run_section(opts, binary, ours_idx, xdb, queries, rows, workdir):
    """The whole section. opts: smoke, load_seconds, soak. Never raises for a server that
    fails: that is a sanity failure, reported, and the section's tables say n/a."""
    res = {"runs": [], "soak": None, "seconds": opts.load_seconds, "smoke": opts.smoke,
           "error": None}
    files = write_paths(queries, workdir)
    # SIGTERM (e.g. a CI timeout) becomes SystemExit, so that the `finally` blocks below stop
    # both servers: an Apache left running would keep its port and its www-data children.
    old = signal.signal(signal.SIGTERM, _terminate)
    try:
        with contextlib.ExitStack() as stack:
            ours = stack.enter_context(our_server(binary, ours_idx, workdir))
            omega = stack.enter_context(omega_apache(workdir, xdb, max(CONCURRENCY) + 8))
            _log(f"load: ours at {ours.base}, omega at {omega.base}/omega")
            servers = (ours, omega)
            res["bad_answers"] = {s.name: check_answers(s, request_paths(queries, s.name), rows)
                                  for s in servers}
            res["idle_rss"] = {s.name: s.rss() for s in servers}
            if not opts.smoke:  # untimed: both servers' caches and Apache's pool warm
                for s in servers:
                    wrk_run(s, files[s.name], 8, 2, "untimed warm-up")
            for c in CONCURRENCY:
                for s in servers:  # interleaved, so that a noisy minute hits both sides
                    st = wrk_run(s, files[s.name], c, opts.load_seconds)
                    res["runs"].append(dict(st or {"conns": c}, side=s.name))
            if opts.soak > 0:
                res["soak"] = soak(ours, files["ours"], 8, opts.soak)
    except LoadError as e:
        _fail(f"load: {e}")
        res["error"] = str(e)
    finally:
        signal.signal(signal.SIGTERM, old)
    return res


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)


# ----------------------------------------------------------------------------- report

def _ms(us):
    return "n/a" if us is None else f"{us / 1e3:.1f}"


def _mb(b):
    return "n/a" if b is None else f"{b / 1e6:.0f}"


def _ratio(a, b):
    return "n/a" if a is None or not b else f"{a / b:.2f}x"


def run_of(res, side, conns):
    for r in res["runs"]:
        if r["side"] == side and r["conns"] == conns and "requests" in r:
            return r
    return None


def report(w, res):
    smoke = res["smoke"]
    w("## 5. Load: `search-server` vs omega's CGI behind Apache, over loopback HTTP\n")
    w(f"wrk with `bench/load/queries.lua` cycling through the {'' if smoke else '26 '}queries of "
      f"`bench/queries.tsv`: ours `GET /search?q=...&limit=10` (top 10 with snippets, JSON "
      "Lines), omega `GET /omega?P=...&HITSPERPAGE=10&FMT=oly` (Apache 2 prefork + mod_cgi, "
      "one omega process per request, template `bench/load/oly.tmpl`: top 10 with a "
      f"`$snippet` each). {res['seconds']} s per run, `wrk -t min(2,C) -c C`, keep-alive. "
      "Errors: non-2xx, a body without the summary object, socket errors, requests over "
      f"{WRK_TIMEOUT}. RSS: VmRSS of our server; Apache's summed over its processes "
      "(omega's short-lived CGI processes not included). wrk runs on the same 2 cores as the "
      "server it measures (its CPU seconds are shown).\n")
    if res.get("error"):
        w(f"**Not measured:** {res['error']}\n")
        return
    w("| concurrency | ours q/s | omega q/s | ours/omega q/s | ours p50 ms | omega p50 ms "
      "| ours p99 ms | omega p99 ms | ours/omega p99 | errors ours / omega "
      "| ours RSS MB before → after | Apache RSS MB before → after | wrk CPU s ours / omega |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|")
    for c in CONCURRENCY:
        o, a = run_of(res, "ours", c), run_of(res, "omega", c)

        def g(r, k):
            return None if r is None else r.get(k)
        w(f"| {c} | {_q(g(o, 'qps'))} | {_q(g(a, 'qps'))} | {_ratio(g(o, 'qps'), g(a, 'qps'))} "
          f"| {_ms(g(o, 'p50_us'))} | {_ms(g(a, 'p50_us'))} | {_ms(g(o, 'p99_us'))} | {_ms(g(a, 'p99_us'))} "
          f"| {_ratio(g(o, 'p99_us'), g(a, 'p99_us'))} | {_n(g(o, 'errors'))} / {_n(g(a, 'errors'))} "
          f"| {_mb(g(o, 'rss_before'))} → {_mb(g(o, 'rss_after'))} "
          f"| {_mb(g(a, 'rss_before'))} → {_mb(g(a, 'rss_after'))} "
          f"| {_f(g(o, 'wrk_cpu'))} / {_f(g(a, 'wrk_cpu'))} |")
    ba = res.get("bad_answers", {})
    w(f"\nBefore the runs, every query was asked once of each server (untimed): answers that "
      f"were not 200 + min(10, exact count) hits + summary: ours {ba.get('ours', 'n/a')}, "
      f"omega {ba.get('omega', 'n/a')}. Idle RSS: ours {_mb(res['idle_rss']['ours'])} MB, "
      f"Apache {_mb(res['idle_rss']['omega'])} MB.\n")
    report_soak(w, res.get("soak"))


def report_soak(w, s):
    if not s:
        w("Soak: not run (`--soak 0`).\n")
        return
    rss = [r for _, r in s["samples"] if r]
    w(f"### Soak: ours at concurrency {s['conns']} for {s['seconds']} s, RSS every "
      f"{SOAK_SAMPLE_S} s\n")
    w("| requests | q/s | p50 ms | p99 ms | errors | RSS MB first (10 s) | last | max | max / first |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    if rss:
        w(f"| {s['requests']:,} | {_q(s['qps'])} | {_ms(s['p50_us'])} | {_ms(s['p99_us'])} | {s['errors']} "
          f"| {_mb(rss[0])} | {_mb(rss[-1])} | {_mb(max(rss))} | {max(rss) / rss[0]:.2f} |")
    else:
        w(f"| {s['requests']:,} | {_q(s['qps'])} | {_ms(s['p50_us'])} | {_ms(s['p99_us'])} | {s['errors']} "
          "| n/a | n/a | n/a | n/a |")
    w("\nRSS samples (s: MB): " + ", ".join(f"{t:.0f}: {_mb(r)}" for t, r in s["samples"]) + "\n")


def _q(x):
    return "n/a" if x is None else f"{x:,.0f}"


def _n(x):
    return "n/a" if x is None else str(x)


def _f(x):
    return "n/a" if x is None else f"{x:.1f}"


def targets(res):
    """Rows for the Targets table: (name, goal, value, ok(value) or None, format)."""
    if not res or res.get("error"):
        return [("load section", "measured", None, None, "{}")]
    o8 = run_of(res, "ours", 8)
    rows = [
        ("HTTP queries/s, ours, concurrency 8", "≥ 3,000", o8 and o8["qps"], lambda x: x >= 3000,
         "{:,.0f} queries/s"),
        ("HTTP p99, ours, concurrency 8", "≤ 20 ms", o8 and o8["p99_us"] / 1e3, lambda x: x <= 20,
         "{:.1f} ms"),
    ]
    errs = [r["errors"] for r in res["runs"] if r["side"] == "ours" and "errors" in r]
    if res.get("soak"):
        errs.append(res["soak"]["errors"])
    rows.append(("HTTP errors, ours, all runs", "0", sum(errs) if errs else None, lambda x: x == 0, "{:d}"))
    qr, pr = [], []
    for c in CONCURRENCY:
        o, a = run_of(res, "ours", c), run_of(res, "omega", c)
        if o and a and a["qps"] and a["p99_us"]:
            qr.append(o["qps"] / a["qps"])
            pr.append(o["p99_us"] / a["p99_us"])
    full = len(qr) == len(CONCURRENCY)
    rows.append(("queries/s ours / omega, lowest of c=1,8,32", "> 1.0x", min(qr) if full else None,
                 lambda x: x > 1, "{:.2f}x"))
    rows.append(("p99 ours / omega, highest of c=1,8,32", "< 1.0x", max(pr) if full else None,
                 lambda x: x < 1, "{:.2f}x"))
    s = res.get("soak")
    rss = [r for _, r in s["samples"] if r] if s else []
    rows.append((f"RSS flat over the soak (max / first sample)", "≤ 1.10",
                 max(rss) / rss[0] if rss else None, lambda x: x <= 1.10, "{:.2f}"))
    return rows
