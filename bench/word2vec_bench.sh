#!/usr/bin/env bash
# The word2vec benchmark of docs/BENCHMARKS.md (issue 3), in one run on this machine: seer vs
# Debian's fastText (pure word2vec: -minn 0 -maxn 0) vs Debian's gensim, with identical
# hyperparameters (dim 100, window 5, negative 5, sample 1e-3, min-count 5, learning rate 0.05
# for CBOW and 0.025 for skip-gram, decaying linearly), for CBOW and skip-gram with negative
# sampling at 1 and 2 threads, plus seer's hierarchical softmax; then every vectors file is
# evaluated by the same evaluator (seer word2vec eval: questions-words analogies restricted to
# the 30,000 most frequent words, WordSim-353 Spearman).
#
# All tools train on the same token file, written once by bench/word2vec_peers.py prepare with
# the rule of `seer word2vec train --normalize --lowercase` (drop <doc> lines, ASCII
# punctuation separates words, lowercase); seer trains on it without --normalize.
#
# Usage: bench/word2vec_bench.sh [build-dir]          (about 75 minutes on 2 cores)
# Environment (defaults in brackets):
#   MODELS ["cbow skipgram"]   THREADS ["1 2"]   EPOCHS [3]   TOOLS ["seer fasttext gensim"]
#   SEER_LOSSES ["ns hs"]      PEER_HS [0]: 1 also runs fastText and gensim with hierarchical softmax
#   SLICE: stop the prepared corpus after about this many bytes (300K, 5M ...; quick checks)
#   GENSIM_INPUT [corpus_file]: or "lines" (LineSentence)
#   OUT [bench/out/word2vec]   DOC [docs/BENCHMARKS.md]: the file whose section is rewritten
#   KEEP_VECTORS [0]: 1 keeps the vectors files after their evaluation
#   SEER_DATA [../shared/data]: holds corpus/ and word-eval/;  CORPUS [$SEER_DATA/corpus/wikiextractor-enwiki-AA]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SEER=$BUILD/seer
PY=/usr/bin/python3   # Debian's python, the one with python3-gensim
MODELS=${MODELS:-cbow skipgram}
THREADS=${THREADS:-1 2}
EPOCHS=${EPOCHS:-3}
TOOLS=${TOOLS:-seer fasttext gensim}
SEER_LOSSES=${SEER_LOSSES:-ns hs}
PEER_HS=${PEER_HS:-0}
SLICE=${SLICE:-}
GENSIM_INPUT=${GENSIM_INPUT:-corpus_file}
OUT=${OUT:-bench/out/word2vec}
DOC=${DOC:-docs/BENCHMARKS.md}
KEEP_VECTORS=${KEEP_VECTORS:-0}
DATA=${SEER_DATA:-../shared/data}
# The corpus folder holds PROVENANCE.md and the text in wikiextractor-enwiki-AA/ (a folder input
# is read non-recursively, so point at the text itself).
CORPUS=${CORPUS:-$DATA/corpus/wikiextractor-enwiki-AA}
QUESTIONS=$DATA/word-eval/questions-words.txt
WS353=$DATA/word-eval/word-sim/EN-WS-353-ALL.txt

if [ ! -e "$CORPUS" ]; then
  echo "word2vec bench: skipped, no corpus at $CORPUS (set SEER_DATA to the folder holding corpus/, or CORPUS)"
  exit 0
fi
for tool in $TOOLS; do
  case $tool in
    seer) ;;
    fasttext) command -v fasttext >/dev/null || { echo "fasttext missing: scripts/install-deps"; exit 1; } ;;
    gensim) $PY -c "import gensim" 2>/dev/null || { echo "gensim missing in $PY: scripts/install-deps"; exit 1; } ;;
    *) echo "unknown tool '$tool' in TOOLS (seer fasttext gensim)"; exit 1 ;;
  esac
done
cmake --build "$BUILD" --target seer_cli -j "${JOBS:-2}" >/dev/null

mkdir -p "$OUT/logs" "$OUT/vectors"
: > "$OUT/runs.jsonl"
: > "$OUT/evals.jsonl"

# ---- the one token file ------------------------------------------------------------------
TEXT=$OUT/corpus.txt
KEY="$(realpath -m "$CORPUS")|slice=${SLICE:-all}|$(md5sum bench/word2vec_peers.py | cut -c1-12)"
if [ ! -s "$TEXT" ] || [ ! -s "$OUT/corpus.json" ] || [ "$(cat "$OUT/corpus.key" 2>/dev/null)" != "$KEY" ]; then
  echo "== preparing $TEXT from $CORPUS${SLICE:+ (slice $SLICE)}"
  $PY bench/word2vec_peers.py prepare "$CORPUS" "$TEXT" ${SLICE:+--slice "$SLICE"} > "$OUT/corpus.json"
  echo "$KEY" > "$OUT/corpus.key"
fi
WORDS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["words"])' "$OUT/corpus.json")
echo "== corpus: $WORDS words ($(cat "$OUT/corpus.json"))"

