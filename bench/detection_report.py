#!/usr/bin/python3
"""Turns bench/detection_bench.sh's run folders into the detector section of docs/BENCHMARKS.md
(the text between its markers, appended when the file lacks them).

    bench/detection_report.py OUT DOC

OUT holds one folder per run (<tool>-<backbone>-<min>x<max>-t<threads>/), each with
result.json (bench/detection_peer.py's object; seer's runs are to be written with the same
keys: tool, backbone, command, versions, min_size, max_size, threads, batch, steps,
train_seconds, train_images_per_second, inference_seconds_per_image, classes, evals[{minutes,
requested_minutes, cut_short, train_seconds, steps, map, ap{class: AP}, inference_seconds_per_image,
results_dir}], skipped_eval_points, stopped_by, error) and meta.json (date, load_before,
load_after, commit, invocation; written by the bench script).
"""
import json
import os
import platform
import sys

BEGIN, END = "<!-- detector:begin -->", "<!-- detector:end -->"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def load_runs(out):
    runs = []
    for name in sorted(os.listdir(out)) if os.path.isdir(out) else []:
        path = os.path.join(out, name, "result.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            r = json.load(f)
        meta_path = os.path.join(out, name, "meta.json")
        r["meta"] = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
        r["name"] = name
        runs.append(r)
    return runs


def pct(v):
    return f"{v * 100:.1f}" if v is not None else "-"


def main(out, doc):
    runs = load_runs(out)
    lines = [BEGIN, "## Faster R-CNN from scratch on BCCD: seer vs torchvision", ""]
    if not runs:
        lines += ["No runs yet (`bench/detection_bench.sh build`).", "", END]
    else:
        points = sorted({p for r in runs for p in r.get("eval_at_minutes", [])} |
                        {e["requested_minutes"] for r in runs for e in r["evals"]})
        lines += [
            f"Measured on {os.cpu_count()} cores ({cpu_model()}) by `bench/detection_bench.sh`, which "
            "writes this section from every run folder in its OUT; the runs:", ""]
        for k, r in enumerate(runs, 1):
            m, v = r["meta"], r.get("versions", {})
            tool = "torchvision " + v.get("torchvision", "?") + " / torch " + v.get("torch", "?") \
                if r["tool"] == "torchvision" else r["tool"]
            lines.append(f"{k}. `{m.get('invocation', '?')}` ({r['name']}): {m.get('date', '?')}, load average "
                         f"{m.get('load_before', '?')} at the start, {m.get('load_after', '?')} at the end; "
                         f"seer {m.get('commit', '?')}; {tool}.")
        lines += ["",
                  "Trained from scratch (no pretrained weights) on `trainval` (292 images), evaluated on "
                  "`test` (72 images) with the VOC07 11-point AP (py-faster-rcnn's voc_eval: difficult "
                  "objects ignored, overlap > 0.5 with the devkit's +1 formula) computed from the devkit "
                  "results files each evaluation writes. Same input size, threads, batch (SGD lr 0.02, "
                  "momentum 0.9, weight decay 1e-4, 200 warm-up steps, horizontal flips) and seed for "
                  "both tools. *train img/s*: images per second of training time (evaluations excluded); "
                  "*inference*: seconds per test image at batch 1 after 2 warm-up images, at the last "
                  "evaluation; *mAP @ M min*: after M minutes of training time (a cut-short evaluation, "
                  "made when the wall budget ran out first, shows its actual minutes in brackets).", "",
                  "| tool | backbone | input | threads | batch | steps | train img/s | inference s/img | "
                  + " | ".join(f"mAP @ {p:g} min %" for p in points) + " |",
                  "|---|---|---|---:|---:|---:|---:|---:|" + "---:|" * len(points)]
        for r in runs:
            cells = []
            for p in points:
                e = next((e for e in r["evals"] if e["requested_minutes"] == p), None)
                if e is None:
                    cells.append("-")
                elif e.get("cut_short"):
                    cells.append(f"{pct(e['map'])} ({e['minutes']:.1f} min)")
                else:
                    cells.append(pct(e["map"]))
            ips, inf = r.get("train_images_per_second"), r.get("inference_seconds_per_image")
            tool = f"**{r['tool']}**" if r["tool"] == "seer" else r["tool"]
            lines.append(f"| {tool} | {r['backbone']} | {r['min_size']} / {r['max_size']} | {r['threads']} | "
                         f"{r['batch']} | {r['steps']} | {f'{ips:.2f}' if ips else '-'} | "
                         f"{f'{inf:.3f}' if inf else '-'} | " + " | ".join(cells) + " |")
        lines += ["", "Per-class AP (VOC07, %) at each evaluation:", "",
                  "| tool | backbone | input | minutes | train s | steps | "
                  + " | ".join(runs[0].get("classes", [])) + " | mAP |",
                  "|---|---|---|---:|---:|---:|" + "---:|" * (len(runs[0].get("classes", [])) + 1)]
        for r in runs:
            for e in r["evals"]:
                lines.append(f"| {r['tool']} | {r['backbone']} | {r['min_size']} / {r['max_size']} | "
                             f"{e['minutes']:g}{' (cut short)' if e.get('cut_short') else ''} | "
                             f"{e['train_seconds']:.0f} | {e['steps']} | "
                             + " | ".join(pct(e["ap"].get(c)) for c in r.get("classes", [])) +
                             f" | **{pct(e['map'])}** |")
        notes = [f"- {r['name']}: stopped by {r['stopped_by']}"
                 + (f", evaluation points not reached: {', '.join(f'{p:g}' for p in r['skipped_eval_points'])} min"
                    if r.get("skipped_eval_points") else "")
                 + (f"; error: {r['error']}" if r.get("error") else "")
                 for r in runs if r.get("error") or r.get("skipped_eval_points")
                 or r.get("stopped_by") not in ("last eval point", None)]
        if notes:
            lines += [""] + notes
        lines += ["", "Commands (as run):", "", "```"]
        lines += [r.get("command", "?") for r in runs]
        lines += ["```", "", END]
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
