#!/usr/bin/python3
"""Helpers of bench/word2vec_bench.sh (run with Debian's /usr/bin/python3, which has gensim).

  prepare RAW_DIR_OR_FILE OUT.txt [--slice BYTES]
      Writes the one token file every tool trains on, with the rule of
      `seer word2vec train --normalize --lowercase` (src/seer/word2vec/text_reader.cc):
        - the input is the byte stream of the file, or of the folder's files (not hidden) in
          name order; lines are split on "\\n" only;
        - a line starting with "<doc ", "<doc>" or "</doc>" is dropped whole;
        - every ASCII byte that is not [A-Za-z0-9] separates words and is dropped (wikifil.pl
          style: "don't." -> "don t"), and so do the non-ASCII separators of separator_length
          (Unicode spaces, General Punctuation U+2000-U+205F but the joiners U+200C/U+200D,
          U+00A1, U+00AB, U+00BB, U+00BF, U+3001-U+3002, U+FEFF); other UTF-8 characters stay
          inside words;
        - a token longer than 1000 bytes is cut to 1000 (at a UTF-8 character boundary);
        - lowercasing: ASCII A-Z, and the two-byte capitals of Latin-1, Latin Extended-A,
          Greek and Cyrillic (the table of lowercase_utf8; byte lengths never change);
        - each kept line is written as its tokens joined by one space; blank lines stay (each
          newline is one "</s>" sentence break for seer, word2vec.c and fastText).
      So `seer word2vec train --input OUT.txt` (no --normalize/--lowercase) sees exactly the
      token stream that `--normalize --lowercase` makes from the raw corpus. --slice stops after
      about BYTES of output (at a line end). Prints {"words": N, "bytes": B, "lines": L}.

  prepare-key RAW_DIR_OR_FILE [--slice BYTES]
      Prints the key of the token file that prepare would write: the input's real path, the
      slice, a hash of the rule (the source of the functions and constants prepare uses) and a
      hash of the input files' names, sizes and modification times. The bench prepares again
      only when the key changes (not when other parts of this file change).

  gensim --input TXT --output VECS.bin --sg 0|1 [--hs 0|1] --threads T --epochs E --alpha A
         [--seed S] [--lines]
      Trains gensim's Word2Vec (corpus_file mode, or LineSentence with --lines) with the
      bench's hyperparameters and Word2Vec(seed=S) (default 1), and prints
      {"vocab_seconds", "train_seconds", ...}.

  run --name NAME --tool TOOL --model M --loss L --threads T --epochs E --words N
      --vectors PATH --log LOG --out RUNS.jsonl [--seed S] [--invocation I] [--role R]
      -- COMMAND...
      Runs COMMAND, measures the whole-process wall time and peak memory, takes the training
      time the tool reports (seer: its summary line; gensim: the JSON above; fastText: the
      time from "Number of labels" to the end of its progress line, read as stderr arrives)
      and appends one JSON line to RUNS.jsonl, with the seed, the invocation of the bench (its
      number in OUT/meta.json) and the role ("speed": a timed row of the report; "quality": an
      extra seed, only its evaluation is reported).
"""
import argparse
import hashlib
import inspect
import json
import os
import re
import resource
import subprocess
import sys
import threading
import time

DOC_PREFIXES = (b"<doc ", b"<doc>", b"</doc>")
SEPARATORS = re.compile(rb"(?:[^A-Za-z0-9\x80-\xff]|\xc2[\x85\xa0\xa1\xab\xbb\xbf]|\xe1\x9a\x80"
                        rb"|\xe2\x80[\x80-\x8b\x8e-\xbf]|\xe2\x81[\x80-\x9f]|\xe3\x80[\x80-\x82]"
                        rb"|\xef\xbb\xbf)+")
MAX_WORD_BYTES = 1000


def lower_code_point(cp):
    """lower_code_point() of text_reader.cc, for two-byte code points (U+0080..U+07FF)."""
    if 0xC0 <= cp <= 0xDE and cp != 0xD7: return cp + 0x20
    if 0x100 <= cp <= 0x137 and cp != 0x130: return cp | 1
    if 0x139 <= cp <= 0x148 and cp & 1: return cp + 1
    if 0x14A <= cp <= 0x177: return cp | 1
    if cp == 0x178: return 0xFF
    if 0x179 <= cp <= 0x17E and cp & 1: return cp + 1
    if 0x391 <= cp <= 0x3A9 and cp != 0x3A2: return cp + 0x20
    if cp == 0x386: return 0x3AC
    if 0x388 <= cp <= 0x38A: return cp + 0x25
    if cp == 0x38C: return 0x3CC
    if cp in (0x38E, 0x38F): return cp + 0x3F
    if 0x410 <= cp <= 0x42F: return cp + 0x20
    if 0x400 <= cp <= 0x40F: return cp + 0x50
    return cp


