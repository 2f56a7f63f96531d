#!/usr/bin/python3
"""Two probes behind docs/BENCHMARKS.md's "make demo's synthetic scenes" (issue 15).

  scenes_probe.py confusion RESULTS_DIR VOC_DIR SPLIT
      For every non-difficult ground-truth object, the class of the top-scoring detection that
      overlaps it at IoU >= 0.5 (devkit +1 areas), from the devkit results files that
      `seer detect test --out RESULTS_DIR` writes: a confusion matrix (last column: none found)
      and the share right per box-size bucket.
  scenes_probe.py crops VOC_DIR [--epochs N]
      How learnable the shapes are on their own: a 3-layer CNN (Adam 1e-3, batch 32, 1 thread)
      trained on the trainval ground-truth boxes warped to 32 x 32, test accuracy per epoch.
Needs torch and torchvision (Debian python3-torch, python3-torchvision).
"""
import argparse
import os
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.io as io


def objects(voc, image_id):
    for o in ET.parse(f"{voc}/Annotations/{image_id}.xml").findall("object"):
        b = o.find("bndbox")
        box = [float(b.find(k).text) for k in ("xmin", "ymin", "xmax", "ymax")]
        yield o.find("name").text, box, o.find("difficult") is not None and o.find("difficult").text == "1"


def split_ids(voc, split):
    return open(f"{voc}/ImageSets/Main/{split}.txt").read().split()


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]) + 1)
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]) + 1)
    inter = ix * iy
    union = (a[2] - a[0] + 1) * (a[3] - a[1] + 1) + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - inter
    return inter / union


def confusion(args):
    classes = sorted({name for i in split_ids(args.voc, args.split) for name, _, _ in objects(args.voc, i)})
    dets = {}
    for c in classes:
        path = f"{args.results}/comp4_det_{args.split}_{c}.txt"
        if not os.path.exists(path):
            sys.exit(f"scenes_probe: no results file {path} (write it with seer detect test --out {args.results})")
        for line in open(path):
            image_id, score, *box = line.split()
            dets.setdefault(image_id, []).append((float(score), c, list(map(float, box))))
    matrix = np.zeros((len(classes), len(classes) + 1), int)
    by_size = {}
    for image_id in split_ids(args.voc, args.split):
        for name, box, difficult in objects(args.voc, image_id):
            if difficult:
                continue
            hits = [(s, c) for s, c, b in dets.get(image_id, []) if iou(box, b) >= 0.5]
            found = classes.index(max(hits)[1]) if hits else len(classes)
            truth = classes.index(name)
            matrix[truth, found] += 1
            bucket = int(np.sqrt((box[2] - box[0] + 1) * (box[3] - box[1] + 1)) // 40) * 40
            n, right = by_size.get(bucket, (0, 0))
            by_size[bucket] = (n + 1, right + (found == truth))
    print("rows: ground truth; columns: class of the top detection at IoU >= 0.5 (last: none)")
    print("classes:", ", ".join(classes))
    print(matrix)
    for bucket in sorted(by_size):
        n, right = by_size[bucket]
        print(f"box side {bucket}-{bucket + 40} px: {n} objects, top detection right {right / n:.2f}")


def crops(args):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    classes = sorted({name for i in split_ids(args.voc, "trainval") for name, _, _ in objects(args.voc, i)})

    def load(split):
        xs, ys = [], []
        for image_id in split_ids(args.voc, split):
            image = io.read_image(f"{args.voc}/JPEGImages/{image_id}.jpg").float() / 255
            for name, b, _ in objects(args.voc, image_id):
                crop = image[:, int(b[1]) - 1:int(b[3]), int(b[0]) - 1:int(b[2])]
                xs.append(F.interpolate(crop[None], size=(32, 32), mode="bilinear", align_corners=False)[0])
                ys.append(classes.index(name))
        return torch.stack(xs), torch.tensor(ys)

    xtr, ytr = load("trainval")
    xte, yte = load("test")
    print(f"{len(xtr)} training crops, {len(xte)} test crops")
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128 * 16, 256), nn.ReLU(), nn.Linear(256, len(classes)))
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    start = time.time()
    for epoch in range(args.epochs):
        order = torch.randperm(len(xtr))
        for k in range(0, len(order), 32):
            idx = order[k:k + 32]
            x = xtr[idx].flip(3) if torch.rand(1) < 0.5 else xtr[idx]
            loss = F.cross_entropy(model(x), ytr[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {epoch + 1}: test accuracy {acc:.3f} ({time.time() - start:.0f} s)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="probe", required=True)
    c = sub.add_parser("confusion")
    c.add_argument("results")
    c.add_argument("voc")
    c.add_argument("split")
    k = sub.add_parser("crops")
    k.add_argument("voc")
    k.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    confusion(args) if args.probe == "confusion" else crops(args)


if __name__ == "__main__":
    main()
