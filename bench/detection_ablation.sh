#!/usr/bin/env bash
# Faster R-CNN ablations of the paper on a VOC folder (BCCD trainval -> test), from scratch:
#   * training schedule: approximate joint training vs the 4-step alternating one (Ren et al.
#     found them close in mAP, joint 25-50% faster);
#   * anchors: the paper's 9 (128, 256, 512 x 0.5, 1, 2) vs `--anchors auto` (from the boxes).
# Runs go two at a time, one thread each, so that both of a pair see the same machine load; each
# trains STEPS steps (cosine schedule) and is tested on the test split at its end. The table
# (mAP, per-class AP, training minutes, images/s) goes between <!-- ablation:begin/end --> of DOC.
#
# Usage: bench/detection_ablation.sh [build-dir]
# Environment: STEPS [800]  SIZE [480]  MAX_SIZE [720]  SEED [1]  OUT [bench/out/ablation]
#   DOC [docs/BENCHMARKS.md]  SEER_DATA [../shared/data]  VOC [$SEER_DATA/bccd/BCCD]
#   PAIRS ["joint-auto:alternating-auto joint-default:joint-auto"] (schedule-anchors, ':' pairs;
#   a run already in OUT with a result is reused, so the second pair's joint-auto is the first's)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SEER=$BUILD/seer
STEPS=${STEPS:-800}
SIZE=${SIZE:-480}
MAX_SIZE=${MAX_SIZE:-720}
SEED=${SEED:-1}
OUT=${OUT:-bench/out/ablation}
DOC=${DOC:-docs/BENCHMARKS.md}
DATA=${SEER_DATA:-../shared/data}
VOC=${VOC:-$DATA/bccd/BCCD}
PAIRS=${PAIRS:-joint-auto:alternating-auto joint-default:joint-auto}
if [ ! -d "$VOC/Annotations" ]; then
  echo "detection ablation: skipped, no VOC folder at $VOC (set SEER_DATA or VOC)"
  exit 0
fi
mkdir -p "$OUT"

run_one() {  # run_one NAME (schedule-anchors)
  local name=$1 schedule=${1%%-*} anchors=${1#*-} dir=$OUT/$1
  [ -f "$dir/result.json" ] && return 0
  rm -rf "$dir"
  mkdir -p "$dir"
  local cmd=("$SEER" detect train --data "$VOC" --split trainval --eval-split test --run "$dir/run"
             --short-side "$SIZE" --max-long-side "$MAX_SIZE" --threads 1 --batch 2 --seed "$SEED"
             --steps "$STEPS" --eval-every "$STEPS" --schedule "$schedule" --anchors "$anchors" --no-progress --json)
  echo "${cmd[*]}" > "$dir/command"
  "${cmd[@]}" 2> "$dir/stderr" | tail -1 > "$dir/result.json"
}

for pair in $PAIRS; do
  a=${pair%%:*}
  b=${pair#*:}
  echo "== $a | $b ($STEPS steps each, 1 thread each, side by side)"
  run_one "$a" &
  pa=$!
  run_one "$b" &
  pb=$!
  wait $pa
  wait $pb
done

/usr/bin/python3 - "$OUT" "$DOC" "$STEPS" "$SIZE" "$MAX_SIZE" "$(git rev-parse --short HEAD)" <<'PY'
import json, os, sys, datetime
out, doc, steps, size, max_size, commit = sys.argv[1:]
rows = []
for name in sorted(os.listdir(out)):
    path = os.path.join(out, name, "result.json")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        continue
    r = json.load(open(path))
    ev = r.get("eval", {})
    rows.append((name, r, ev, open(os.path.join(out, name, "command")).read().strip()))
lines = ["<!-- ablation:begin -->", "### Faster R-CNN ablations on BCCD (schedule, anchors)", "",
         f"Measured {datetime.date.today()} on 2 cores, seer {commit}: BCCD trainval -> test from scratch, "
         f"resnet-lite, {steps} steps of 2 images at {size} x {max_size}, cosine schedule; runs two at a time, "
         "one thread each (`bench/detection_ablation.sh build`). mAP: VOC07 11-point on the test split "
         "after the last step.", "",
         "| schedule | anchors | mAP | Platelets | RBC | WBC | training minutes | img/s |",
         "|---|---|---:|---:|---:|---:|---:|---:|"]
for name, r, ev, cmd in rows:
    schedule, anchors = name.split("-", 1)
    ap = lambda c: f"{ev.get('AP_' + c, float('nan')):.3f}"
    lines.append(f"| {schedule} | {'paper 9 (128-512 x 0.5-2)' if anchors == 'default' else anchors} | "
                 f"{ev.get('mAP', float('nan')):.3f} | {ap('Platelets')} | {ap('RBC')} | {ap('WBC')} | "
                 f"{r.get('seconds', float('nan')) / 60:.1f} | {r.get('items_per_second', float('nan')):.2f} |")
lines += ["", "Commands:", "", "```sh"] + [cmd for _, _, _, cmd in rows] + ["```", "<!-- ablation:end -->"]
section = "\n".join(lines) + "\n"
text = open(doc).read() if os.path.exists(doc) else ""
b, e = "<!-- ablation:begin -->", "<!-- ablation:end -->"
if b in text and e in text:
    text = text[:text.index(b)] + section.rstrip("\n") + text[text.index(e) + len(e):]
else:
    text = text.rstrip("\n") + "\n\n" + section
open(doc, "w").write(text)
print(section)
PY
