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
#   TOOLS ["peer seer"]: which sides to run
#   SEER_STEPS [2000]: the length of seer's schedule (cosine after warm-up), about what the last
#     EVAL_AT point allows; SEER_ARGS [--anchors auto]: more flags for `seer detect train`
#   PEER_ARGS [""]: more flags for bench/detection_peer.py (e.g. "--rpn-post-nms-test 300")
#   OUT [bench/out/detection]  DOC [docs/BENCHMARKS.md]
#   SKIP_BUILD [0]: 1 uses the seer binary as it is (no cmake --build)
#   SEER_DATA [../shared/data]: holds bccd/BCCD;  VOC [$SEER_DATA/bccd/BCCD]
set -euo pipefail
cd "$(dirname "$0")/.."

# The command line as given: the settings set in the environment, then the script and its argument.
INVOCATION=""
for v in SEER_DATA VOC BACKBONE MIN_SIZE MAX_SIZE THREADS BATCH SEED EVAL_AT MINUTES TOOLS PEER_ARGS SEER_STEPS SEER_ARGS \
         OUT DOC SKIP_BUILD; do
  if [ -n "${!v+x}" ]; then
    if [[ "${!v}" =~ ^[A-Za-z0-9_./:,+=-]+$ ]]; then INVOCATION+="$v=${!v} "; else INVOCATION+="$v=\"${!v}\" "; fi
  fi
done
INVOCATION+="bench/detection_bench.sh${1:+ $1}"

BUILD=${1:-build}
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
SEER_STEPS=${SEER_STEPS:-2000}
SEER_ARGS=${SEER_ARGS:---anchors auto}
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
  # seer trains in segments that end at the EVAL_AT points of training time (--max-minutes, then
  # --resume: the run continues exactly, its schedule spanning SEER_STEPS steps), and each
  # segment's model is tested by `seer detect test` (devkit results files, VOC07 mAP).
  run=$OUT/seer-$TAG
  [ "$SKIP_BUILD" = 1 ] || cmake --build "$BUILD" --target seer_cli -j "$THREADS" >/dev/null
  rm -rf "$run"
  mkdir -p "$run"
  load=$(cut -d' ' -f1 /proc/loadavg)
  echo "== seer $(git rev-parse --short HEAD): resnet-lite, ${MIN_SIZE}x$MAX_SIZE, $THREADS threads, eval at $EVAL_AT min"
  prev=0
  commands=()
  for point in ${EVAL_AT//,/ }; do
    segment=$("$PY" -c "print(f'{float(\"$point\") - float(\"$prev\"):g}')")
    resume=()
    [ "$prev" = 0 ] || resume=(--resume)
    # shellcheck disable=SC2086  # SEER_ARGS is a list of flags
    train=("$SEER" detect train --data "$VOC" --split trainval --eval-split none --run "$run/run"
           --short-side "$MIN_SIZE" --max-long-side "$MAX_SIZE" --threads "$THREADS" --batch "$BATCH"
           --seed "$SEED" --steps "$SEER_STEPS" $SEER_ARGS --max-minutes "$segment" --no-progress --json)
    "${train[@]}" "${resume[@]}" | tail -1 > "$run/train-${point}min.json"
    test=("$SEER" detect test --model "$run/run/model.pt" --data "$VOC" --split test --threads "$THREADS"
          --out "$run/eval-${point}min" --json)
    "${test[@]}" | tail -1 > "$run/test-${point}min.json"
    [ "$prev" = 0 ] && commands+=("${train[*]}" "${test[*]}")
    prev=$point
  done
  "$PY" - "$run" "$BACKBONE" "$MIN_SIZE" "$MAX_SIZE" "$THREADS" "$BATCH" "$EVAL_AT" "${commands[@]}" <<'PY'
import json, os, sys
run, backbone, min_size, max_size, threads, batch, eval_at = sys.argv[1:8]
commands = sys.argv[8:]
points = [float(p) for p in eval_at.split(",")]
evals, train_seconds, images = [], 0.0, 0.0
classes = []
for p in points:
    tag = f"{p:g}min"
    t = json.load(open(os.path.join(run, f"train-{tag}.json")))
    r = json.load(open(os.path.join(run, f"test-{tag}.json")))
    train_seconds += t["seconds"]
    images += t["seconds"] * t["items_per_second"]
    classes = list(r["ap"].keys())
    evals.append({"minutes": train_seconds / 60, "requested_minutes": p, "cut_short": False,
                  "train_seconds": train_seconds, "steps": t["steps"], "map": r["mAP"], "ap": r["ap"],
                  # the detector's time (resize, network, NMS), as the peer's timer around its model
                  # call; "seconds_per_image" adds reading and decoding the JPEG
                  "inference_seconds_per_image": r.get("model_seconds_per_image", r["seconds_per_image"]),
                  "inference_seconds_per_image_with_decoding": r["seconds_per_image"],
                  "results_dir": os.path.join(run, f"eval-{tag}")})
json.dump({"tool": "seer", "backbone": "resnet-lite (vs " + backbone + ")", "command": "\n".join(commands),
           "min_size": int(min_size), "max_size": int(max_size), "threads": int(threads), "batch": int(batch),
           "steps": evals[-1]["steps"] if evals else 0, "train_seconds": train_seconds,
           "train_images_per_second": images / train_seconds if train_seconds else None,
           "inference_seconds_per_image": evals[-1]["inference_seconds_per_image"] if evals else None,
           "classes": classes, "evals": evals, "eval_at_minutes": points, "skipped_eval_points": [],
           "stopped_by": "last eval point", "error": None},
          open(os.path.join(run, "result.json"), "w"), indent=1)
PY
  write_meta "$run" "$load"
fi

"$PY" bench/detection_report.py "$OUT" "$DOC"
