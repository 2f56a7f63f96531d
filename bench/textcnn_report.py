#!/usr/bin/python3
"""Markdown table of text CNN accuracies from seer run folders (their results.json).

    bench/textcnn_report.py NAME=RUN_DIR [NAME=RUN_DIR ...]

NAME is "dataset/variant" (e.g. mr/rand@25); RUN_DIR a folder written by
`seer textcnn train --run RUN_DIR` (with --cv: mean and standard deviation over the folds).
Prints one row per run, beside Kim's (2014) Table 2 value for the dataset and variant.
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


def main(args):
    print("| dataset | variant | epochs | seer accuracy % | folds (min-max) % | best-dev epochs | "
          "Kim 2014 % | seconds |")
    print("|---|---|---:|---:|---|---|---:|---:|")
    for arg in args:
        name, run = arg.split("=", 1)
        dataset, variant = name.split("/", 1)
        with open(os.path.join(run, "results.json")) as f:
            r = json.load(f)
        with open(os.path.join(run, "config.json")) as f:
            config = json.load(f)
        epochs = config.get("epochs")
        details = r.get("fold_details", [r])
        seconds = 0.0
        best_epochs = []
        folds = []  # test accuracies of the completed folds (a stopped fold is left out)
        for k, d in enumerate(details):
            if "folds" in r and not d.get("completed", True):
                continue
            folds.append(100 * d["accuracy"])
            model_dir = os.path.join(run, f"fold-{k}") if "folds" in r else run
            with open(os.path.join(model_dir, "model.json")) as f:
                m = json.load(f)
            seconds += m.get("seconds", 0)
            steps_per_epoch = d["steps"] // epochs if epochs else 0
            if steps_per_epoch:
                best_epochs.append(d["best_step"] // steps_per_epoch)
        if "folds" in r:
            acc = statistics.mean(folds)
            sd = statistics.stdev(folds) if len(folds) > 1 else 0.0
            cell = f"{acc:.1f} (sd {sd:.1f}, {len(folds)} folds)"
            spread = f"{min(folds):.1f}-{max(folds):.1f}"
        else:
            cell = f"{100 * r['accuracy']:.1f}"
            spread = "-"
        best = (f"{min(best_epochs)}-{max(best_epochs)}" if len(best_epochs) > 1
                else (str(best_epochs[0]) if best_epochs else "-"))
        kim = KIM.get((dataset, variant.split("@")[0]))
        print(f"| {dataset} | {variant.split('@')[0]} | {epochs} | {cell} | {spread} | {best} | "
              f"{kim if kim is not None else '-'} | {seconds:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
