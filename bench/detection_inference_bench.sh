#!/bin/bash
# Inference speed of two trained detectors, seer's and torchvision's, measured in the same run:
# ROUNDS rounds, each timing the whole test split with `seer detect test` (with each SVD setting
# in SVDS too, and with --bf16 when BF16=1) and with `bench/detection_peer.py --eval-only` (also
# under bf16 autocast when BF16=1), one after the other, so that both
# tools see the same machine load. Each tool's time is its model time per image at batch 1 after
# 2 warm-up images (decoding excluded on both sides); the table gives the median over the rounds
# and the ratio peer / seer. Writes OUT/inference.md and OUT/rounds.jsonl.
#
#   SEER_MODEL=run/model.pt PEER_MODEL=peer/model.pt bench/detection_inference_bench.sh build
#
# Variables: SEER_MODEL, PEER_MODEL (a state_dict from detection_peer.py --save-model; required);
#   PEER_ARGS [--backbone resnet18-c4 --min-size 480 --max-size 720 --rpn-post-nms-test 300]: the
#   peer's model options, as it was trained; SEER_DATA [../shared/data], VOC [$SEER_DATA/bccd/BCCD],
#   SPLIT [test], THREADS [1], ROUNDS [3], SVDS ["256,128"]: space-separated rank lists for
#   `seer detect test --svd` ("" for none); BF16 [1]: also both tools in bfloat16 (CPU autocast);
#   OUT [bench/out/detection-inference].
set -euo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")/.." && pwd)
SEER=$BUILD/seer
PY=${PY:-/usr/bin/python3}
: "${SEER_MODEL:?SEER_MODEL=model.pt of a seer detector}" "${PEER_MODEL:?PEER_MODEL=model.pt from detection_peer.py --save-model}"
SEER_DATA=${SEER_DATA:-$HERE/../shared/data}
VOC=${VOC:-$SEER_DATA/bccd/BCCD}
SPLIT=${SPLIT:-test}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-3}
SVDS=${SVDS-256,128}
BF16=${BF16:-1}
PEER_ARGS=${PEER_ARGS:---backbone resnet18-c4 --min-size 480 --max-size 720 --rpn-post-nms-test 300}
OUT=${OUT:-$HERE/bench/out/detection-inference}
if [ ! -d "$VOC/Annotations" ]; then
  echo "detection_inference_bench: skipped, no VOC folder at $VOC (set SEER_DATA or VOC)"
  exit 0
fi
mkdir -p "$OUT"
: > "$OUT/rounds.jsonl"
for r in $(seq 1 "$ROUNDS"); do
  variants=("")
  for svd in $SVDS; do variants+=("--svd $svd"); done
  if [ "$BF16" = 1 ]; then
    variants+=("--bf16")
    for svd in $SVDS; do variants+=("--bf16 --svd $svd"); done
  fi
  for v in "${variants[@]}"; do
    label="seer${v:+ $v}"
    read -r -a flags <<< "$v"
    "$SEER" detect test --model "$SEER_MODEL" --data "$VOC" --split "$SPLIT" --threads "$THREADS" \
      --out "$OUT/seer-results" "${flags[@]}" --json 2>/dev/null | tail -1 |
      "$PY" -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'round': $r, 'tool': '$label', 'seconds': d['model_seconds_per_image'], 'mAP': d['mAP']}))" \
      >> "$OUT/rounds.jsonl"
  done
  peer_variants=("")
  [ "$BF16" = 1 ] && peer_variants+=(--bf16)
  for v in "${peer_variants[@]}"; do
    "$PY" "$HERE/bench/detection_peer.py" --data "$VOC" --test-split "$SPLIT" --threads "$THREADS" $PEER_ARGS \
      --eval-only "$PEER_MODEL" --out "$OUT/peer" $v 2>/dev/null | tail -1 |
      "$PY" -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({'round': $r, 'tool': 'torchvision${v:+ bf16}', 'seconds': d['inference_seconds_per_image'], 'mAP': d['map']}))" \
      >> "$OUT/rounds.jsonl"
  done
  tail -n $((${#variants[@]} + ${#peer_variants[@]})) "$OUT/rounds.jsonl" | sed 's/^/  /'
done
"$PY" - "$OUT" "$ROUNDS" "$THREADS" <<'EOF' | tee "$OUT/inference.md"
import json, statistics, sys
out, rounds, threads = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(l) for l in open(f"{out}/rounds.jsonl")]
tools = list(dict.fromkeys(r["tool"] for r in rows))
med = {t: statistics.median(r["seconds"] for r in rows if r["tool"] == t) for t in tools}
peer = med.get("torchvision")
print(f"| tool | mAP | inference s/img (median of {rounds} rounds, {threads} thread(s)) | speed-up over torchvision |")
print("|---|---:|---:|---:|")
for t in tools:
    m = [r["mAP"] for r in rows if r["tool"] == t][-1]
    print(f"| {t} | {m:.3f} | {med[t]:.3f} | {peer / med[t]:.2f}x |")
EOF
