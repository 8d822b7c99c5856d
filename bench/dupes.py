#!/usr/bin/env python3
"""Near-duplicate grouping: candidates to label, and precision/recall on labelled pairs.

  bench/dupes.py candidates INDEX CORPUS.jsonl... > pool.txt
      Pairs to read and label: the fingerprint's neighbours (our SimHash, read from the
      index's value slot 11 with xapian-delve) at several distances AND the neighbours of
      an independent method (Jaccard of lower-cased word 3-shingles, split by a regular
      expression, not our analyzer), plus same-topic pairs of middling overlap (the hard
      negatives). Each pair is printed with both texts for reading.
  bench/dupes.py measure INDEX CORPUS.jsonl... [--pairs bench/dupes-pairs.tsv]
      Precision and recall of "distance <= k and both have >= m shingles" over the
      labelled pairs, for several k and m. Recall is over the labelled duplicate pairs,
      which come from both methods, so it is not measured by the fingerprint alone.

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


def fingerprints(index):
    """id -> (hash, shingles) from slots 2 (id) and 11 (fingerprint)."""
    def slot(n):
        out = subprocess.run(["xapian-delve", "-1", f"-V{n}", index], check=True,
                             capture_output=True, text=True).stdout
        vals = {}
        for line in out.splitlines():
            m = re.match(r"^(\d+):(.*)$", line)
            if m:
                vals[int(m.group(1))] = m.group(2)
        return vals
    ids, prints = slot(2), slot(11)
    out = {}
    for docid, v in prints.items():
        h, n = v.split(" ")
        out[ids[docid]] = (int(h, 16), int(n))
    return out


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


def fp_pairs(prints, max_d):
    """Pairs within max_d bits (banding: max_d + 1 bands)."""
    ids = list(prints)
    bands = max_d + 1
    found = set()
    for b in range(bands):
        lo, hi = 64 * b // bands, 64 * (b + 1) // bands
        mask = ((1 << (hi - lo)) - 1) << lo
        buckets = defaultdict(list)
        for i in ids:
            buckets[prints[i][0] & mask].append(i)
        for members in buckets.values():
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    a, c = members[x], members[y]
                    if bin(prints[a][0] ^ prints[c][0]).count("1") <= max_d:
                        found.add(tuple(sorted((a, c))))
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


def candidates(index, paths):
    random.seed(16)
    docs = corpus(paths)
    prints = fingerprints(index)
    sh = {i: shingles(d["body"]) for i, d in docs.items()}
    fp = fp_pairs(prints, 8)
    jp = jaccard_pairs(sh, 0.15)
    strata = defaultdict(list)
    for p in fp:
        d = bin(prints[p[0]][0] ^ prints[p[1]][0]).count("1")
        strata[f"fp{d}"].append(p)
    for p, j in jp.items():
        strata["jac>=0.8" if j >= 0.8 else "jac0.5-0.8" if j >= 0.5 else
               "jac0.3-0.5" if j >= 0.3 else "jac0.15-0.3"].append(p)
    pool = set()
    for name in sorted(strata):
        ps = sorted(strata[name])
        print(f"# {name}: {len(ps)} pairs", file=sys.stderr)
        pool.update(random.sample(ps, min(12, len(ps))))
    for p in sorted(pool):
        show(p, docs, prints, sh, sys.stdout)


def measure(index, paths, pairs_file):
    docs = corpus(paths)
    prints = fingerprints(index)
    labels = []
    with open(pairs_file, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                a, b, lab = line.rstrip("\n").split("\t")
                labels.append((a, b, lab == "dup"))
    dups = sum(1 for *_, y in labels if y)
    print(f"{len(labels)} labelled pairs, {dups} dup, {len(labels) - dups} distinct")
    print("max_distance min_shingles  TP  FP  FN  precision recall")
    for m in (0, 10, 20, 40):
        for k in (0, 2, 3, 4, 5, 6, 8):
            tp = fp = fn = 0
            for a, b, y in labels:
                pa, pb = prints.get(a), prints.get(b)
                pred = bool(pa and pb and min(pa[1], pb[1]) >= m and
                            bin(pa[0] ^ pb[0]).count("1") <= k)
                tp += pred and y
                fp += pred and not y
                fn += (not pred) and y
            prec = tp / (tp + fp) if tp + fp else float("nan")
            print(f"{k:12d} {m:12d} {tp:3d} {fp:3d} {fn:3d}  {prec:9.3f} {tp / dups if dups else 0:6.3f}")
    _ = docs


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("candidates", "measure"):
        sys.exit(__doc__)
    args = sys.argv[2:]
    pairs = "bench/dupes-pairs.tsv"
    if "--pairs" in args:
        i = args.index("--pairs")
        pairs = args[i + 1]
        del args[i:i + 2]
    if sys.argv[1] == "candidates":
        candidates(args[0], args[1:])
    else:
        measure(args[0], args[1:], pairs)


if __name__ == "__main__":
    main()
