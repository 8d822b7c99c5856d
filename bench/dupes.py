#!/usr/bin/env python3
"""Near-duplicate grouping: candidates to label, and precision/recall on labelled pairs.

  bench/dupes.py candidates INDEX CORPUS.jsonl... > pool.txt
      Pairs to read and label, by stratum: the pairs the index links (members of one
      group in slot 12 within 9 bits: fp0-3, fp4-9) AND pairs found by an independent
      method that the index does not link: Jaccard of lower-cased word 3-shingles (split
      by a regular expression, not our analyzer) >= 0.3 through a bottom-8 sketch, by
      fingerprint distance (jac_d10-14, jac>=.5_d15+, jac.3-.5_d15+: recall misses and
      hard negatives), and bodies with the same first 8 words (first8_d10+: templates).
      Each pair is printed with both texts for reading. Several minutes on general-news.
  bench/dupes.py measure INDEX [CORPUS.jsonl...] [--pairs bench/dupes-pairs.tsv]
      Precision and recall of the index's own grouping (slot 12: two articles are
      collapsed together when they have one group key) over the labelled pairs, overall and
      by fingerprint distance band, with every error listed by id; then what a pairwise
      threshold "distance <= k, both >= m shingles" would give. Recall is over the labelled
      duplicate pairs, which come from both methods, so it is not measured by the
      fingerprint alone. The corpus files, when given, only check the labelled ids exist.

The pairs file holds ids only: id1<TAB>id2<TAB>dup|distinct.
"""
import json
import random
import re
import subprocess
import sys
import zlib
from collections import defaultdict

WORD = re.compile(r"\w+", re.UNICODE)


def read_slots(index, slots):
    """{slot: {docid: value}} for the value slots of an index (all its shards when INDEX is a
    stub file). Xapian's Python bindings when importable (Debian's python3-xapian lives in
    /usr/bin/python3's path, not a pyenv's), else xapian-delve, which is slower."""
    try:
        import xapian
        db = xapian.Database(index)
        return {n: {v.docid: v.value.decode() for v in db.valuestream(n)} for n in slots}
    except ImportError:
        pass
    out = {}
    for n in slots:
        text = subprocess.run(["xapian-delve", "-1", f"-V{n}", index], check=True,
                              capture_output=True, text=True).stdout
        vals = {}
        for line in text.splitlines():
            m = re.match(r"^(\d+):(.*)$", line)
            if m:
                vals[int(m.group(1))] = m.group(2)
        out[n] = vals
    return out


def fingerprints(index):
    """(id -> (hash, shingles), id -> group key) from slots 2 (id), 11 (fingerprint) and
    12 (the group key the indexer wrote; absent for an article in no group)."""
    s = read_slots(index, (2, 11, 12))
    ids = s[2]
    prints = {}
    for docid, v in s[11].items():
        h, n = v.split(" ")
        prints[ids[docid]] = (int(h, 16), int(n))
    groups = {ids[docid]: key for docid, key in s[12].items() if key}
    return prints, groups


def corpus(paths):
    docs = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                docs[d["id"]] = d
    return docs


def shingles(text):
    w = [x.lower() for x in WORD.findall(text)]
    return {" ".join(w[i:i + 3]) for i in range(len(w) - 2)}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a and b else 0.0


def group_links(prints, groups):
    """The pairs the index links: members of one group (slot 12) within kMaxDistance (9)."""
    members = defaultdict(list)
    for i, key in groups.items():
        members[key].append(i)
    found = set()
    for m in members.values():
        m.sort()
        for x in range(len(m)):
            for y in range(x + 1, len(m)):
                if bin(prints[m[x]][0] ^ prints[m[y]][0]).count("1") <= 9:
                    found.add((m[x], m[y]))
    return found


def first_words_pairs(docs, n=8):
    """Pairs whose bodies start with the same n words (at most 20 bodies per start)."""
    starts = defaultdict(list)
    for i, d in docs.items():
        w = [x.lower() for x in WORD.findall(d["body"])][:n]
        if len(w) == n:
            starts[" ".join(w)].append(i)
    found = set()
    for m in starts.values():
        if 2 <= len(m) <= 20:
            m.sort()
            found.update((m[x], m[y]) for x in range(len(m)) for y in range(x + 1, len(m)))
    return found


