#!/usr/bin/env bash
# The word2vec benchmark of docs/BENCHMARKS.md (issue 3), on this machine: seer vs Debian's
# fastText (pure word2vec: -minn 0 -maxn 0) vs Debian's gensim, with identical hyperparameters
# (dim 100, window 5, negative 5, sample 1e-3, min-count 5; the peers' learning rate 0.05 for
# CBOW and 0.025 for skip-gram, decaying linearly, as word2vec.c; seer its defaults: the same for
# skip-gram, 0.075 falling to 1/6 of it for CBOW, issue 17's measured best), for CBOW and skip-gram with negative sampling, plus seer's
# hierarchical softmax; then every vectors file is evaluated by the same evaluator (seer word2vec
# eval: questions-words analogies restricted to the 30,000 most frequent words, WordSim-353
# Spearman).
#
# All tools train on the same token file, written once by bench/word2vec_peers.py prepare with
# the rule of `seer word2vec train --normalize --lowercase` (drop <doc> lines, ASCII
# punctuation and non-ASCII spaces, dashes and quotes separate words, lowercase); seer trains on it without --normalize. The file is
# kept in OUT and written again only when its key changes (corpus path, files, slice, rule).
#
# One table from several invocations: APPEND=1 keeps OUT's earlier runs, evaluations and meta
# (each invocation's date, load average, commit, epochs and command line) and adds to them; the
# report shows every row with its epochs, judges the speed target on every row (seer vs each
# peer at the same model, loss, threads and epochs) and the quality target only on rows with the
# issue's 3 epochs. The benchmark as published is two invocations:
#   MODELS="cbow skipgram" THREADS=2 EPOCHS=3 QUALITY_SEEDS="2 3" bench/word2vec_bench.sh build
#   MODELS="cbow skipgram" THREADS=1 EPOCHS=1 APPEND=1 bench/word2vec_bench.sh build
# (1-thread speed rows with 1 epoch: words/s is a rate per pass, and the 1-thread peers are slow).
#
# Usage: bench/word2vec_bench.sh [build-dir]
# Environment (defaults in brackets):
#   MODELS ["cbow skipgram"]   THREADS ["1 2"]   EPOCHS [3]   TOOLS ["seer fasttext gensim"]
#   SEER_LOSSES ["ns hs"]      PEER_HS [0]: 1 also runs fastText and gensim with hierarchical softmax
#   QUALITY_SEEDS [""]: extra seeds ("2 3") for the quality columns, only when EPOCHS=3: each
#       tool also trains once per extra seed, for the losses the peers run (ns; hs with PEER_HS=1);
#       those runs are evaluated, not timed into the speed columns; the report shows the mean
#       over all seeds (1 and these) with the range
#   APPEND [0]: 1 adds to OUT's earlier runs instead of starting over (same corpus key required)
#   SLICE: stop the prepared corpus after about this many bytes (300K, 5M ...; quick checks)
#   GENSIM_INPUT [corpus_file]: or "lines" (LineSentence)
#   OUT [bench/out/word2vec]   DOC [docs/BENCHMARKS.md]: the file whose section is rewritten
#       (the section is appended when the file lacks its markers)
#   KEEP_VECTORS [0]: 1 keeps the vectors files after their evaluation
#   SKIP_BUILD [0]: 1 uses the seer binary as it is (no cmake --build)
#   SEER_DATA [../shared/data]: holds corpus/ and word-eval/;  CORPUS [$SEER_DATA/corpus/wikiextractor-enwiki-AA]
set -euo pipefail
cd "$(dirname "$0")/.."

# The command line as given: the settings set in the environment, then the script and its argument.
INVOCATION=""
for v in SEER_DATA CORPUS SLICE MODELS THREADS EPOCHS TOOLS SEER_LOSSES PEER_HS QUALITY_SEEDS \
         GENSIM_INPUT KEEP_VECTORS SKIP_BUILD OUT DOC APPEND; do
  if [ -n "${!v+x}" ]; then
    if [[ "${!v}" =~ ^[A-Za-z0-9_./:,+=-]+$ ]]; then INVOCATION+="$v=${!v} "; else INVOCATION+="$v=\"${!v}\" "; fi
  fi
done
INVOCATION+="bench/word2vec_bench.sh${1:+ $1}"

