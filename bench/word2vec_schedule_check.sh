#!/usr/bin/env bash
# CBOW-NS quality of seer and gensim under word2vec.c's learning-rate schedule.
#
# gensim 4.2's corpus_file mode decays each worker's learning rate with that worker's own word
# count over the whole corpus's (word2vec_corpusfile.pyx, get_next_alpha), so with W workers
# the rate only falls 1/W of the way within an epoch and jumps back at the next one. With one
# worker, or with LineSentence input, gensim follows word2vec.c's linear decay, as seer does.
# This script trains CBOW-NS with the bench's settings (bench/word2vec_bench.sh: dim 100,
# window 5, negative 5, sample 1e-3, min-count 5, 3 epochs, alpha 0.05) for seeds 1..3:
#   gensim corpus_file, 1 worker | gensim LineSentence, 2 workers | seer 1 thread | seer 2 threads
# and prints analogy accuracy (30k restriction) and WordSim-353 rho per run and their means.
# Needs the token file of bench/word2vec_bench.sh (bench/out/word2vec/corpus.txt; it is
# prepared here when missing) and a built seer. About 12 minutes on 2 cores.
# Usage: bench/word2vec_schedule_check.sh [build-dir]   (SEEDS="1 2 3")
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SEER=$BUILD/seer
DATA=${SEER_DATA:-../shared/data}
OUT=bench/out/word2vec-schedule
CORPUS=bench/out/word2vec/corpus.txt
SEEDS=${SEEDS:-1 2 3}
QUESTIONS=$DATA/word-eval/questions-words.txt
WS353=$DATA/word-eval/word-sim/EN-WS-353-ALL.txt
if [ ! -f "$QUESTIONS" ]; then
  echo "word2vec_schedule_check: $DATA/word-eval not found (set SEER_DATA); skipped" >&2
  exit 0
fi
mkdir -p "$OUT" bench/out/word2vec
[ -s "$CORPUS" ] || /usr/bin/python3 bench/word2vec_peers.py prepare "$DATA/corpus/wikiextractor-enwiki-AA" "$CORPUS"
: > "$OUT/results.txt"
evaluate() {  # NAME SEED VECS
  "$SEER" word2vec eval "$3" --analogies "$QUESTIONS" --restrict 30000 --similarity "$WS353" --json |
    /usr/bin/python3 -c "
import json, sys
d = json.load(sys.stdin)
print('$1', '$2', 100 * d['analogy']['accuracy'], d['similarity']['EN-WS-353-ALL.txt']['spearman'])" \
      | tee -a "$OUT/results.txt"
}
for s in $SEEDS; do
  /usr/bin/python3 bench/word2vec_peers.py gensim --input "$CORPUS" --output "$OUT/gensim-file-w1-s$s.bin" \
    --sg 0 --hs 0 --threads 1 --epochs 3 --alpha 0.05 --seed "$s" >/dev/null
  evaluate "gensim-corpus_file-1-worker" "$s" "$OUT/gensim-file-w1-s$s.bin"
  /usr/bin/python3 bench/word2vec_peers.py gensim --input "$CORPUS" --output "$OUT/gensim-lines-w2-s$s.bin" \
    --sg 0 --hs 0 --threads 2 --lines --epochs 3 --alpha 0.05 --seed "$s" >/dev/null
  evaluate "gensim-LineSentence-2-workers" "$s" "$OUT/gensim-lines-w2-s$s.bin"
  for t in 1 2; do
    "$SEER" word2vec train --input "$CORPUS" --output "$OUT/seer-t$t-s$s.bin" --model cbow --loss ns \
      --dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs 3 --alpha 0.05 \
      --threads "$t" --seed "$s" --quiet
    evaluate "seer-$t-thread" "$s" "$OUT/seer-t$t-s$s.bin"
  done
done
/usr/bin/python3 - "$OUT/results.txt" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, seed, analogy, rho = line.split()
    runs[name].append((float(analogy), float(rho)))
print("| run | seeds | analogy % mean (range) | WS-353 rho mean (range) |")
print("|---|---:|---|---|")
for name, v in runs.items():
    a = [x[0] for x in v]
    r = [x[1] for x in v]
    print(f"| {name} | {len(v)} | {statistics.mean(a):.1f} ({min(a):.1f}-{max(a):.1f}) | "
          f"{statistics.mean(r):.3f} ({min(r):.3f}-{max(r):.3f}) |")
PY
