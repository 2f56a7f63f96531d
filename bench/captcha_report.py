#!/usr/bin/python3
"""Turns bench/captcha_bench.sh's outputs into the captcha section of docs/BENCHMARKS.md
(replacing the text between its markers)."""
import datetime
import json
import os
import platform
import statistics
import sys

BEGIN, END = "<!-- captcha:begin -->", "<!-- captcha:end -->"


def load(path):
    with open(path) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def records(run):
    with open(os.path.join(run, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main(out, doc):
    lines = [BEGIN, "## Captcha reader (issue 2)", "",
             f"Measured {datetime.date.today()} on {os.cpu_count()} cores ({cpu_model()}), "
             "by `bench/captcha_bench.sh build` (which writes this section).", ""]
    speed = os.path.join(out, "speed.jsonl")
    if os.path.exists(speed):
        rows = [json.loads(l) for l in open(speed) if l.strip()]
        lines += ["### Training speed: seer (C++) vs PyTorch (Python), same network",
                  "", "Images per second of one training step (forward, backward, Adam) of the "
                  "default network (96x32 input, blocks 32-64-128-256, four heads of 256 hidden units), batch 64, "
                  "fixed input, 30 timed steps; three interleaved runs of each, median shown "
                  "(and the range). Same network and the same LibTorch 1.13 kernels for convolutions, "
                  "batch norm, linear layers and Adam; seer adds its own fused ReLU + 2x2 max-pool "
                  "kernels (LibTorch's NCHW max_pool2d is the slowest layer here), a counter-based "
                  "dropout mask, gradients set to none, and glibc malloc settings that keep freed "
                  "activations in the process (`seer::tune_allocator`). PyTorch is run as a user runs it "
                  "(`zero_grad(set_to_none=True)`), and again with the same malloc settings through "
                  "the environment (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`) to show what "
                  "comes from the allocator alone.", "",
                  "| threads | seer img/s | PyTorch img/s | PyTorch + malloc settings img/s | seer / PyTorch | seer / PyTorch + malloc |",
                  "|---|---|---|---|---|---|"]
        def med(t, tool):
            v = sorted(r["images_per_second"] for r in rows if r["threads"] == t and r["tool"] == tool)
            return (statistics.median(v), v[0], v[-1]) if v else None
        for t in sorted({r["threads"] for r in rows}):
            s_, p_, q_ = med(t, "seer"), med(t, "pytorch"), med(t, "pytorch-malloc")
            cell = lambda m: f"{m[0]:.1f} ({m[1]:.0f}-{m[2]:.0f})" if m else "-"
            ratio = lambda m: f"{s_[0] / m[0]:.2f}x" if m else "-"
            lines.append(f"| {t} | {cell(s_)} | {cell(p_)} | {cell(q_)} | {ratio(p_)} | {ratio(q_)} |")
        lines.append("")
    joint = os.path.join(out, "joint-eval.json")
    if os.path.exists(joint):
        ev, tr = load(joint), load(os.path.join(out, "joint-train.json"))
        lines += ["### Generated 4-digit captchas",
                  "", "`seer captcha train --data generated --mode joint --steps 3300 "
                  "--max-minutes 15 --threads 2`, then `seer captcha eval` on 2,000 fresh "
                  "captchas of an unseen seed (`seer captcha generate --seed 777001`).", "",
                  "| steps | wall time | train img/s | char accuracy | whole-captcha accuracy |",
                  "|---|---|---|---|---|",
                  f"| {tr['steps']} | {tr['seconds'] / 60:.1f} min | {tr['items_per_second']:.0f} | "
                  f"{ev['char_accuracy'] * 100:.2f}% | {ev['sequence_accuracy'] * 100:.2f}% |", ""]
    modes = {m: os.path.join(out, f"mode-{m}") for m in ("joint", "alternate")}
    if all(os.path.exists(os.path.join(p, "metrics.jsonl")) for p in modes.values()):
        ev = {m: [r for r in records(p) if r["phase"] == "eval"] for m, p in modes.items()}
        lines += ["### Joint vs alternating multi-task training", "",
                  "Same network, data stream (seed 2), schedule and 1500 steps; accuracy on 1,000 "
                  "generated captchas of an unseen seed. Joint: one step = the sum of the four "
                  "head losses. Alternate: step s trains head s mod 4 through the shared trunk. "
                  "Times are each run's wall clock since its start, evaluations included (the "
                  "2026-11-28 16:05 run had compile jobs beside it at the lowest CPU priority, "
                  "nice 19). Alternating steps cost the same trunk forward and backward as joint "
                  "ones, so at equal time the comparison is the one at equal steps: joint training "
                  "learns faster per step, and alternate still trails it at 1500 steps.",
                  "", "| step | joint time | joint char / whole | alternate time | alternate char / whole |",
                  "|---|---|---|---|---|"]
        for a, b in zip(ev["joint"], ev["alternate"]):
            lines.append(f"| {a['step']} | {a['time']:.0f} s | {a['char_accuracy'] * 100:.1f}% / "
                         f"{a['sequence_accuracy'] * 100:.1f}% | {b['time']:.0f} s | "
                         f"{b['char_accuracy'] * 100:.1f}% / {b['sequence_accuracy'] * 100:.1f}% |")
        lines.append("")
    real = os.path.join(out, "real-eval.json")
    if os.path.exists(real):
        ev, tr = load(real), load(os.path.join(out, "real-train.json"))
        lines += ["### Real 6-digit captchas (`../shared/data/captcha-real-6digit`)", "",
                  "Trained only on `train_numbers_only/` (600 images; 10% held out for "
                  "evaluation during training), 160x32 input, batch 32, 100 epochs with random "
                  "affine jitter; evaluated on `test_numbers_only/`.", "",
                  "| test images | char accuracy | whole-captcha accuracy | training time |",
                  "|---|---|---|---|",
                  f"| {ev['count']} | {ev['char_accuracy'] * 100:.1f}% | "
                  f"{ev['sequence_accuracy'] * 100:.1f}% | {tr['seconds'] / 60:.1f} min |", ""]
    lines.append(END)
    section = "\n".join(lines)
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    tmp = doc + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, doc)
    print(section)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
