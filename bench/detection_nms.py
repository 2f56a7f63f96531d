#!/usr/bin/python3
"""NMS benchmark, torchvision side (run with /usr/bin/python3: Debian's torch + torchvision).

  detection_nms.py data DIR [--reps N]          write inputs + torchvision's kept indices, time it
  detection_nms.py report TV.jsonl SEER.jsonl   print the markdown table

Inputs: RPN-like proposals in a 1000 x 600 image (seed 0): 30 objects; 80 % of the proposals
are jittered copies of an object's box (centre noise ~ 15 % of its size, log-normal scale
noise), scored higher the smaller the jitter; 20 % are background boxes with low scores.
N = 1000, 12000 (Faster R-CNN's pre-NMS top-N in training), 20000; IoU thresholds 0.7 (RPN),
0.5 and 0.3 (detection heads). Written to DIR as raw little-endian arrays: boxes_N.f32 [N, 4],
scores_N.f32 [N], and torchvision's result keep_N_T.i64 (T = threshold * 100). Timings:
median of N repetitions of torchvision.ops.nms after one warm-up, 1 thread, one JSON object
per line on stdout.
"""
import json
import os
import statistics
import sys
import time

import torch
from torchvision.ops import nms

SIZES = (1000, 12000, 20000)
THRESHOLDS = (0.7, 0.5, 0.3)
IMAGE_W, IMAGE_H = 1000.0, 600.0


def proposals(n, gen):
    objects = 30
    centre = torch.rand((objects, 2), generator=gen, dtype=torch.float64) * torch.tensor([IMAGE_W, IMAGE_H])
    size = 24 + torch.rand((objects, 2), generator=gen, dtype=torch.float64) * 250
    which = torch.randint(objects, (n,), generator=gen)
    jitter = torch.randn((n, 2), generator=gen, dtype=torch.float64) * 0.15
    scale = torch.exp(torch.randn((n, 2), generator=gen, dtype=torch.float64) * 0.2)
    c = centre[which] + jitter * size[which]
    wh = size[which] * scale
    score = torch.sigmoid(3 - 8 * jitter.abs().sum(1) - 4 * scale.log().abs().sum(1)
                          + torch.randn(n, generator=gen, dtype=torch.float64))
    bg = torch.rand(n, generator=gen) < 0.2
    bxy = torch.rand((n, 2), generator=gen, dtype=torch.float64) * torch.tensor([IMAGE_W, IMAGE_H])
    bwh = 16 + torch.rand((n, 2), generator=gen, dtype=torch.float64) * 200
    c = torch.where(bg[:, None], bxy, c)
    wh = torch.where(bg[:, None], bwh, wh)
    score = torch.where(bg, torch.rand(n, generator=gen, dtype=torch.float64) * 0.3, score)
    boxes = torch.cat([c - wh / 2, c + wh / 2], 1)
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, IMAGE_W)  # clipped to the image, as an RPN does
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, IMAGE_H)
    return boxes.float().contiguous(), score.float().contiguous()


def median_ms(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def data(out_dir, reps):
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    for n in SIZES:
        boxes, scores = proposals(n, gen)
        boxes.numpy().tofile(os.path.join(out_dir, f"boxes_{n}.f32"))
        scores.numpy().tofile(os.path.join(out_dir, f"scores_{n}.f32"))
        for thr in THRESHOLDS:
            keep = nms(boxes, scores, thr)
            keep.numpy().tofile(os.path.join(out_dir, f"keep_{n}_{round(thr * 100)}.i64"))
            ms = median_ms(lambda: nms(boxes, scores, thr), reps)
            print(json.dumps({"impl": "torchvision", "boxes": n, "threshold": thr,
                              "ms": round(ms, 4), "kept": keep.numel()}), flush=True)


def report(tv_path, seer_path):
    def load(path):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip().startswith("{")]
    tv = {(r["boxes"], r["threshold"]): r for r in load(tv_path)}
    print("| boxes | IoU threshold | kept | torchvision ms | seer ms | speed-up | identical |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for s in load(seer_path):
        t = tv.get((s["boxes"], s["threshold"]))
        if t is None:
            continue
        print(f"| {s['boxes']} | {s['threshold']} | {t['kept']} | {t['ms']:.3f} | {s['ms']:.3f} | "
              f"{t['ms'] / s['ms']:.2f}x | {s['identical']} |")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "data":
        reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 15
        data(sys.argv[2], reps)
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
