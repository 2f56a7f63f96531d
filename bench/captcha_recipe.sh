#!/usr/bin/env bash
# Issue 18's measurements of seer's folder recipe on ../shared/data/captcha-real-6digit, beside
# the CRNN-CTC peer (bench/captcha_crnn_peer.py, the Keras captcha OCR recipe), each run given the
# same wall time and threads:
#   official   train on train_numbers_only (600), test on test_numbers_only (40)
#   cv         5-fold cross-validation of the 600 (folds drawn once with a fixed seed): train on
#              4 folds, test on the fifth; mean and standard error of the whole-captcha accuracy
#   report     no runs, only the table and chart from OUT/results.jsonl (with APPEND=1)
#   curve      the learning curve: the first N of the 600 (same shuffle) for each N in SIZES,
#              tested on test_numbers_only (40) and, for N <= 600 - HELDOUT, also on the last
#              HELDOUT of the shuffle (200: the 40 test images are too few to tell the sizes
#              apart); with INIT=model.pt also fine-tuned from that model, and that model alone
#              tested as "0-init" (no real label)
# Results go to OUT/results.jsonl (one line per run: part, tool, fold or size, accuracies,
# seconds) and a markdown table is printed at the end.
#
# Usage: bench/captcha_recipe.sh [build-dir]
# Environment (defaults in brackets):
#   PARTS ["official cv curve"]  TOOLS ["seer peer"]  MINUTES [15]  THREADS [2]
#   SIZES ["50 100 200 400 600"]  HELDOUT [200]  FOLDS ["0 1 2 3 4"]: the cv folds to run (split them over two
#                 invocations with different OUT to use two cores)  FLAGS [""]: more `seer captcha train` flags (--head ctc ...)
#   INIT [""]: a model to fine-tune from in the curve (styled synthetic pretraining)
#   OUT [bench/out/captcha-recipe]  SEER_DATA [../shared/data]
#   PARALLEL [0]: 1 runs the tools at the same time (THREADS threads each), so that both see the
#                 same machine load; 0 one after the other
#   APPEND [0]: 1 adds to OUT/results.jsonl instead of starting it afresh
#   PEER_FLAGS [""]: more bench/captcha_crnn_peer.py flags; "--epochs 100000 --patience 100000"
#                 lets it use the whole wall time (the recipe's early stopping, patience 10 on the
#                 validation loss, can end it on the loss plateau before CTC starts to learn);
#                 its rows are then tagged tool "peer-full"
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SEER=$BUILD/seer
PY=/usr/bin/python3
PARTS=${PARTS:-official cv curve}
TOOLS=${TOOLS:-seer peer}
MINUTES=${MINUTES:-15}
THREADS=${THREADS:-2}
SIZES=${SIZES:-50 100 200 400 600}
HELDOUT=${HELDOUT:-200}
FOLDS=${FOLDS:-0 1 2 3 4}
FLAGS=${FLAGS:-}
INIT=${INIT:-}
OUT=${OUT:-bench/out/captcha-recipe}
DATA=${SEER_DATA:-../shared/data}/captcha-real-6digit
if [ ! -d "$DATA/train_numbers_only" ]; then
  echo "captcha recipe bench: skipped, no $DATA (set SEER_DATA to the folder holding captcha-real-6digit/)"
  exit 0
fi
[ -x "$SEER" ] || { echo "no $SEER: build first (make build)"; exit 1; }
mkdir -p "$OUT"
TRAIN=$(cd "$DATA/train_numbers_only" && pwd)
TEST=$(cd "$DATA/test_numbers_only" && pwd)

# The one shuffle of the 600 training images (seed 1), as a file list.
ls "$TRAIN" | grep -i '\.png$' | $PY -c 'import random,sys; n=sys.stdin.read().split(); random.Random(1).shuffle(n); print("\n".join(n))' > "$OUT/shuffled.txt"

# link_folder DIR FILE...: a folder of symlinks to training images.
link_folder() {
  local dir=$1; shift
  rm -rf "$dir"; mkdir -p "$dir"
  for f in "$@"; do ln -s "$TRAIN/$f" "$dir/$f"; done
}