LOWER = {cp: lower_code_point(cp) for cp in range(0x80, 0x800) if lower_code_point(cp) != cp}


def cut(token):
    """Cuts a token to MAX_WORD_BYTES without leaving an incomplete UTF-8 sequence at its end."""
    if len(token) < MAX_WORD_BYTES:
        return token
    token = token[:MAX_WORD_BYTES]
    lead = len(token)
    while lead > 0 and token[lead - 1] & 0xC0 == 0x80:
        lead -= 1
    if lead > 0 and token[lead - 1] >= 0xC0:
        b = token[lead - 1]
        need = 4 if b >= 0xF0 else 3 if b >= 0xE0 else 2
        if len(token) - (lead - 1) < need:
            token = token[:lead - 1]
    return token


def lower(token):
    token = token.lower()  # bytes.lower(): ASCII A-Z only
    if max(token) >= 0x80:
        token = token.decode("utf-8", "surrogateescape").translate(LOWER).encode("utf-8", "surrogateescape")
    return token


def input_files(path):
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path) if not n.startswith(".")
                       and os.path.isfile(os.path.join(path, n)))
        return [os.path.join(path, n) for n in names]
    return [path]


def parse_bytes(text):
    text = str(text).strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * scale)


def prepare(args):
    limit = parse_bytes(args.slice) if args.slice else 0
    words = lines = written = 0
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as out:
        # Tokens of a file's last line when it lacks its "\n": the file's end ends the token but
        # is no sentence break in seer, so they lead the next line written.
        carry = []
        done = False
        for path in input_files(args.input):
            with open(path, "rb") as f:
                parts = f.read().split(b"\n")
            last = parts.pop()
            for line in parts:
                if line.startswith(DOC_PREFIXES):
                    continue
                tokens = carry + [lower(cut(t)) for t in SEPARATORS.split(line) if t]
                carry = []
                text = b" ".join(tokens) + b"\n"
                out.write(text)
                words += len(tokens)
                lines += 1
                written += len(text)
                if limit and written >= limit:
                    done = True
                    break
            if done:
                break
            if last and not last.startswith(DOC_PREFIXES):
                carry += [lower(cut(t)) for t in SEPARATORS.split(last) if t]
        if carry and not done:
            text = b" ".join(carry) + b"\n"
            out.write(text)
            words += len(carry)
            lines += 1
            written += len(text)
    os.replace(tmp, args.output)
    print(json.dumps({"words": words, "bytes": written, "lines": lines, "slice": limit}))


def prepare_key(args):
    rule = hashlib.md5()
    for f in (prepare, input_files, parse_bytes, cut, lower, lower_code_point):
        rule.update(inspect.getsource(f).encode())
    rule.update(repr((DOC_PREFIXES, SEPARATORS.pattern, MAX_WORD_BYTES)).encode())
    files = hashlib.md5()
    for path in input_files(args.input):
        st = os.stat(path)
        files.update(f"{os.path.basename(path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    print(f"{os.path.realpath(args.input)}|slice={args.slice or 'all'}|rule={rule.hexdigest()[:12]}"
          f"|files={files.hexdigest()[:12]}")


def gensim_train(args):
    import logging
    import gensim
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    logging.basicConfig(level=logging.WARNING)
    model = Word2Vec(vector_size=100, window=5, negative=0 if args.hs else 5, hs=args.hs,
                     sample=1e-3, min_count=5, sg=args.sg, workers=args.threads, epochs=args.epochs,
                     alpha=args.alpha, min_alpha=args.alpha * 1e-4, seed=args.seed)
    sentences = LineSentence(args.input) if args.lines else None
    source = {"corpus_iterable": sentences} if args.lines else {"corpus_file": args.input}
    t0 = time.perf_counter()
    model.build_vocab(**source)
    t1 = time.perf_counter()
    model.train(**source, total_examples=model.corpus_count, total_words=model.corpus_total_words,
                epochs=args.epochs)
    t2 = time.perf_counter()
    model.wv.save_word2vec_format(args.output, binary=True)
    print(json.dumps({"vocab_seconds": t1 - t0, "train_seconds": t2 - t1,
                      "vocab_size": len(model.wv), "gensim": gensim.__version__, "seed": args.seed,
                      "input": "LineSentence" if args.lines else "corpus_file"}))