BUILD=${1:-build}
SEER=$BUILD/seer
PY=/usr/bin/python3   # Debian's python, the one with python3-gensim
MODELS=${MODELS:-cbow skipgram}
THREADS=${THREADS:-1 2}
EPOCHS=${EPOCHS:-3}
TOOLS=${TOOLS:-seer fasttext gensim}
SEER_LOSSES=${SEER_LOSSES:-ns hs}
PEER_HS=${PEER_HS:-0}
QUALITY_SEEDS=${QUALITY_SEEDS:-}
APPEND=${APPEND:-0}
SLICE=${SLICE:-}
GENSIM_INPUT=${GENSIM_INPUT:-corpus_file}
OUT=${OUT:-bench/out/word2vec}
DOC=${DOC:-docs/BENCHMARKS.md}
KEEP_VECTORS=${KEEP_VECTORS:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
DATA=${SEER_DATA:-../shared/data}
ISSUE_EPOCHS=3   # the issue's settings: the quality target and the extra seeds apply to these rows
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
for s in $QUALITY_SEEDS; do
  [[ "$s" =~ ^[0-9]+$ ]] && [ "$s" != 1 ] || { echo "QUALITY_SEEDS: '$s' is not a seed other than 1 (seed 1 is the timed run)"; exit 1; }
done
if [ -n "$QUALITY_SEEDS" ] && [ "$EPOCHS" != "$ISSUE_EPOCHS" ]; then
  echo "== QUALITY_SEEDS ignored: the extra seeds are for rows with $ISSUE_EPOCHS epochs, this invocation trains $EPOCHS"
  QUALITY_SEEDS=""
fi
if [ "$SKIP_BUILD" = 1 ]; then
  [ -x "$SEER" ] || { echo "SKIP_BUILD=1 but no $SEER"; exit 1; }
else
  cmake --build "$BUILD" --target seer_cli -j "${JOBS:-2}" >/dev/null
fi

mkdir -p "$OUT/logs" "$OUT/vectors"
if [ "$APPEND" != 1 ]; then
  : > "$OUT/runs.jsonl"
  : > "$OUT/evals.jsonl"
  rm -f "$OUT/meta.json"
  rm -rf "$OUT/logs" && mkdir -p "$OUT/logs"
fi
touch "$OUT/runs.jsonl" "$OUT/evals.jsonl"

# ---- the one token file ------------------------------------------------------------------
TEXT=$OUT/corpus.txt
KEY=$($PY bench/word2vec_peers.py prepare-key "$CORPUS" ${SLICE:+--slice "$SLICE"})
PREPARED=0
if [ ! -s "$TEXT" ] || [ ! -s "$OUT/corpus.json" ] || [ "$(cat "$OUT/corpus.key" 2>/dev/null)" != "$KEY" ]; then
  if [ "$APPEND" = 1 ] && [ -s "$OUT/runs.jsonl" ]; then
    echo "APPEND=1: the earlier runs in $OUT trained on another token file (key $(cat "$OUT/corpus.key" 2>/dev/null || echo none)," \
         "now $KEY); run without APPEND, or with the earlier settings (SLICE, CORPUS)"
    exit 1
  fi
  echo "== preparing $TEXT from $CORPUS${SLICE:+ (slice $SLICE)}"
  $PY bench/word2vec_peers.py prepare "$CORPUS" "$TEXT" ${SLICE:+--slice "$SLICE"} > "$OUT/corpus.json"
  echo "$KEY" > "$OUT/corpus.key"
  PREPARED=1
else
  echo "== reusing $TEXT (same key: $KEY)"
fi
WORDS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["words"])' "$OUT/corpus.json")
echo "== corpus: $WORDS words ($(cat "$OUT/corpus.json"))"