# with_heldout RESULT MODEL N: RESULT (a JSON line) with the model's accuracy on the curve's
# held-out images added, when the first N of the shuffle leave them out.
with_heldout() {
  local res=$1 model=$2 n=$3
  if [ "$HELDOUT" -gt 0 ] && [ "$n" -le $(( ${#ALL[@]} - HELDOUT )) ]; then
    local h
    h=$("$SEER" captcha eval --model "$model" --data "$OUT/curve/heldout" --threads "$THREADS" --json)
    res=$($PY -c 'import json,sys; r=json.loads(sys.argv[1]); h=json.loads(sys.argv[2]);
r["heldout_sequence_accuracy"]=h["sequence_accuracy"]; r["heldout_count"]=h["count"]; print(json.dumps(r))' "$res" "$h")
  fi
  echo "$res"
}

# run_tool TOOL PART KEY TRAIN_DIR TEST_DIR [seer flags]: one run, its results line on stdout.
run_tool() {
  local tool=$1 part=$2 key=$3 train=$4 test=$5; shift 5
  local tag="$part-$key"
  (
    local t0 t1 res
    t0=$(date +%s.%N)
    if [ "$tool" = seer ]; then
      rm -rf "$OUT/runs/$tag"
      "$SEER" captcha train --data "$train" --length 6 --charset 0123456789 --max-minutes "$MINUTES" \
        --threads "$THREADS" --no-progress --json --run "$OUT/runs/$tag" $FLAGS "$@" > "$OUT/$tag-train.json" 2> "$OUT/$tag-train.log"
      res=$("$SEER" captcha eval --model "$OUT/runs/$tag/model.pt" --data "$test" --threads "$THREADS" --json)
      # Training speed (images/s over the training loop, evaluations included) from the train line.
      res=$($PY -c 'import json,sys; r=json.loads(sys.argv[1]); t=json.loads(open(sys.argv[2]).read().strip().splitlines()[-1]);
r["images_per_second"]=t["items_per_second"]; print(json.dumps(r))' "$res" "$OUT/$tag-train.json")
      if [ "$part" = curve ]; then res=$(with_heldout "$res" "$OUT/runs/$tag/model.pt" "${key%-init}"); fi
    else
      res=$($PY bench/captcha_crnn_peer.py --train "$train" --test "$test" --length 6 --charset 0123456789 \
        --max-minutes "$MINUTES" --threads "$THREADS" ${PEER_FLAGS:-} --json 2> "$OUT/$tag-peer.log" | tail -1)
      [ -z "${PEER_FLAGS:-}" ] || tool=peer-full
    fi
    t1=$(date +%s.%N)
    $PY -c 'import json,sys; r=json.loads(sys.argv[1]); print(json.dumps({"part":sys.argv[2],"key":sys.argv[3],"tool":sys.argv[4],
      "char_accuracy":r["char_accuracy"],"sequence_accuracy":r["sequence_accuracy"],"seconds":float(sys.argv[5]),
      "images_per_second":r.get("images_per_second"),"minutes":float(sys.argv[6]),"threads":int(sys.argv[7]),"parallel":sys.argv[8]=="1"}))' \
      "$res" "$part" "$key" "$tool" "$(echo "$t1 - $t0" | bc)" "$MINUTES" "$THREADS" "${PARALLEL:-0}"
  )
}

# run_one PART KEY TRAIN_DIR TEST_DIR [seer flags]: one run of each tool, a results line each.
run_one() {
  if [ "${PARALLEL:-0}" = 1 ]; then
    local pids=() tool
    for tool in $TOOLS; do run_tool "$tool" "$@" > "$OUT/.line-$tool" & pids+=($!); done
    for pid in "${pids[@]}"; do wait "$pid"; done
    for tool in $TOOLS; do tee -a "$OUT/results.jsonl" < "$OUT/.line-$tool"; rm -f "$OUT/.line-$tool"; done
  else
    for tool in $TOOLS; do run_tool "$tool" "$@" | tee -a "$OUT/results.jsonl"; done
  fi
}

[ "${APPEND:-0}" = 1 ] || : > "$OUT/results.jsonl"
mapfile -t ALL < "$OUT/shuffled.txt"
for part in $PARTS; do
  case $part in
    official) run_one official all "$TRAIN" "$TEST" ;;
    cv)
      for k in $FOLDS; do
        train_files=(); test_files=()
        for i in "${!ALL[@]}"; do
          if [ $((i % 5)) = "$k" ]; then test_files+=("${ALL[$i]}"); else train_files+=("${ALL[$i]}"); fi
        done
        link_folder "$OUT/folds/$k/train" "${train_files[@]}"
        link_folder "$OUT/folds/$k/test" "${test_files[@]}"
        run_one cv "fold$k" "$OUT/folds/$k/train" "$OUT/folds/$k/test"
      done ;;
    curve)
      link_folder "$OUT/curve/heldout" "${ALL[@]:${#ALL[@]}-HELDOUT}"
      if [ -n "$INIT" ]; then  # the pretrained model alone: no real label
        res=$(with_heldout "$("$SEER" captcha eval --model "$INIT" --data "$TEST" --threads "$THREADS" --json)" "$INIT" 0)
        $PY -c 'import json,sys; r=json.loads(sys.argv[1]); r.update({"part":"curve","key":"0-init","tool":"seer","seconds":0,
          "minutes":float(sys.argv[2]),"threads":int(sys.argv[3]),"parallel":False}); r.pop("position_accuracy",None);
