#!/usr/bin/env bash
# The captcha benchmarks of docs/BENCHMARKS.md, in one run on this machine:
#   1. speed: training images/s of the same network in seer (C++) and PyTorch (Python),
#      same threads, batch and optimizer, interleaved runs;
#   2. accuracy on generated 4-digit captchas: train <= 15 minutes on 2 threads, evaluate on
#      2,000 fresh images of an unseen seed;
#   3. joint vs alternate multi-task training, accuracy against steps and wall time;
#   4. the real 6-digit captchas of ../shared/data (trained on train/, evaluated on test/).
# Usage: bench/captcha_bench.sh [build-dir]    (make bench builds what it needs)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SEER=$BUILD/seer
OUT=bench/out/captcha
THREADS=${THREADS:-2}
DATA=${SEER_DATA:-../shared/data}
mkdir -p "$OUT"
[ "${SKIP_BUILD:-0}" = 1 ] || cmake --build "$BUILD" --target captcha_speed seer_cli -j "$THREADS" >/dev/null

if [ "${SKIP_SPEED:-0}" != 1 ]; then
echo "== speed (threads 1 and $THREADS, batch 64)"
: > "$OUT/speed.jsonl"
for t in 1 "$THREADS"; do
  for rep in 1 2 3; do
    "$BUILD/bench/captcha_speed" --threads "$t" --batch 64 --steps 30 --warmup 3 | tee -a "$OUT/speed.jsonl"
    /usr/bin/python3 bench/captcha_speed.py --threads "$t" --batch 64 --steps 30 --warmup 3 | tee -a "$OUT/speed.jsonl"
    # The same peer with glibc malloc set as seer sets it in-process (seer::tune_allocator).
    MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1073741824 /usr/bin/python3 bench/captcha_speed.py \
      --threads "$t" --batch 64 --steps 30 --warmup 3 --label pytorch-malloc | tee -a "$OUT/speed.jsonl"
  done
done
fi

if [ "${SKIP_SYNTH:-0}" != 1 ]; then
echo "== generated 4-digit captchas: train (<= 15 min, $THREADS threads), evaluate on 2000 unseen"
rm -rf "$OUT/heldout" "$OUT/joint"
"$SEER" captcha generate --out "$OUT/heldout" --count 2000 --seed 777001 --threads "$THREADS"
"$SEER" captcha train --data generated --mode joint --steps 3300 --max-minutes 15 \
  --eval-every 250 --threads "$THREADS" --seed 1 --run "$OUT/joint" --json --no-progress | tail -1 > "$OUT/joint-train.json"
"$SEER" captcha eval --model "$OUT/joint/model.pt" --data "$OUT/heldout" --json > "$OUT/joint-eval.json"
cat "$OUT/joint-eval.json"
fi

if [ "${SKIP_MODES:-0}" != 1 ]; then
echo "== joint vs alternate, 1500 steps each"
for mode in joint alternate; do
  rm -rf "$OUT/mode-$mode"
  "$SEER" captcha train --data generated --mode "$mode" --steps 1500 --eval-every 250 \
    --threads "$THREADS" --seed 2 --run "$OUT/mode-$mode" --json --no-progress | tail -1 > "$OUT/mode-$mode.json"
done
fi

if [ "${SKIP_REAL:-0}" != 1 ]; then
if [ -d "$DATA/captcha-real-6digit" ]; then
  echo "== real 6-digit captchas"
  rm -rf "$OUT/real"
  "$SEER" captcha train --data "$DATA/captcha-real-6digit/train_numbers_only" --length 6 \
    --input-width 160 --input-height 32 --batch 32 --epochs 100 --eval-every 250 \
    --threads "$THREADS" --seed 1 --run "$OUT/real" --json --no-progress | tail -1 > "$OUT/real-train.json"
  "$SEER" captcha eval --model "$OUT/real/model.pt" --data "$DATA/captcha-real-6digit/test_numbers_only" \
    --json > "$OUT/real-eval.json"
  cat "$OUT/real-eval.json"
else
  echo "skipping the real captchas: $DATA/captcha-real-6digit not found (set SEER_DATA)"
fi
fi

/usr/bin/python3 bench/captcha_report.py "$OUT" docs/BENCHMARKS.md
