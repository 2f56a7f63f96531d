#!/usr/bin/env bash
# Text CNN training speed, seer vs PyTorch: one epoch of Kim's CNN-rand on MR-sized synthetic
# data (bench/textcnn_speed.{cc,py}), at 1 and $THREADS threads, interleaved repetitions; prints
# a markdown table of seconds per epoch (median of the repetitions).
# Usage: bench/textcnn_bench.sh [build-dir]    (REPS=3 THREADS=2 STEPS=0 (0: a whole epoch))
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
OUT=bench/out/textcnn
THREADS=${THREADS:-2}
REPS=${REPS:-3}
STEPS=${STEPS:-0}
mkdir -p "$OUT"
[ "${SKIP_BUILD:-0}" = 1 ] || cmake --build "$BUILD" --target textcnn_speed -j "$THREADS" >/dev/null
: > "$OUT/speed.jsonl"
for t in 1 "$THREADS"; do
  for rep in $(seq "$REPS"); do
    "$BUILD/bench/textcnn_speed" --threads "$t" --steps "$STEPS" | tee -a "$OUT/speed.jsonl"
    "$BUILD/bench/textcnn_speed" --threads "$t" --steps "$STEPS" --impl conv2d | tee -a "$OUT/speed.jsonl"
    /usr/bin/python3 bench/textcnn_speed.py --threads "$t" --steps "$STEPS" | tee -a "$OUT/speed.jsonl"
    # The same peer with glibc malloc set as seer sets it in-process (seer::tune_allocator).
    MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 /usr/bin/python3 \
      bench/textcnn_speed.py --threads "$t" --steps "$STEPS" --label pytorch-malloc | tee -a "$OUT/speed.jsonl"
  done
done
/usr/bin/python3 - "$OUT/speed.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
tools = list(dict.fromkeys(r["tool"] for r in rows))
threads = sorted({r["threads"] for r in rows})
print("| tool | " + " | ".join(f"{t} thread{'s' if t > 1 else ''} (s/epoch)" for t in threads) + " |")
print("|---|" + "---|" * len(threads))
for tool in tools:
    cells = []
    for t in threads:
        v = [r["seconds_per_epoch"] for r in rows if r["tool"] == tool and r["threads"] == t]
        cells.append(f"{statistics.median(v):.1f}" if v else "-")
    print(f"| {tool} | " + " | ".join(cells) + " |")
PY
