#!/usr/bin/python3
"""Turns bench/word2vec_bench.sh's outputs (OUT/meta.json, runs.jsonl, evals.jsonl) into the
word2vec section of a markdown file (replacing the text between its markers, or appending them).

Usage: bench/word2vec_report.py OUT_DIR DOC.md"""
import json
import os
import sys

BEGIN, END = "<!-- word2vec:begin -->", "<!-- word2vec:end -->"
TOOL_ORDER = {"seer": 0, "fasttext": 1, "gensim": 2}
TOOL_NAME = {"seer": "seer", "fasttext": "fastText", "gensim": "gensim"}


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


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}"


def section(out):
    meta = json.load(open(os.path.join(out, "meta.json")))
    runs = jsonl(os.path.join(out, "runs.jsonl"))
    evals = {e["name"]: e for e in jsonl(os.path.join(out, "evals.jsonl"))}
    for r in runs:
        e = evals.get(r["name"], {})
        a = e.get("analogy", {})
        r["analogy"] = a or None
        sims = e.get("similarity", {})
        r["ws353"] = next(iter(sims.values()), {}).get("spearman") if sims else None
    runs.sort(key=lambda r: (r["model"], r["loss"] != "ns", r["threads"], TOOL_ORDER.get(r["tool"], 9)))
    seer = {(r["model"], r["loss"], r["threads"]): r for r in runs if r["tool"] == "seer"}

    corpus = f"`{meta['corpus']}`" + (f", **slice of {meta['slice']} bytes only (a quick check, "
                                      "not the benchmark)**" if meta.get("slice") else "")
    lines = [BEGIN, "## word2vec: seer vs fastText vs gensim (issue 3)", "",
             f"Measured {meta['date'][:10]} on {meta['cores']} cores ({meta['cpu']}, {meta['memory_gb']} GB; "
             f"load average {meta['loadavg_start']:.2f} at the start), by `bench/word2vec_bench.sh build` "
             "(which writes this section). "
             f"seer {meta['seer']}, fastText {meta['fasttext']} (Debian), gensim {meta['gensim']} (Debian, "
             f"`{meta.get('gensim_input', 'corpus_file')}` input).", "",
             f"Corpus: {corpus}, {meta['corpus_words']:,} words after normalisation, {meta['epochs']} epoch(s). "
             "Every tool trains on the same token file, written once with the rule of "
             "`seer word2vec train --normalize --lowercase` (`<doc>` lines dropped, ASCII punctuation "
             "separates words, lowercase; seer trains on it without `--normalize`, and gives bit-identical "
             "vectors either way). Same hyperparameters for all: dim 100, window 5, negative 5 (or "
             "hierarchical softmax), sample 1e-3, min-count 5, learning rate 0.05 (CBOW) / 0.025 "
             "(skip-gram) decaying linearly.", "",
             "- *wall s*: the whole process (reading, vocabulary, training, writing the vectors).",
             "- *train s*: the training phase as the tool reports it (seer: its summary line; gensim: "
             "`train()` timed in the script; fastText: from its \"Number of labels\" line to the end of its "
             "progress line, read from stderr as it arrives).",
             "- *words/s* = corpus words x epochs / train s (the same word count for every tool).",
             "- *seer speed-up*: seer's words/s over the peer's, same model, loss and threads "
             "(in brackets: the ratio of whole-process wall times).",
             "- Quality, one evaluator for all (`seer word2vec eval`): analogy accuracy on questions-words "
             "restricted to the 30,000 most frequent words (semantic / syntactic / total, %, questions "
             "with an unknown word not answered) and WordSim-353 (all 353 pairs) Spearman rho.", "",
             "| model | loss | threads | tool | wall s | train s | words/s | seer speed-up | "
             "analogy sem / syn / total % | WS-353 rho | peak MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        ref = seer.get((r["model"], r["loss"], r["threads"]))
        speed = "-"
        if r["tool"] != "seer" and ref and r["words_per_second"] and ref["words_per_second"]:
            speed = (f"{ref['words_per_second'] / r['words_per_second']:.2f}x "
                     f"({r['wall_seconds'] / ref['wall_seconds']:.2f}x)")
        a = r["analogy"]
        quality = f"{pct(a['semantic'])} / {pct(a['syntactic'])} / **{pct(a['accuracy'])}**" if a else "-"
        ws = "-" if r["ws353"] is None else f"{r['ws353']:.3f}"
        failed = "" if r.get("exit_code", 0) == 0 else " (failed)"
        tool = TOOL_NAME.get(r["tool"], r["tool"])
        lines.append(f"| {r['model']} | {r['loss']} | {r['threads']} | {'**seer**' if r['tool'] == 'seer' else tool}"
                     f"{failed} | {r['wall_seconds']:.1f} | "
                     f"{'-' if r['train_seconds'] is None else format(r['train_seconds'], '.1f')} | "
                     f"{si(r['words_per_second'])} | {speed} | {quality} | {ws} | {r['max_rss_mb']:.0f} |")
    lines.append("")

    # The targets: >= 2x every peer's words/s, quality within 1 point of the best peer.
    targets = []
    for (model, loss, threads), ref in sorted(seer.items(), key=lambda kv: (kv[0][0], kv[0][1] != "ns", kv[0][2])):
        peers = [r for r in runs if r["tool"] != "seer" and (r["model"], r["loss"], r["threads"]) == (model, loss, threads)]
        if not peers:
            continue
        ratios = [ref["words_per_second"] / p["words_per_second"] for p in peers
                  if p["words_per_second"] and ref["words_per_second"]]
        cells = [f"{TOOL_NAME[p['tool']]} {ref['words_per_second'] / p['words_per_second']:.2f}x"
                 for p in peers if p["words_per_second"] and ref["words_per_second"]]
        speed_ok = "yes" if ratios and min(ratios) >= 2 else "**no**"
        best_a = max((p["analogy"]["accuracy"] for p in peers if p["analogy"]), default=None)
        best_w = max((p["ws353"] for p in peers if p["ws353"] is not None), default=None)
        da = (f"{100 * (ref['analogy']['accuracy'] - best_a):+.1f}" if ref["analogy"] and best_a is not None else "-")
        dw = (f"{100 * (ref['ws353'] - best_w):+.1f}" if ref["ws353"] is not None and best_w is not None else "-")
        quality_ok = "-"
        if da != "-" and dw != "-":
            quality_ok = "yes" if float(da) >= -1 and float(dw) >= -1 else "**no**"
        targets.append(f"| {model} | {loss} | {threads} | {', '.join(cells)} | {speed_ok} | {da} | {dw} | {quality_ok} |")
    if targets:
        lines += ["Targets of issue 3: seer's words/s >= 2x each peer's; analogy accuracy and WS-353 rho "
                  "within 1 point of the best peer (differences in points; rho x 100).", "",
                  "| model | loss | threads | seer speed-up | >= 2x | analogy vs best peer | "
                  "WS-353 vs best peer | quality met |",
                  "|---|---|---|---|---|---|---|---|"] + targets + [""]

    lines += ["Commands (as run; `bench/word2vec_peers.py gensim` is `Word2Vec(sg, vector_size=100, "
              "window=5, negative=5 or hs=1, sample=1e-3, min_count=5, epochs, workers=T, alpha, "
              "min_alpha=alpha*1e-4)`, then `build_vocab` and `train` on `corpus_file`):", "", "```",
              meta["prepare"]]
    lines += [r["command"] for r in runs]
    lines += [meta["eval"], "```", "", END]
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