# ---- what and where: one entry per invocation in meta.json -------------------------------
PREPARE_CMD="$PY bench/word2vec_peers.py prepare $CORPUS $TEXT${SLICE:+ --slice $SLICE}"
EVAL_CMD="$SEER word2vec eval VECS --analogies $QUESTIONS --restrict 30000 --similarity $WS353 --json"
INV=$($PY - "$OUT/meta.json" "$INVOCATION" "$CORPUS" "$WORDS" "$SLICE" "$EPOCHS" "$THREADS" "$MODELS" \
        "$TOOLS" "$QUALITY_SEEDS" "$PREPARE_CMD" "$PREPARED" "$EVAL_CMD" "$GENSIM_INPUT" "$KEY" <<'EOF'
import json, os, subprocess, sys, datetime, platform
path, invocation, corpus, words, slice_, epochs, threads, models, tools, seeds, prepare, prepared, \
    evaluation, gensim_input, key = sys.argv[1:]
def sh(cmd):
    try: return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError: return ""
meta = json.load(open(path)) if os.path.exists(path) else {"invocations": []}
if "invocations" not in meta:  # the one-invocation format of earlier versions
    meta = {"invocations": [meta]}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
meta["invocations"].append({
    "invocation": invocation, "date": datetime.datetime.now().isoformat(timespec="seconds"),
    "cpu": cpu, "cores": os.cpu_count(),
    "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    "loadavg_start": os.getloadavg()[0], "kernel": platform.release(),
    "seer": sh("git rev-parse --short HEAD") + (" (modified)" if sh("git status --porcelain --untracked-files=no") else ""),
    "fasttext": sh("dpkg-query -W -f '${Version}' fasttext"),
    "gensim": sh("/usr/bin/python3 -c 'import gensim; print(gensim.__version__)'"),
    "corpus": corpus, "corpus_words": int(words), "corpus_key": key, "slice": slice_, "epochs": int(epochs),
    "threads": threads, "models": models, "tools": tools, "quality_seeds": seeds,
    "prepare": prepare, "prepared": prepared == "1", "eval": evaluation, "gensim_input": gensim_input})
tmp = path + ".tmp"
json.dump(meta, open(tmp, "w"), indent=1)
os.replace(tmp, path)
print(len(meta["invocations"]))
EOF
)
LOGS=$OUT/logs/inv$INV
mkdir -p "$LOGS"
echo "== invocation $INV of $OUT: $INVOCATION"

run() {  # run NAME TOOL MODEL LOSS THREADS SEED ROLE VECTORS -- COMMAND...
  local name=$1 tool=$2 model=$3 loss=$4 threads=$5 seed=$6 role=$7 vectors=$8
  shift 9
  echo "-- $name: $*"
  $PY bench/word2vec_peers.py run --name "$name" --tool "$tool" --model "$model" --loss "$loss" \
    --threads "$threads" --epochs "$EPOCHS" --words "$WORDS" --vectors "$vectors" --seed "$seed" \
    --invocation "$INV" --role "$role" --log "$LOGS/$name.log" --out "$OUT/runs.jsonl" -- "$@" \
    || echo "!! $name failed (exit $?), see $LOGS/$name.log"
}

V=$OUT/vectors
train() {  # train TOOL MODEL LOSS THREADS SEED: one run (seed 1: the timed row; others: quality only)
  local tool=$1 model=$2 loss=$3 t=$4 seed=$5 alpha sg hs=0 name=$1-$2-$3-t$4 role=speed
  case $model in
    cbow) alpha=0.05 sg=0 ;;
    skipgram) alpha=0.025 sg=1 ;;
  esac
  if [ "$seed" != 1 ]; then name+=-s$seed; role=quality; fi
  case $tool in
    seer)
      run "$name" seer "$model" "$loss" "$t" "$seed" "$role" "$V/$name.bin" -- \
        "$SEER" word2vec train --input "$TEXT" --output "$V/$name.bin" --model "$model" --loss "$loss" \
        --dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs "$EPOCHS" \
        --threads "$t" --seed "$seed" --quiet ;;  # seer's default schedule (CBOW: alpha 0.075 to 1/6)
    fasttext)
      run "$name" fasttext "$model" "$loss" "$t" "$seed" "$role" "$V/$name.vec" -- \
        fasttext "$model" -input "$TEXT" -output "$V/$name" -minn 0 -maxn 0 -bucket 0 -dim 100 -ws 5 \
        -neg 5 -loss "$loss" -t 1e-3 -minCount 5 -epoch "$EPOCHS" -lr "$alpha" -thread "$t" -seed "$seed" -verbose 2
      rm -f "$V/$name.bin" ;;  # fastText's own model file; the .vec is the vectors
    gensim)
      [ "$loss" = hs ] && hs=1
      run "$name" gensim "$model" "$loss" "$t" "$seed" "$role" "$V/$name.bin" -- \
        $PY bench/word2vec_peers.py gensim --input "$TEXT" --output "$V/$name.bin" --sg "$sg" --hs "$hs" \
        --threads "$t" --epochs "$EPOCHS" --alpha "$alpha" --seed "$seed" $([ "$GENSIM_INPUT" = lines ] && echo --lines) ;;
  esac
}

