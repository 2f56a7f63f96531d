#!/usr/bin/env bash
# The detector benchmark of docs/BENCHMARKS.md: Faster R-CNN trained from scratch on CPU on a
# PASCAL-VOC folder (BCCD: trainval -> test), seer against torchvision's Faster R-CNN
# (bench/detection_peer.py, Debian's /usr/bin/python3), same data, input size, threads, batch
# and time budget; VOC07 11-point mAP on the test split after 15, 30 and 60 minutes of training
# time, training images/s (evaluations excluded) and inference s/image (batch 1).
#
# One invocation runs one backbone / input size; each run keeps its folder in OUT
# (OUT/<tool>-<backbone>-<min>x<max>-t<threads>/ with result.json, meta.json and the devkit
# results files of every evaluation), and the report rewrites the section between
# <!-- detector:begin --> and <!-- detector:end --> of DOC from every run folder in OUT (the
# section is appended when DOC lacks the markers), so several invocations make one table:
#   BACKBONE=resnet18-c4 MIN_SIZE=480 MAX_SIZE=640 bench/detection_bench.sh build
#   BACKBONE=resnet18-fpn MIN_SIZE=480 MAX_SIZE=640 bench/detection_bench.sh build
#
# Usage: bench/detection_bench.sh [build-dir]
# Environment (defaults in brackets):
#   BACKBONE [resnet18-c4]: the peer's backbone (resnet18-fpn, mobilenet_v3-fpn, resnet18-c4)
#   MIN_SIZE [600]  MAX_SIZE [1000]: input size (shorter side, cap on the longer one)
#   THREADS [2]  BATCH [2]  SEED [1]
#   EVAL_AT [15,30,60]: minutes of training time at which the test split is evaluated
#   MINUTES [last EVAL_AT point + 30]: wall budget of each tool's run, evaluations included
#   TOOLS ["peer seer"]: which sides to run (seer's side is a placeholder until its detector lands)
#   PEER_ARGS [""]: more flags for bench/detection_peer.py (e.g. "--rpn-post-nms-test 300")
#   OUT [bench/out/detection]  DOC [docs/BENCHMARKS.md]
#   SKIP_BUILD [0]: 1 uses the seer binary as it is (no cmake --build)
#   SEER_DATA [../shared/data]: holds bccd/BCCD;  VOC [$SEER_DATA/bccd/BCCD]
set -euo pipefail
cd "$(dirname "$0")/.."

# The command line as given: the settings set in the environment, then the script and its argument.
INVOCATION=""
for v in SEER_DATA VOC BACKBONE MIN_SIZE MAX_SIZE THREADS BATCH SEED EVAL_AT MINUTES TOOLS PEER_ARGS \
         OUT DOC SKIP_BUILD; do
  if [ -n "${!v+x}" ]; then
    if [[ "${!v}" =~ ^[A-Za-z0-9_./:,+=-]+$ ]]; then INVOCATION+="$v=${!v} "; else INVOCATION+="$v=\"${!v}\" "; fi
  fi
done
INVOCATION+="bench/detection_bench.sh${1:+ $1}"