def jaccard_pairs(sh, low):
    """Pairs of Jaccard >= low, found through a bottom-8 sketch of each shingle set."""
    index = defaultdict(list)
    for i, s in sh.items():
        if len(s) < 3:
            continue
        for h in sorted(zlib.crc32(x.encode()) for x in s)[:8]:
            index[h].append(i)
    found = {}
    for members in index.values():
        if len(members) > 200:
            continue  # boilerplate shared by hundreds: not a pair signal
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                p = tuple(sorted((members[x], members[y])))
                if p not in found:
                    found[p] = jaccard(sh[p[0]], sh[p[1]])
    return {p: j for p, j in found.items() if j >= low}


def show(p, docs, prints, sh, out):
    a, b = p
    d = bin(prints[a][0] ^ prints[b][0]).count("1") if a in prints and b in prints else -1
    print(f"== {a}\t{b}\tdist={d} jac={jaccard(sh[a], sh[b]):.2f} "
          f"shingles={prints.get(a, (0, 0))[1]},{prints.get(b, (0, 0))[1]}", file=out)
    for i in p:
        print(f"  [{i}] {docs[i].get('title', '')} :: {docs[i]['body'][:600]!r}", file=out)


QUOTA = {"fp0-3": 22, "fp4-9": 28, "jac_d10-14": 22, "jac>=.5_d15+": 14,
         "jac.3-.5_d15+": 14, "first8_d10+": 12}


def candidates(index, paths):
    """Strata of pairs (stderr: their sizes by source) and a sample of each to read, Reuters
    and AG News first. The index's links (fp*) and, independently, pairs of high shingle
    Jaccard the index does not link (recall misses), of middling Jaccard (hard negatives)
    and of the same first 8 words (templates)."""
    random.seed(16)
    docs = corpus(paths)
    prints, groups = fingerprints(index)
    sh = {i: shingles(d["body"]) for i, d in docs.items()}

    def dist(p):
        a, b = p
        return bin(prints[a][0] ^ prints[b][0]).count("1") if a in prints and b in prints else 99

    strata = defaultdict(list)
    for p in group_links(prints, groups):
        strata["fp0-3" if dist(p) <= 3 else "fp4-9"].append(p)
    jp = jaccard_pairs(sh, 0.3)
    for p, j in jp.items():
        d = dist(p)
        if d <= 9:
            continue
        strata["jac_d10-14" if d <= 14 else "jac>=.5_d15+" if j >= 0.5 else
               "jac.3-.5_d15+"].append(p)
    for p in first_words_pairs(docs):
        if dist(p) > 9 and p not in jp:
            strata["first8_d10+"].append(p)
    for name, ps in sorted(strata.items()):
        by_source = defaultdict(int)
        for p in ps:
            by_source[p[0].split("-")[0]] += 1
        print(f"# {name}: {len(ps)} pairs {dict(by_source)}", file=sys.stderr)
    n = 0
    for name, k in QUOTA.items():
        ps = sorted(strata[name])
        random.shuffle(ps)
        ps.sort(key=lambda p: p[0].split("-")[0] not in ("reuters21578", "agnews"))
        for p in ps[:k]:
            print(f"# {n} {name}")
            show(p, docs, prints, sh, sys.stdout)
            n += 1


def distance_band(d):
    if d is None:
        return "no print"
    return next(f"{lo}-{hi}" for lo, hi in BANDS if lo <= d <= hi)


BANDS = ((0, 3), (4, 9), (10, 14), (15, 20), (21, 64))


