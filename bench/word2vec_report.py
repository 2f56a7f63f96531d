#!/usr/bin/python3
"""Turns bench/word2vec_bench.sh's outputs (OUT/meta.json, runs.jsonl, evals.jsonl) into the
word2vec section of a markdown file (replacing the text between its markers, or appending them).

The outputs may come from several invocations of the bench (APPEND=1): every row keeps its
invocation and epochs. A row is one timed run (seed 1); its quality columns are the mean over
the seeds trained for it in the same invocation (seed 1 and QUALITY_SEEDS), with the range.

Usage: bench/word2vec_report.py OUT_DIR DOC.md"""
import json
import os
import statistics
import sys

BEGIN, END = "<!-- word2vec:begin -->", "<!-- word2vec:end -->"
TOOL_ORDER = {"seer": 0, "fasttext": 1, "gensim": 2}
TOOL_NAME = {"seer": "seer", "fasttext": "fastText", "gensim": "gensim"}
ISSUE_EPOCHS = 3  # the issue's settings: the quality target is judged on these rows only


def jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def si(x):
    if x is None:
        return "-"
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if x >= scale:
            return f"{x / scale:.2f}{suffix}"
    return f"{x:.0f}"


def spread(values, fmt):
    """'mean' for one value, 'mean (min-max)' for several; '-' for none."""
    if not values:
        return "-"
    mean = fmt(statistics.mean(values))
    if len(values) == 1:
        return mean
    lo, hi = min(values), max(values)
    return f"{mean} ({fmt(lo)}{' to ' if lo < 0 else '-'}{fmt(hi)})"


def pct(x):
    return f"{100 * x:.1f}"


def rho(x):
    return f"{x:.3f}"


def load(out):
    meta = json.load(open(os.path.join(out, "meta.json")))
    invocations = meta["invocations"] if "invocations" in meta else [meta]  # earlier one-invocation format
    runs = jsonl(os.path.join(out, "runs.jsonl"))
    evals = {(e.get("invocation", 1), e["name"]): e for e in jsonl(os.path.join(out, "evals.jsonl"))}
    for r in runs:
        r.setdefault("invocation", 1)
        r.setdefault("seed", 1)
        r.setdefault("role", "speed" if r["seed"] == 1 else "quality")
        e = evals.get((r["invocation"], r["name"]), {})
        r["analogy"] = e.get("analogy") or None
        sims = e.get("similarity", {})
        r["ws353"] = next(iter(sims.values()), {}).get("spearman") if sims else None
    return invocations, runs


def group(r):
    """What a row is: the same tool, settings and invocation (the seeds of one row share it)."""
    return (r["invocation"], r["model"], r["loss"], r["threads"], r["epochs"], r["tool"])