r.pop("worst_position_errors",None); print(json.dumps(r))' "$res" "$MINUTES" "$THREADS" | tee -a "$OUT/results.jsonl"
      fi
      for n in $SIZES; do
        link_folder "$OUT/curve/$n" "${ALL[@]:0:$n}"
        run_one curve "$n" "$OUT/curve/$n" "$TEST"
        if [ -n "$INIT" ]; then TOOLS=seer run_one curve "$n-init" "$OUT/curve/$n" "$TEST" --init "$INIT"; fi
      done ;;
    report) ;;  # no runs: the table (and the curve's chart) from OUT/results.jsonl as it stands
    *) echo "unknown part '$part' (official cv curve report)"; exit 1 ;;
  esac
done

# The table: every run, then the cross-validation's mean and standard error per tool.
rm -f "$OUT/curve.csv"
$PY - "$OUT/results.jsonl" "$OUT/curve.csv" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
# The learning curve as a CSV for `seer plot`: whole-captcha accuracy (%) against labelled images.
# Columns: (variant, test set); variant 0 seer from scratch, 1 seer fine-tuned from INIT, 2 the peer.
names = ["seer from scratch", "seer, styled pretraining then fine-tuned", "CRNN-CTC peer"]
sets = [("heldout_sequence_accuracy", "{} held-out"), ("sequence_accuracy", "40 test")]
curve = {}
for r in rows:
    if r["part"] == "curve":
        init = r["key"].endswith("-init")
        variant = 2 if r["tool"] != "seer" else 1 if init else 0
        n = int(r["key"][:-5] if init else r["key"])
        for si, (field, _) in enumerate(sets):
            if r.get(field) is not None:
                curve.setdefault(n, {})[(variant, si)] = 100 * r[field]
                if si == 0: heldout_count = r.get("heldout_count", 0)
used = sorted({c for v in curve.values() for c in v})
if curve:
    with open(sys.argv[2], "w") as f:
        f.write(",".join(["labelled images"] + [f'"{names[v]}, {sets[si][1].format(heldout_count) if si == 0 else sets[si][1]}"'
                                                for v, si in used]) + "\n")
        for n in sorted(curve):
            f.write(f"{n}," + ",".join(f"{curve[n][c]:.1f}" if c in curve[n] else "" for c in used) + "\n")
print("| part | run | tool | threads | char accuracy | whole-captcha accuracy | training images/s | seconds |")
print("|---|---|---|---:|---:|---:|---:|---:|")
for r in rows:
    ips = r.get("images_per_second")
    print(f"| {r['part']} | {r['key']} | {r['tool']} | {r.get('threads', '')}{' (together)' if r.get('parallel') else ''} | "
          f"{100*r['char_accuracy']:.1f}% | {100*r['sequence_accuracy']:.1f}% | {ips if ips is None else round(ips)} | {r['seconds']:.0f} |")
for tool in sorted({r["tool"] for r in rows}):
    cv = [r["sequence_accuracy"] for r in rows if r["part"] == "cv" and r["tool"] == tool]
    if len(cv) > 1:
        se = statistics.stdev(cv) / len(cv) ** 0.5
        print(f"\n{tool}: 5-fold whole-captcha accuracy {100*statistics.mean(cv):.1f}% (SE {100*se:.1f})")
EOF
if [ -s "$OUT/curve.csv" ]; then
  "$SEER" plot --csv "$OUT/curve.csv" --out "$OUT/curve.png" --y-label "whole-captcha accuracy (%)" \
    --title "captcha-real-6digit: whole-captcha accuracy against real labels ($MINUTES min, $THREADS thread(s) each)"
fi
