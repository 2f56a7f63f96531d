#!/bin/sh
# RoI ops benchmark: seer's roi_pool / roi_align against torchvision's on the same inputs.
#   bench/detection_roi_ops_bench.sh [BUILD_DIR] [REPS]
# Builds the `detection_roi_ops` target (-j2), writes inputs and torchvision's results with
# Debian's Python (/usr/bin/python3), runs the C++ side (which checks equality), prints a
# markdown table. Scratch files go to a temporary folder, removed at the end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
reps=${2:-5}
py=/usr/bin/python3
cmake --build "$build" --target detection_roi_ops -j2 >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "torchvision ($("$py" -c 'import torchvision; print(torchvision.__version__)'))..." >&2
"$py" "$here/detection_roi_ops.py" data "$tmp" --reps "$reps" >"$tmp/tv.jsonl"
echo "seer..." >&2
"$build/bench/detection_roi_ops" "$tmp" --reps "$reps" >"$tmp/seer.jsonl"
"$py" "$here/detection_roi_ops.py" report "$tmp/tv.jsonl" "$tmp/seer.jsonl"