def run(args):
    cmd = args.command[1:] if args.command and args.command[0] == "--" else args.command
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_chunks, err = [], bytearray()
    marks = {}

    def read_stdout():
        for chunk in iter(lambda: proc.stdout.read(65536), b""):
            out_chunks.append(chunk)

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    fd = proc.stderr.fileno()
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        now = time.perf_counter()
        err += chunk
        # fastText: the dictionary is read when "Number of labels" is printed; training ends
        # with the newline after the last "\rProgress: ..." update.
        if "train_start" not in marks and b"Number of labels" in err:
            marks["train_start"] = now
        if "train_start" in marks and "train_end" not in marks:
            p = err.rfind(b"Progress:")
            if p >= 0 and b"\n" in err[p:]:
                marks["train_end"] = now
    proc.wait()
    reader.join()
    wall = time.perf_counter() - start
    stdout = b"".join(out_chunks).decode("utf-8", "replace")
    stderr = err.decode("utf-8", "replace")
    with open(args.log, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n" + stdout + stderr.replace("\r", "\n"))
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    record = {"name": args.name, "tool": args.tool, "model": args.model, "loss": args.loss,
              "threads": args.threads, "epochs": args.epochs, "seed": args.seed,
              "invocation": args.invocation, "role": args.role, "corpus_words": args.words,
              "wall_seconds": wall, "train_seconds": None, "vocab_seconds": None,
              "words_per_second": None, "max_rss_mb": rss, "vectors": args.vectors,
              "command": " ".join(cmd), "exit_code": proc.returncode}
    if args.tool == "seer":
        m = re.search(r"vocabulary ([\d.]+)s, training ([\d.]+)s, ([\d.]+\s*\S*) words/s", stderr)
        if m:
            record["vocab_seconds"], record["train_seconds"] = float(m.group(1)), float(m.group(2))
            record["tool_words_per_second"] = m.group(3)
    elif args.tool == "gensim":
        try:
            info = json.loads(stdout.strip().splitlines()[-1])
            record.update({k: info[k] for k in ("vocab_seconds", "train_seconds", "vocab_size")})
            record["input"] = info["input"]
        except (ValueError, IndexError, KeyError):
            pass
    elif args.tool == "fasttext":
        if "train_start" in marks and "train_end" in marks:
            record["vocab_seconds"] = marks["train_start"] - start
            record["train_seconds"] = marks["train_end"] - marks["train_start"]
        m = re.findall(r"words/sec/thread:\s*(\d+)", stderr)
        if m:
            record["tool_words_per_second"] = int(m[-1]) * args.threads
    if record["train_seconds"]:
        record["words_per_second"] = args.words * args.epochs / record["train_seconds"]
    with open(args.out, "a") as f:
        f.write(json.dumps(record) + "\n")
    print(json.dumps({k: record[k] for k in ("name", "wall_seconds", "train_seconds", "words_per_second",
                                             "exit_code")}))
    if proc.returncode != 0:
        sys.stderr.write(stderr[-2000:])
    return proc.returncode


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--slice", default="")
    k = sub.add_parser("prepare-key")
    k.add_argument("input")
    k.add_argument("--slice", default="")
    g = sub.add_parser("gensim")
    g.add_argument("--input", required=True)
    g.add_argument("--output", required=True)
    g.add_argument("--sg", type=int, required=True)
    g.add_argument("--hs", type=int, default=0)
    g.add_argument("--threads", type=int, required=True)
    g.add_argument("--epochs", type=int, required=True)
    g.add_argument("--alpha", type=float, required=True)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--lines", action="store_true")
    r = sub.add_parser("run")
    for name in ("name", "tool", "model", "loss", "vectors", "log", "out"):
        r.add_argument("--" + name, required=True)
    for name in ("threads", "epochs", "words"):
        r.add_argument("--" + name, type=int, required=True)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--invocation", type=int, default=1)
    r.add_argument("--role", choices=("speed", "quality"), default="speed")
    r.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.cmd == "prepare":
        prepare(args)
    elif args.cmd == "prepare-key":
        prepare_key(args)
    elif args.cmd == "gensim":
        gensim_train(args)
    else:
        sys.exit(run(args))


if __name__ == "__main__":
    main()