# ---- training: interleaved, so that a slower spell of the machine hits every tool ---------
peer_losses=ns
[ "$PEER_HS" = 1 ] && peer_losses="ns hs"
for model in $MODELS; do
  case $model in
    cbow|skipgram) ;;
    *) echo "unknown model '$model' in MODELS (cbow skipgram)"; exit 1 ;;
  esac
  for t in $THREADS; do
    echo "== $model, $t thread(s), $EPOCHS epoch(s)"
    for loss in ns hs; do
      for tool in $TOOLS; do
        if [ "$tool" = seer ]; then [[ " $SEER_LOSSES " == *" $loss "* ]] || continue
        else [[ " $peer_losses " == *" $loss "* ]] || continue; fi
        train "$tool" "$model" "$loss" "$t" 1
      done
    done
    for seed in $QUALITY_SEEDS; do
      echo "== $model, $t thread(s), $EPOCHS epoch(s): seed $seed (quality only)"
      for loss in $peer_losses; do
        for tool in $TOOLS; do
          [ "$tool" = seer ] && [[ " $SEER_LOSSES " != *" $loss "* ]] && continue
          train "$tool" "$model" "$loss" "$t" "$seed"
        done
      done
    done
  done
done

# ---- evaluation: one evaluator for every vectors file of this invocation ----------------
if [ -f "$QUESTIONS" ] && [ -f "$WS353" ]; then
  echo "== evaluation: $EVAL_CMD"
  $PY -c '
import json, sys
for l in open(sys.argv[1]):
    if l.strip():
        r = json.loads(l)
        if r.get("invocation", 1) == int(sys.argv[2]):
            print(r["name"], r.get("seed", 1), r["vectors"])' "$OUT/runs.jsonl" "$INV" | while read -r name seed vectors; do
    if [ ! -s "$vectors" ]; then echo "!! $name: no vectors at $vectors"; continue; fi
    if "$SEER" word2vec eval "$vectors" --analogies "$QUESTIONS" --restrict 30000 --similarity "$WS353" \
         --json > "$LOGS/$name.eval.json" 2> "$LOGS/$name.eval.err"; then
      $PY -c '
import json, sys
e = json.load(open(sys.argv[4]))
e.update(name=sys.argv[1], invocation=int(sys.argv[2]), seed=int(sys.argv[3]))
print(json.dumps(e))' "$name" "$INV" "$seed" "$LOGS/$name.eval.json" | tee -a "$OUT/evals.jsonl" | $PY -c '
import json, sys
e = json.loads(sys.stdin.read()); a = e["analogy"]; s = next(iter(e["similarity"].values()))
print("%-28s analogy %5.1f%% (semantic %5.1f%%, syntactic %5.1f%%; %d of %d answered)  WS-353 rho %s"
      % (e["name"], 100 * a["accuracy"], 100 * a["semantic"], 100 * a["syntactic"], a["answered"], a["total"], s["spearman"]))'
    else
      echo "!! evaluating $name failed: $(tail -1 "$LOGS/$name.eval.err")"
    fi
    [ "$KEEP_VECTORS" = 1 ] || rm -f "$vectors"
  done
else
  echo "evaluation skipped: $QUESTIONS or $WS353 not found"
fi

# The load average at the end, into this invocation's meta.
$PY - "$OUT/meta.json" <<'EOF'
import datetime, json, os, sys
meta = json.load(open(sys.argv[1]))
meta["invocations"][-1].update(loadavg_end=os.getloadavg()[0], end=datetime.datetime.now().isoformat(timespec="seconds"))
json.dump(meta, open(sys.argv[1] + ".tmp", "w"), indent=1)
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
EOF

$PY bench/word2vec_report.py "$OUT" "$DOC"