def read_labels(pairs_file):
    labels = []
    with open(pairs_file, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 3 or cols[2] not in ("dup", "distinct"):
                sys.exit(f"{pairs_file}:{n}: error: expected id1<TAB>id2<TAB>dup|distinct")
            labels.append((cols[0], cols[1], cols[2] == "dup"))
    return labels


def pr_line(name, tp, fp, fn, tn):
    prec = f"{tp / (tp + fp):9.3f}" if tp + fp else "      n/a"
    rec = f"{tp / (tp + fn):6.3f}" if tp + fn else "   n/a"
    print(f"{name:>14} {tp:4d} {fp:4d} {fn:4d} {tn:4d}  {prec} {rec}")


def measure(index, paths, pairs_file):
    """The grouping the index holds (slot 12: same key = collapsed together) against the
    labels, overall and per fingerprint distance band; then what a pairwise threshold would
    give (no chains), to judge kMaxDistance and kMinShingles."""
    docs = corpus(paths) if paths else {}
    prints, groups = fingerprints(index)
    labels = read_labels(pairs_file)
    missing = sorted({i for a, b, _ in labels for i in (a, b) if docs and i not in docs})
    unindexed = sorted({i for a, b, _ in labels for i in (a, b) if i not in prints})
    if missing:
        sys.exit(f"{pairs_file}: error: ids not in the corpus: {' '.join(missing[:10])}")
    if unindexed:
        # An id without a fingerprint is either not indexed or has an empty body: say so
        # rather than count it silently as "not grouped".
        print(f"warning: {len(unindexed)} labelled ids have no fingerprint in {index}: "
              f"{' '.join(unindexed[:10])}", file=sys.stderr)
    dups = sum(1 for *_, y in labels if y)
    print(f"{len(labels)} labelled pairs, {dups} dup, {len(labels) - dups} distinct")

    def dist(a, b):
        pa, pb = prints.get(a), prints.get(b)
        return bin(pa[0] ^ pb[0]).count("1") if pa and pb else None

    print("\nThe index's groups (slot 12): a pair is predicted dup when both have one key")
    print("          band   TP   FP   FN   TN  precision recall")
    cells = defaultdict(lambda: [0, 0, 0, 0])
    errors = []
    for a, b, y in labels:
        pred = a in groups and groups.get(a) == groups.get(b)
        for name in ("all", distance_band(dist(a, b))):
            c = cells[name]
            c[0 if pred and y else 1 if pred else 2 if y else 3] += 1
        if pred != y:
            errors.append(("FP" if pred else "FN", a, b, dist(a, b),
                           prints.get(a, (0, 0))[1], prints.get(b, (0, 0))[1]))
    for name in ["all"] + [f"{lo}-{hi}" for lo, hi in BANDS] + ["no print"]:
        if name in cells:
            pr_line(name, *cells[name])
    print("\nErrors (kind, ids, distance, shingles):")
    for e in sorted(errors, key=lambda e: (e[0], e[3] if e[3] is not None else 99)):
        print(f"  {e[0]} {e[1]} {e[2]} d={e[3]} shingles={e[4]},{e[5]}")

    print("\nPairwise threshold (no chains): dup when distance <= k, both >= m shingles")
    print("   k   m   TP   FP   FN   TN  precision recall")
    for m in (0, 20, 40):
        for k in (3, 6, 9, 12, 14, 16):
            c = [0, 0, 0, 0]
            for a, b, y in labels:
                d = dist(a, b)
                pred = (d is not None and d <= k and
                        min(prints[a][1], prints[b][1]) >= m)
                c[0 if pred and y else 1 if pred else 2 if y else 3] += 1
            pr_line(f"{k:4d}{m:4d}", *c)


def main():
    args = sys.argv[2:]
    if sys.argv[1:2] not in (["candidates"], ["measure"]) or not args:
        sys.exit(__doc__)
    pairs = "bench/dupes-pairs.tsv"
    if "--pairs" in args:
        i = args.index("--pairs")
        if i + 1 >= len(args):
            sys.exit("error: --pairs needs a file")
        pairs = args[i + 1]
        del args[i:i + 2]
    if sys.argv[1] == "candidates":
        if len(args) < 2:
            sys.exit(__doc__)
        candidates(args[0], args[1:])
    else:
        measure(args[0], args[1:], pairs)


if __name__ == "__main__":
    main()
