#!/usr/bin/python3
"""Markdown table of text CNN accuracies from seer run folders (their results.json).

    bench/textcnn_report.py NAME=RUN_DIR [NAME=RUN_DIR ...]

NAME is "dataset/variant" (e.g. mr/rand@25); RUN_DIR a folder written by
`seer textcnn train --run RUN_DIR` (with --cv: mean and standard deviation over the folds),
or several, comma-separated, for runs that differ only in --seed (a test-set dataset: mean and
each seed's accuracy; with --cv: mean over all folds of all seeds and each seed's mean).
Prints one row per NAME, beside Kim's (2014) Table 2 value and the replication by Kim's group in Torch (harvardnlp/sent-conv-torch README, same setup, 25 epochs).
"""
import json
import os
import statistics
import sys

KIM = {  # Kim 2014, Table 2 (Google News vectors for the pretrained variants)
    ("mr", "rand"): 76.1, ("mr", "static"): 81.0, ("mr", "non-static"): 81.5,
    ("mr", "multichannel"): 81.1,
    ("trec", "rand"): 91.2, ("trec", "static"): 92.8, ("trec", "non-static"): 93.6,
    ("trec", "multichannel"): 92.2,
}
TORCH_REPLICATION = {  # harvardnlp/sent-conv-torch README, "Scores"
    ("mr", "rand"): 75.9, ("mr", "static"): 80.5, ("mr", "non-static"): 81.3,
    ("mr", "multichannel"): 80.8,
    ("trec", "rand"): 88.2, ("trec", "static"): 91.8, ("trec", "non-static"): 92.8,
    ("trec", "multichannel"): 91.8,
}


def load(run):
    try:
        with open(os.path.join(run, "results.json")) as f:
            r = json.load(f)
        with open(os.path.join(run, "config.json")) as f:
            config = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"textcnn_report: {run}: not a finished run folder ({e})")
    return r, config


def main(args):
    print("| dataset | variant | epochs | seer accuracy % | folds (min-max) / seeds % | "
          "best-dev epochs | Kim 2014 % | Kim's group, Torch % | seconds |")
    print("|---|---|---:|---:|---|---|---:|---:|---:|")
    for arg in args:
        name, runs = arg.split("=", 1)
        dataset, variant = name.split("/", 1)
        runs = runs.split(",")
        seconds = 0.0
        best_epochs = []
        accs = []  # fold test accuracies (one run with --cv) or one per seed
        run_means = []  # with --cv and several seeds: each seed's mean over its folds
        cv = False
        epochs = None
        for run in runs:
            r, config = load(run)
            epochs = config.get("epochs")
            cv = "folds" in r
            details = r.get("fold_details", [r])
            first = len(accs)
            for k, d in enumerate(details):
                if cv and not d.get("completed", True):
                    continue  # a stopped fold is left out
                accs.append(100 * d["accuracy"])
                model_dir = os.path.join(run, f"fold-{k}") if cv else run
                with open(os.path.join(model_dir, "model.json")) as f:
                    m = json.load(f)
                seconds += m.get("seconds", 0)
                steps_per_epoch = d["steps"] // epochs if epochs else 0
                if steps_per_epoch:
                    best_epochs.append(d["best_step"] // steps_per_epoch)
            run_means.append(statistics.mean(accs[first:]))
        mean = statistics.mean(accs)
        if cv and len(runs) > 1:
            sd = statistics.stdev(accs)
            cell = (f"{mean:.2f} (mean of {len(runs)} seeds x {len(accs) // len(runs)} folds, "
                    f"fold sd {sd:.1f})")
            spread = "seeds: " + ", ".join(f"{a:.2f}" for a in run_means)
        elif cv:
            sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
            cell = f"{mean:.2f} (sd {sd:.1f}, {len(accs)} folds)"
            spread = f"{min(accs):.1f}-{max(accs):.1f}"
        elif len(accs) > 1:
            cell = f"{mean:.2f} (mean of {len(accs)} seeds)"
            spread = ", ".join(f"{a:.1f}" for a in accs)
        else:
            cell = f"{mean:.1f}"
            spread = "-"
        best = (f"{min(best_epochs)}-{max(best_epochs)}" if len(best_epochs) > 1
                else (str(best_epochs[0]) if best_epochs else "-"))
        key = (dataset, variant.split("@")[0])
        kim, rep = KIM.get(key), TORCH_REPLICATION.get(key)
        print(f"| {dataset} | {key[1]} | {epochs} | {cell} | {spread} | {best} | "
              f"{kim if kim is not None else '-'} | {rep if rep is not None else '-'} | "
              f"{seconds:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