BUILD=${1:-build}
# shellcheck disable=SC2034  # used by the seer side once it is filled in
SEER=$BUILD/seer
PY=/usr/bin/python3   # Debian's python, the one with python3-torch and python3-torchvision
BACKBONE=${BACKBONE:-resnet18-c4}
MIN_SIZE=${MIN_SIZE:-600}
MAX_SIZE=${MAX_SIZE:-1000}
THREADS=${THREADS:-2}
BATCH=${BATCH:-2}
SEED=${SEED:-1}
EVAL_AT=${EVAL_AT:-15,30,60}
LAST_POINT=${EVAL_AT##*,}
MINUTES=${MINUTES:-$("$PY" -c "print(f'{float(\"$LAST_POINT\") + 30:g}')")}
TOOLS=${TOOLS:-peer seer}
PEER_ARGS=${PEER_ARGS:-}
OUT=${OUT:-bench/out/detection}
DOC=${DOC:-docs/BENCHMARKS.md}
SKIP_BUILD=${SKIP_BUILD:-0}
DATA=${SEER_DATA:-../shared/data}
VOC=${VOC:-$DATA/bccd/BCCD}

if [ ! -d "$VOC/Annotations" ]; then
  echo "detection bench: skipped, no VOC folder at $VOC (set SEER_DATA to the folder holding bccd/BCCD, or VOC)"
  exit 0
fi
mkdir -p "$OUT"
TAG=$BACKBONE-${MIN_SIZE}x$MAX_SIZE-t$THREADS

# meta.json of one run: when, the machine's load before and after, seer's commit, the invocation.
write_meta() {  # write_meta RUN_DIR LOAD_BEFORE
  "$PY" - "$1/meta.json" "$2" "$(cut -d' ' -f1 /proc/loadavg)" "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench || echo ' (modified)')" "$INVOCATION" <<'PY'
import datetime, json, sys
path, before, after, commit, invocation = sys.argv[1:]
json.dump({"date": datetime.datetime.now().isoformat(timespec="minutes"), "load_before": float(before),
           "load_after": float(after), "commit": commit, "invocation": invocation}, open(path, "w"), indent=1)
PY
}

if [[ " $TOOLS " == *" peer "* ]]; then
  run=$OUT/peer-$TAG
  rm -rf "$run"
  mkdir -p "$run"
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "== torchvision $("$PY" -c 'import torchvision; print(torchvision.__version__)'): $BACKBONE, ${MIN_SIZE}x$MAX_SIZE, $THREADS threads, eval at $EVAL_AT min"
  # shellcheck disable=SC2086  # PEER_ARGS is a list of flags
  "$PY" bench/detection_peer.py --backbone "$BACKBONE" --data "$VOC" --min-size "$MIN_SIZE" \
    --max-size "$MAX_SIZE" --threads "$THREADS" --batch "$BATCH" --seed "$SEED" \
    --minutes "$MINUTES" --eval-at "$EVAL_AT" --out "$run" $PEER_ARGS | tail -1 > "$run/stdout.json"
  write_meta "$run" "$load"
fi

if [[ " $TOOLS " == *" seer "* ]]; then
  run=$OUT/seer-$TAG
  echo "== seer: placeholder, not run yet (bench/detection_bench.sh, to be filled when 'seer detect train --arch faster-rcnn' lands)"
  # The lead fills this in: the same data, size, threads, batch, seed and budget, with the model
  # evaluated at each EVAL_AT point of training time, and the numbers written to
  # $run/result.json with the keys bench/detection_report.py reads (the peer's: tool, backbone,
  # command, train_images_per_second, inference_seconds_per_image, evals[{minutes,
  # train_seconds, steps, map, ap{class: AP}, results_dir}], ...). Roughly:
  #
  # [ "$SKIP_BUILD" = 1 ] || cmake --build "$BUILD" --target seer_cli -j "$THREADS" >/dev/null
  # rm -rf "$run"; mkdir -p "$run"
  # load=$(cut -d' ' -f1 /proc/loadavg)
  # "$SEER" detect train --arch faster-rcnn --data "$VOC" --split trainval --min-size "$MIN_SIZE" \
  #   --max-size "$MAX_SIZE" --threads "$THREADS" --batch "$BATCH" --seed "$SEED" \
  #   --max-minutes "$LAST_POINT" --run "$run/run" --json --no-progress | tail -1 > "$run/train.json"
  # for each checkpoint at an EVAL_AT point (or the final model.pt):
  # "$SEER" detect test --model "$run/run/model.pt" --data "$VOC" --split test --threads "$THREADS" \
  #   --detections "$run/eval-${LAST_POINT}min" --json > "$run/test-${LAST_POINT}min.json"
  # "$SEER" detect eval --data "$VOC" --split test --detections "$run/eval-${LAST_POINT}min" --metric voc07 --json
  # (collect train.json and the test-*.json into $run/result.json)
  # write_meta "$run" "$load"
fi

"$PY" bench/detection_report.py "$OUT" "$DOC"
