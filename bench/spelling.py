#!/usr/bin/env python3
"""Did you mean, measured: misspell frequent words and proper names of a corpus by common
typo rules, ask the searcher, and count how often the intended word comes back (top-1),
nothing, or something else, per rule; the suggestion's cost per query (with and without
suggest); and, with --remote, that remote shards give the same suggestions.

The words are drawn from the corpus at run time (nothing of its text is stored here);
the typos come from a seeded random generator, so a run is repeatable.

  bench/spelling.py --index IDX --corpus ../shared/corpora/olympic-news [--shards SH --remote]
"""
import argparse
import collections
import glob
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time

# Keyboard neighbours on a QWERTY layout, for substitution typos.
ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGHBOURS = {}
for r, row in enumerate(ROWS):
    for c, ch in enumerate(row):
        near = set()
        for dr in (-1, 0, 1):
            rr = r + dr
            if 0 <= rr < len(ROWS):
                for dc in (-1, 0, 1):
                    cc = c + dc
                    if (dr or dc) and 0 <= cc < len(ROWS[rr]):
                        near.add(ROWS[rr][cc])
        NEIGHBOURS[ch] = sorted(near)

STOP = set("""about after again against also among another because been before being
between both could does during each either every first from have having into itself just
least like made make many might more most much must never only other over said same should
since some still such than that their them then there these they this those through under
until very were what when where which while whom whose will with within without would your
year years people told says""".split())


def corpus_words(paths):
    """Frequent lower-case words and proper names (words written capitalised in the middle
    of sentences at least 90 % of the time), each with its document frequency."""
    df = collections.Counter()
    cap = collections.Counter()
    low = collections.Counter()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                a = json.loads(line)
                text = (a.get("title") or "") + "\n" + (a.get("body") or "")
                seen = set()
                # Every word counts in `df` (a typo may be a short real word, `teas`);
                # only words of 5 to 14 letters are drawn.
                for w in re.findall(r"[A-Za-z]+", text):
                    seen.add(w.lower())
                for m in re.finditer(r"(?<![\w.])([A-Za-z]{5,14})(?![\w'])", text):
                    w = m.group(1)
                    before = text[max(0, m.start() - 2):m.start()]
                    # Capitalised, not in capitals: headlines in capitals (Reuters) say
                    # nothing about a name.
                    if (w[0].isupper() and w[1:].islower()
                            and not re.search(r"[.!?\n\"]\s*$|^$", before)):
                        cap[w.lower()] += 1
                    elif w.islower():
                        low[w] += 1
                df.update(seen)
    names = [w for w in cap if cap[w] >= 5 and cap[w] >= 9 * low[w]]
    words = [w for w in low if low[w] >= 5 and cap[w] <= low[w] and w not in STOP]
    by_df = lambda ws: sorted(ws, key=lambda w: (-df[w], w))
    return by_df(words), by_df(names), df


def typo(word, rule, rng):
    """`word` misspelt by `rule`, or None when the rule does not apply."""
    i = rng.randrange(len(word))
    if rule == "deletion":
        return word[:i] + word[i + 1:]
    if rule == "insertion":
        ch = rng.choice(NEIGHBOURS.get(word[i], ["e"]))
        return word[:i] + ch + word[i:]
    if rule == "substitution":
        return word[:i] + rng.choice(NEIGHBOURS.get(word[i], ["e"])) + word[i + 1:]
    if rule == "transposition":
        j = rng.randrange(len(word) - 1)
        if word[j] == word[j + 1]:
            return None
        return word[:j] + word[j + 1] + word[j] + word[j + 2:]
    if rule == "doubling":
        doubles = [k for k in range(len(word) - 1) if word[k] == word[k + 1]]
        if doubles:  # undouble a double letter
            k = rng.choice(doubles)
            return word[:k] + word[k + 1:]
        return word[:i] + word[i] + word[i:]
    raise ValueError(rule)


RULES = ["deletion", "insertion", "substitution", "transposition", "doubling"]


def make_cases(words, names, df, count, seed):
    rng = random.Random(seed)
    pool = [("word", w) for w in words[:300]] + [("name", w) for w in names[:300]]
    rng.shuffle(pool)
    cases, used = [], set()
    for kind, w in pool:
        if len(cases) >= count:
            break
        rule = RULES[len(cases) % len(RULES)]
        t = typo(w, rule, rng)
        if not t or t == w or t in used:
            continue
        used.add(t)
        cases.append({"word": w, "kind": kind, "rule": rule, "typo": t,
                      "typo_in_corpus": df.get(t, 0)})
    return cases


def run_batch(searcher, specs, cases, suggest):
    # The default page (10 hits): the cost measured is a user's query, hits included.
    lines = "".join(json.dumps({"query": c["typo"], "suggest": suggest}) + "\n" for c in cases)
    cmd = [searcher, "--json", "--batch", "--no-cache", "--color", "never"]
    for s in specs:
        cmd += ["-d", s]
    p = subprocess.run(cmd, input=lines, capture_output=True, text=True)
    out = [json.loads(l) for l in p.stdout.splitlines()]
    errors = [j for j in out if j.get("type") == "error"]
    summaries = [j for j in out if j.get("type") == "summary"]
    # An error is no answer: counting it as "no suggestion" would flatter nothing and hide it.
    if errors or p.returncode not in (0, 1) or len(summaries) != len(cases):
        sys.exit("searcher (%s, exit %d): %d answers, %d errors for %d queries\n%s%s" % (
            " ".join(specs), p.returncode, len(summaries), len(errors), len(cases),
            "".join(json.dumps(e) + "\n" for e in errors[:5]), p.stderr[-2000:]))
    return summaries