def section(out):
    invocations, runs = load(out)
    rows = [r for r in runs if r["role"] == "speed"]
    rows.sort(key=lambda r: (r["model"], r["loss"] != "ns", -r["epochs"], r["threads"], r["invocation"],
                             TOOL_ORDER.get(r["tool"], 9)))
    # Quality over the seeds of each row: every evaluated run of the same group.
    seeds = {}
    for r in runs:
        if r["analogy"] is not None or r["ws353"] is not None:
            seeds.setdefault(group(r), []).append(r)
    for r in rows:
        s = sorted(seeds.get(group(r), []), key=lambda x: x["seed"])
        r["seeds"] = [x["seed"] for x in s]
        r["q"] = {k: [x["analogy"][k] for x in s if x["analogy"]] for k in ("semantic", "syntactic", "accuracy")}
        r["q"]["ws353"] = [x["ws353"] for x in s if x["ws353"] is not None]
        r["q_mean"] = {k: statistics.mean(v) if v else None for k, v in r["q"].items()}

    def seer_of(r):  # the seer row r is compared with: same settings, preferably the same invocation
        same = [s for s in rows if s["tool"] == "seer" and
                (s["model"], s["loss"], s["threads"], s["epochs"]) == (r["model"], r["loss"], r["threads"], r["epochs"])]
        return next((s for s in same if s["invocation"] == r["invocation"]), same[-1] if same else None)

    first = invocations[0]
    versions = lambda key: ", ".join(dict.fromkeys(str(m.get(key, "?")) for m in invocations))
    corpus = f"`{first['corpus']}`" + (f", **slice of {first['slice']} bytes only (a quick check, "
                                       "not the benchmark)**" if first.get("slice") else "")
    machines = dict.fromkeys(f"{m['cores']} cores ({m['cpu']}, {m['memory_gb']} GB)" for m in invocations)
    lines = [BEGIN, "## word2vec: seer vs fastText vs gensim (issue 3)", "",
             f"Measured on {' / '.join(machines)} by `bench/word2vec_bench.sh`, which writes this section; "
             f"{'its invocations' if len(invocations) > 1 else 'the invocation'} "
             f"({'the later ones with `APPEND=1`, which adds rows to the earlier ones' if len(invocations) > 1 else 'as typed'}):", ""]
    for i, m in enumerate(invocations, 1):
        load_end = f", {m['loadavg_end']:.2f} at the end" if m.get("loadavg_end") is not None else ""
        cmd = f"`{m['invocation']}`" if m.get("invocation") else "`bench/word2vec_bench.sh` (settings not recorded)"
        lines.append(f"{i}. {cmd}: {m['date'][:10]}, load average {m['loadavg_start']:.2f} at the start{load_end}; "
                     f"seer {m['seer']}, {m['epochs']} epoch(s).")
    gensim_inputs = versions("gensim_input") if all("gensim_input" in m for m in invocations) else "corpus_file"
    lines += ["", f"fastText {versions('fasttext')} (Debian), gensim {versions('gensim')} (Debian, "
              f"`{gensim_inputs}` input).", "",
              f"Corpus: {corpus}, {first['corpus_words']:,} words after normalisation. "
              "Every tool trains on the same token file, written once with the rule of "
              "`seer word2vec train --normalize --lowercase` (`<doc>` lines dropped, ASCII punctuation "
              "and non-ASCII spaces, dashes and quotes separate words, lowercase; seer trains on it without `--normalize`, and gives bit-identical "
              "vectors either way). Same hyperparameters for all: dim 100, window 5, negative 5 (or "
              "hierarchical softmax), sample 1e-3, min-count 5, learning rate 0.05 (CBOW) / 0.025 "
              f"(skip-gram) decaying linearly; the issue's settings are {ISSUE_EPOCHS} epochs.", ""]

    multi = [r for r in rows if len(r["seeds"]) > 1]
    seed_sets = list(dict.fromkeys(tuple(r["seeds"]) for r in multi))
    if multi:
        sets = " or ".join(f"{len(s)} seeds ({', '.join(map(str, s))})" for s in seed_sets)
        seed_text = (f" Rows with several seeds show the mean over {sets}, each trained and evaluated on its "
                     "own (the extra seeds are not timed), and in brackets the range; the other rows are "
                     "seed 1 only.")
    else:
        seed_text = " One seed (1) per row."
    lines += ["- *epochs*: passes over the corpus; each row has its own.",
              "- *wall s*: the whole process (reading, vocabulary, training, writing the vectors).",
              "- *train s*: the training phase as the tool reports it (seer: its summary line; gensim: "
              "`train()` timed in the script; fastText: from its \"Number of labels\" line to the end of its "
              "progress line, read from stderr as it arrives).",
              "- *words/s* = corpus words x epochs / train s (the same word count for every tool): a rate "
              "per pass over the corpus, so rows with different epochs compare.",
              "- *seer speed-up*: seer's words/s over the peer's, same model, loss, threads and epochs "
              "(in brackets: the ratio of whole-process wall times).",
              "- Quality, one evaluator for all (`seer word2vec eval`): analogy accuracy on questions-words "
              "restricted to the 30,000 most frequent words (semantic / syntactic / total, %, questions "
              "with an unknown word not answered) and WordSim-353 (all 353 pairs) Spearman rho." + seed_text, "",
              "| model | loss | epochs | threads | tool | wall s | train s | words/s | seer speed-up | "
              "analogy sem / syn / total % | WS-353 rho | peak MB |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ref = seer_of(r)
        speed = "-"
        if r["tool"] != "seer" and ref and r["words_per_second"] and ref["words_per_second"]:
            speed = (f"{ref['words_per_second'] / r['words_per_second']:.2f}x "
                     f"({r['wall_seconds'] / ref['wall_seconds']:.2f}x)")
        q, m = r["q"], r["q_mean"]
        quality = (f"{pct(m['semantic'])} / {pct(m['syntactic'])} / **{spread(q['accuracy'], pct)}**"
                   if q["accuracy"] else "-")
        failed = "" if r.get("exit_code", 0) == 0 else " (failed)"
        tool = TOOL_NAME.get(r["tool"], r["tool"])
        lines.append(f"| {r['model']} | {r['loss']} | {r['epochs']} | {r['threads']} | "
                     f"{'**seer**' if r['tool'] == 'seer' else tool}{failed} | {r['wall_seconds']:.1f} | "
                     f"{'-' if r['train_seconds'] is None else format(r['train_seconds'], '.1f')} | "
                     f"{si(r['words_per_second'])} | {speed} | {quality} | {spread(q['ws353'], rho)} | "
                     f"{r['max_rss_mb']:.0f} |")
    lines.append("")

    # The issue's targets: >= 2x every peer's words/s (every row), quality within 1 point of the
    # best peer (the means over the seeds; rows with the issue's epochs only).
    targets = []
    for ref in [r for r in rows if r["tool"] == "seer"]:
        peers = [r for r in rows if r["tool"] != "seer" and seer_of(r) is ref]
        if not peers:
            continue
        pairs = [(p, ref["words_per_second"] / p["words_per_second"]) for p in peers
                 if p["words_per_second"] and ref["words_per_second"]]
        cells = ", ".join(f"{TOOL_NAME[p['tool']]} {x:.2f}x" for p, x in pairs) or "-"
        speed_ok = "-" if not pairs else "yes" if min(x for _, x in pairs) >= 2 else "**no**"
        da = dw = quality_ok = "-"
        if ref["epochs"] == ISSUE_EPOCHS:
            best_a = max((p["q_mean"]["accuracy"] for p in peers if p["q_mean"]["accuracy"] is not None), default=None)
            best_w = max((p["q_mean"]["ws353"] for p in peers if p["q_mean"]["ws353"] is not None), default=None)
            if ref["q_mean"]["accuracy"] is not None and best_a is not None:
                da = f"{100 * (ref['q_mean']['accuracy'] - best_a):+.1f}"
            if ref["q_mean"]["ws353"] is not None and best_w is not None:
                dw = f"{100 * (ref['q_mean']['ws353'] - best_w):+.1f}"
            if da != "-" and dw != "-":
                quality_ok = "yes" if float(da) >= -1 and float(dw) >= -1 else "**no**"
        else:
            quality_ok = f"not judged ({ref['epochs']} epoch{'s' if ref['epochs'] != 1 else ''})"
        targets.append(f"| {ref['model']} | {ref['loss']} | {ref['epochs']} | {ref['threads']} | {cells} | "
                       f"{speed_ok} | {da} | {dw} | {quality_ok} |")
    if targets:
        lines += ["Targets of issue 3: seer's words/s >= 2x each peer's, on every row (same model, loss, "
                  "threads and epochs); analogy accuracy and WS-353 rho within 1 point of the best peer "
                  "(differences in points between the means over the seeds; rho x 100), judged on the rows "
                  f"with the issue's {ISSUE_EPOCHS} epochs only.", "",
                  "| model | loss | epochs | threads | seer speed-up | >= 2x | analogy vs best peer | "
                  "WS-353 vs best peer | quality met |",
                  "|---|---|---|---|---|---|---|---|---|"] + targets + [""]

    lines += ["Commands (as run, per invocation; `bench/word2vec_peers.py gensim` is `Word2Vec(sg, "
              "vector_size=100, window=5, negative=5 or hs=1, sample=1e-3, min_count=5, epochs, workers=T, "
              "alpha, min_alpha=alpha*1e-4, seed)`, then `build_vocab` and `train` on `corpus_file`"
              + ("; the extra seeds' runs (`-sN`) differ from seed 1 only in the seed and the output"
                 if any(r["seed"] != 1 for r in runs) else "") + "):", "", "```"]
    for i, m in enumerate(invocations, 1):
        cmd = m.get("invocation") or "bench/word2vec_bench.sh build (settings not recorded)"
        lines.append(f"# {i}: {cmd}")
        lines.append(m["prepare"] if m.get("prepared", True)
                     else "# (token file reused: prepared earlier with the same key)")
        lines += [r["command"] for r in runs if r["invocation"] == i]
        lines.append(m["eval"])
    lines += ["```", "", END]
    return "\n".join(lines)


def main(out, doc):
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    new = section(out)
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + new + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    tmp = f"{doc}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, doc)
    print(new)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
