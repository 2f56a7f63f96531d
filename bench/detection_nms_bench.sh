#!/bin/sh
# NMS benchmark: seer's nms against torchvision.ops.nms on the same RPN-like proposals.
#   bench/detection_nms_bench.sh [BUILD_DIR] [REPS]
# Builds the `detection_nms` target (-j2), writes inputs and torchvision's kept indices and
# timings with Debian's Python (/usr/bin/python3), runs the C++ side (which checks that the
# kept indices are identical), prints a markdown table. Scratch files go to a temporary
# folder, removed at the end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
reps=${2:-15}
py=/usr/bin/python3
cmake --build "$build" --target detection_nms -j2 >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "torchvision ($("$py" -c 'import torchvision; print(torchvision.__version__)'))..." >&2
"$py" "$here/detection_nms.py" data "$tmp" --reps "$reps" >"$tmp/tv.jsonl"
echo "seer..." >&2
status=0
"$build/bench/detection_nms" "$tmp" --reps "$reps" >"$tmp/seer.jsonl" || status=$?
"$py" "$here/detection_nms.py" report "$tmp/tv.jsonl" "$tmp/seer.jsonl"
exit "$status"