def score(cases, answers):
    per = collections.defaultdict(collections.Counter)
    for c, a in zip(cases, answers):
        s = a.get("suggestion")
        outcome = "none" if not s else ("top1" if s.lower() == c["word"] else "wrong")
        c["outcome"], c["suggestion"] = outcome, s
        c["matches"] = a.get("estimated_total")
        per[c["rule"]][outcome] += 1
        per[c["kind"]][outcome] += 1
        per["all"][outcome] += 1
        # A typo that is itself a word of the corpus (`there` for `three`) is kept
        # unless the intended word is 10 times as common: counted apart to read "none".
        if c["typo_in_corpus"]:
            per["typo is a word"][outcome] += 1
        # Only a query with fewer than 10 matches is looked at (core/suggest.h): a typo
        # that matches more, often through its stem (`turke` -> turk), gets none by design.
        if (c["matches"] or 0) >= 10:
            per["typo matches 10+"][outcome] += 1
    return per


def print_table(per, out):
    out.write("%-16s %5s %6s %6s %6s\n" % ("rule/kind", "n", "top-1", "none", "wrong"))
    for key in RULES + ["word", "name", "typo is a word", "typo matches 10+", "all"]:
        c = per[key]
        n = sum(c.values())
        if n:
            out.write("%-16s %5d %5.0f%% %5.0f%% %5.0f%%\n" % (
                key, n, 100 * c["top1"] / n, 100 * c["none"] / n, 100 * c["wrong"] / n))


def ms(answers):
    v = sorted(a.get("elapsed_ms", 0) for a in answers)
    return sum(v) / len(v), v[len(v) // 2], v[int(len(v) * 0.95)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_remote(shards):
    tcpsrv = shutil.which("xapian-tcpsrv")
    if not tcpsrv:
        sys.exit("xapian-tcpsrv is not installed")
    procs, specs = [], []
    for sh in shards:
        port = free_port()
        procs.append(subprocess.Popen([tcpsrv, "--quiet", "--interface", "127.0.0.1",
                                       "--port", str(port), sh], start_new_session=True))
        specs.append("remote 127.0.0.1:%d" % port)
    for spec in specs:
        port = int(spec.rsplit(":", 1)[1])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            stop_remote(procs)
            sys.exit("xapian-tcpsrv on port %d did not start" % port)
    return procs, specs


def stop_remote(procs):
    for p in procs:
        os.killpg(p.pid, 9)
        p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--searcher", default="build/searcher/searcher")
    ap.add_argument("--index", required=True, help="one index of the corpus")
    ap.add_argument("--shards", help="a sharded index (indexer --shards N) of the same corpus")
    ap.add_argument("--remote", action="store_true", help="also ask --shards through xapian-tcpsrv")
    ap.add_argument("--corpus", required=True, help="a corpus directory of .jsonl files")
    ap.add_argument("--count", type=int, default=150)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--cases", help="write every case and its outcome here (JSON Lines)")
    a = ap.parse_args()

    paths = sorted(glob.glob(os.path.join(a.corpus, "*.jsonl")))
    words, names, df = corpus_words(paths)
    cases = make_cases(words, names, df, a.count, a.seed)
    print("corpus %s: %d words, %d names to draw from; %d typos, seed %d" % (
        a.corpus, len(words), len(names), len(cases), a.seed))
    one = run_batch(a.searcher, [a.index], cases, True)
    per = score(cases, one)
    print_table(per, sys.stdout)
    base = run_batch(a.searcher, [a.index], cases, False)
    print("one index: ms per query, mean/median/p95: with suggest %.2f/%.2f/%.2f, "
          "without %.2f/%.2f/%.2f" % (ms(one) + ms(base)))
    if a.cases:
        with open(a.cases, "w", encoding="utf-8") as f:
            for c in cases:
                f.write(json.dumps(c) + "\n")
    if not a.shards:
        return
    # shard0, shard1, ..., shard10 in number order (the indexer's names).
    shards = sorted(glob.glob(os.path.join(a.shards, "shard[0-9]*")),
                    key=lambda s: int(re.sub(r"\D", "", os.path.basename(s))))
    if not shards:
        sys.exit("%s: no shard directories (shard0, shard1, ...)" % a.shards)
    sets = [("local shards", shards)]
    procs = []
    try:
        if a.remote:
            procs, specs = start_remote(shards)
            sets.append(("remote shards", specs))
        for label, specs in sets:
            got = run_batch(a.searcher, specs, cases, True)
            off = run_batch(a.searcher, specs, cases, False)
            same = [g.get("suggestion") for g in got] == [o.get("suggestion") for o in one]
            print("%s: suggestions %s one index's; ms per query with suggest "
                  "%.2f/%.2f/%.2f, without %.2f/%.2f/%.2f" % (
                      (label, "equal to" if same else "DIFFER from") + ms(got) + ms(off)))
            if not same:
                sys.exit(1)
    finally:
        stop_remote(procs)


if __name__ == "__main__":
    main()