# ---- what and where ----------------------------------------------------------------------
$PY - "$OUT/meta.json" <<EOF
import json, os, subprocess, sys, datetime, platform
def sh(cmd):
    try: return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError: return ""
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
json.dump({"date": datetime.datetime.now().isoformat(timespec="seconds"), "cpu": cpu, "cores": os.cpu_count(),
           "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
           "loadavg_start": os.getloadavg()[0], "kernel": platform.release(),
           "seer": sh("git rev-parse --short HEAD") + (" (modified)" if sh("git status --porcelain --untracked-files=no") else ""),
           "fasttext": sh("dpkg-query -W -f '\${Version}' fasttext"),
           "gensim": sh("$PY -c 'import gensim; print(gensim.__version__)'"),
           "corpus": "$CORPUS", "corpus_words": $WORDS, "slice": "$SLICE", "epochs": $EPOCHS,
           "prepare": "$PY bench/word2vec_peers.py prepare $CORPUS $TEXT${SLICE:+ --slice $SLICE}",
           "eval": "$SEER word2vec eval VECS --analogies $QUESTIONS --restrict 30000 --similarity $WS353 --json",
           "gensim_input": "$GENSIM_INPUT"},
          open(sys.argv[1], "w"), indent=1)
EOF

run() {  # run NAME TOOL MODEL LOSS THREADS VECTORS -- COMMAND...
  local name=$1 tool=$2 model=$3 loss=$4 threads=$5 vectors=$6
  shift 7
  echo "-- $name: $*"
  $PY bench/word2vec_peers.py run --name "$name" --tool "$tool" --model "$model" --loss "$loss" \
    --threads "$threads" --epochs "$EPOCHS" --words "$WORDS" --vectors "$vectors" \
    --log "$OUT/logs/$name.log" --out "$OUT/runs.jsonl" -- "$@" \
    || echo "!! $name failed (exit $?), see $OUT/logs/$name.log"
}

# ---- training: interleaved, so that a slower spell of the machine hits every tool ---------
V=$OUT/vectors
for model in $MODELS; do
  case $model in
    cbow) alpha=0.05 sg=0 ;;
    skipgram) alpha=0.025 sg=1 ;;
    *) echo "unknown model '$model' in MODELS (cbow skipgram)"; exit 1 ;;
  esac
  for t in $THREADS; do
    echo "== $model, $t thread(s), $EPOCHS epoch(s)"
    peer_losses=ns
    [ "$PEER_HS" = 1 ] && peer_losses="ns hs"
    for loss in ns hs; do
      for tool in $TOOLS; do
        name=$tool-$model-$loss-t$t
        case $tool in
          seer)
            [[ " $SEER_LOSSES " == *" $loss "* ]] || continue
            run "$name" seer "$model" "$loss" "$t" "$V/$name.bin" -- \
              "$SEER" word2vec train --input "$TEXT" --output "$V/$name.bin" --model "$model" --loss "$loss" \
              --dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs "$EPOCHS" \
              --alpha "$alpha" --threads "$t" --seed 1 --quiet ;;
          fasttext)
            [[ " $peer_losses " == *" $loss "* ]] || continue
            run "$name" fasttext "$model" "$loss" "$t" "$V/$name.vec" -- \
              fasttext "$model" -input "$TEXT" -output "$V/$name" -minn 0 -maxn 0 -bucket 0 -dim 100 -ws 5 \
              -neg 5 -loss "$loss" -t 1e-3 -minCount 5 -epoch "$EPOCHS" -lr "$alpha" -thread "$t" -verbose 2
            rm -f "$V/$name.bin" ;;  # fastText's own model file; the .vec is the vectors
          gensim)
            [[ " $peer_losses " == *" $loss "* ]] || continue
            hs=0
            [ "$loss" = hs ] && hs=1
            run "$name" gensim "$model" "$loss" "$t" "$V/$name.bin" -- \
              $PY bench/word2vec_peers.py gensim --input "$TEXT" --output "$V/$name.bin" --sg "$sg" --hs "$hs" \
              --threads "$t" --epochs "$EPOCHS" --alpha "$alpha" $([ "$GENSIM_INPUT" = lines ] && echo --lines) ;;
        esac
      done
    done
  done
done

# ---- evaluation: one evaluator for every vectors file ------------------------------------
if [ -f "$QUESTIONS" ] && [ -f "$WS353" ]; then
  echo "== evaluation: $SEER word2vec eval VECS --analogies $QUESTIONS --restrict 30000 --similarity $WS353 --json"
  $PY -c 'import json,sys; [print(json.loads(l)["name"], json.loads(l)["vectors"]) for l in open(sys.argv[1]) if l.strip()]' \
    "$OUT/runs.jsonl" | while read -r name vectors; do
    if [ ! -s "$vectors" ]; then echo "!! $name: no vectors at $vectors"; continue; fi
    if "$SEER" word2vec eval "$vectors" --analogies "$QUESTIONS" --restrict 30000 --similarity "$WS353" \
         --json > "$OUT/logs/$name.eval.json" 2> "$OUT/logs/$name.eval.err"; then
      $PY -c 'import json,sys; e=json.load(open(sys.argv[2])); e["name"]=sys.argv[1]; print(json.dumps(e))' \
        "$name" "$OUT/logs/$name.eval.json" | tee -a "$OUT/evals.jsonl" | $PY -c '
import json, sys
e = json.loads(sys.stdin.read()); a = e["analogy"]; s = next(iter(e["similarity"].values()))
print("%-28s analogy %5.1f%% (semantic %5.1f%%, syntactic %5.1f%%; %d of %d answered)  WS-353 rho %s"
      % (e["name"], 100 * a["accuracy"], 100 * a["semantic"], 100 * a["syntactic"], a["answered"], a["total"], s["spearman"]))'
    else
      echo "!! evaluating $name failed: $(tail -1 "$OUT/logs/$name.eval.err")"
    fi
    [ "$KEEP_VECTORS" = 1 ] || rm -f "$vectors"
  done
else
  echo "evaluation skipped: $QUESTIONS or $WS353 not found"
fi

$PY bench/word2vec_report.py "$OUT" "$DOC"
