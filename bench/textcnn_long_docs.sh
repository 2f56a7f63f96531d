#!/usr/bin/env bash
# The text CNN on long documents (docs/BENCHMARKS.md, "Long documents"): 25,000 whole IMDB
# reviews as tsv: data, one epoch, time and peak memory.
#   train.tsv: the first 25,000 reviews of corpus-reviews/imdb-unsup.txt.gz that state no "N/10"
#     rating, labelled by a 30-word opinion lexicon (reviews where it ties are left out); the
#     labels are a rule, so dev accuracy only shows that the model learns it;
#   test.tsv: every review that states a rating (>= 7/10 pos, <= 4/10 neg): real labels.
# Usage: bench/textcnn_long_docs.sh VECTORS.bin   (e.g. made by bench/textcnn_vectors.sh)
# Environment: SEER [build/seer]  SEER_DATA [../shared/data]  OUT [bench/out/textcnn-long]
#   THREADS [2]  EMBEDDINGS [static]
set -euo pipefail
cd "$(dirname "$0")/.."
VECS=${1:?usage: bench/textcnn_long_docs.sh VECTORS.bin}
SEER=${SEER:-build/seer}
DATA=${SEER_DATA:-../shared/data}
OUT=${OUT:-bench/out/textcnn-long}
THREADS=${THREADS:-2}
EMBEDDINGS=${EMBEDDINGS:-static}
REVIEWS=$DATA/corpus-reviews/imdb-unsup.txt.gz
if [ ! -f "$REVIEWS" ]; then
  echo "textcnn_long_docs: $REVIEWS not found (set SEER_DATA); skipped" >&2
  exit 0
fi
mkdir -p "$OUT"
if [ ! -s "$OUT/train.tsv" ] || [ ! -s "$OUT/test.tsv" ]; then
  /usr/bin/python3 - "$REVIEWS" "$OUT" <<'PY'
import gzip, re, sys
reviews, out = sys.argv[1:]
POS = set("great excellent best wonderful love loved beautiful amazing perfect brilliant enjoyed "
          "favorite fantastic superb masterpiece".split())
NEG = set("bad worst awful terrible boring waste poor stupid horrible worse crap lame mess dull "
          "pathetic".split())
rating = re.compile(r"\b(10|[1-9])\s*/\s*10\b")
n_train = n_test = 0
with gzip.open(reviews, "rt", encoding="utf-8") as f, open(out + "/train.tsv", "w") as train, \
        open(out + "/test.tsv", "w") as test:
    for line in f:
        text = line.strip().replace("\t", " ")
        stated = rating.findall(text)
        if stated:
            r = int(stated[-1])
            if r >= 7 or r <= 4:
                test.write(("pos" if r >= 7 else "neg") + "\t" + text + "\n")
                n_test += 1
            continue
        if n_train >= 25000:
            continue
        words = re.findall(r"[a-z]+", text.lower())
        score = sum(w in POS for w in words) - sum(w in NEG for w in words)
        if score != 0:
            train.write(("pos" if score > 0 else "neg") + "\t" + text + "\n")
            n_train += 1
print(f"textcnn_long_docs: {n_train} train, {n_test} test reviews", file=sys.stderr)
PY
fi
rm -rf "$OUT/run"
set -x
/usr/bin/time -v -o "$OUT/time.txt" "$SEER" textcnn train --data "tsv:$OUT/train.tsv" --test "$OUT/test.tsv" \
  --cv 0 --epochs 1 --embeddings "$EMBEDDINGS" --vectors "$VECS" --threads "$THREADS" --seed 1 \
  --run "$OUT/run" --no-progress --json > "$OUT/result.json"
set +x
grep -E "Elapsed|Maximum resident" "$OUT/time.txt"
cat "$OUT/result.json"
