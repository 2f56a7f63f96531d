#!/usr/bin/python3
"""RoI ops benchmark, torchvision side (run with /usr/bin/python3: Debian's torch + torchvision).

  detection_roi_ops.py data DIR [--reps N]      write inputs + torchvision's results, time it
  detection_roi_ops.py report TV.jsonl SEER.jsonl   print the markdown table

Inputs (Fast R-CNN size): feature map [1, 512, 38, 50] ~ N(0, 1) (VGG16 conv5 of a 600x800
image), K = 128 / 512 / 2000 random boxes in the image (seed 0), output 7x7, spatial scale
1/16; roi_align with sampling_ratio 2, aligned=False (torchvision's Faster R-CNN setting).
The gradient of the output is grad[i] = ((i * 7919) % 1000) / 1000 - 0.5 (exact in float32,
recomputed by the C++ side). Written to DIR as raw little-endian float32: input.f32,
rois_K.f32, and torchvision's results: {pool,align}_out_K.f32 (every 13th output value) and
{pool,align}_gin_K.f32 (the whole input gradient). Timings: median of N repetitions after one
warm-up, at 1 and 2 threads, one JSON object per line on stdout.
"""
import json
import os
import statistics
import sys
import time

import torch
from torchvision.ops import roi_align, roi_pool

SHAPE = (1, 512, 38, 50)
SCALE = 1.0 / 16
COUNTS = (128, 512, 2000)
STRIDE = 13


def make_rois(k, gen):
    img_h, img_w = SHAPE[2] * 16, SHAPE[3] * 16
    u = torch.rand((k, 4), generator=gen, dtype=torch.float64)
    w = 16 + u[:, 2] * (img_w / 2)
    h = 16 + u[:, 3] * (img_h / 2)
    x1 = u[:, 0] * (img_w - w)
    y1 = u[:, 1] * (img_h - h)
    rois = torch.stack([torch.zeros(k, dtype=torch.float64), x1, y1, x1 + w, y1 + h], 1)
    return rois.float()


def grad_like(out):
    i = torch.arange(out.numel(), dtype=torch.int64)
    return (((i * 7919) % 1000).float() / 1000 - 0.5).reshape(out.shape)


def median_ms(fn, reps):
    fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def ops():
    return {
        "roi_pool": lambda x, r: roi_pool(x, r, (7, 7), SCALE),
        "roi_align": lambda x, r: roi_align(x, r, (7, 7), SCALE, 2, False),
    }


def data(out_dir, reps):
    os.makedirs(out_dir, exist_ok=True)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(SHAPE, generator=gen)
    x.numpy().tofile(os.path.join(out_dir, "input.f32"))
    for k in COUNTS:
        rois = make_rois(k, gen)
        rois.numpy().tofile(os.path.join(out_dir, f"rois_{k}.f32"))
        for name, op in ops().items():
            short = name.split("_")[1]
            torch.set_num_threads(1)
            xg = x.clone().requires_grad_()
            out = op(xg, rois)
            grad = grad_like(out)
            out.backward(grad)
            out.detach().flatten()[::STRIDE].numpy().tofile(os.path.join(out_dir, f"{short}_out_{k}.f32"))
            xg.grad.numpy().tofile(os.path.join(out_dir, f"{short}_gin_{k}.f32"))
            for threads in (1, 2):
                torch.set_num_threads(threads)
                fwd = median_ms(lambda: op(x, rois), reps)

                def fwd_bwd():
                    xr = x.detach().requires_grad_()
                    op(xr, rois).backward(grad)

                both = median_ms(fwd_bwd, reps)
                print(json.dumps({"impl": "torchvision", "op": name, "rois": k, "threads": threads,
                                  "fwd_ms": round(fwd, 3), "fwd_bwd_ms": round(both, 3)}), flush=True)


def report(tv_path, seer_path):
    def load(path):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip().startswith("{")]
    tv = {(r["op"], r["rois"], r["threads"]): r for r in load(tv_path)}
    rows = load(seer_path)
    print("| op | RoIs | threads | torchvision fwd ms | seer fwd ms | fwd speed-up | "
          "torchvision fwd+bwd ms | seer fwd+bwd ms | fwd+bwd speed-up | equal to torchvision |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for s in rows:
        t = tv.get((s["op"], s["rois"], s["threads"]))
        if t is None:
            continue
        print(f"| {s['op']} | {s['rois']} | {s['threads']} | {t['fwd_ms']:.2f} | {s['fwd_ms']:.2f} | "
              f"{t['fwd_ms'] / s['fwd_ms']:.2f}x | {t['fwd_bwd_ms']:.2f} | {s['fwd_bwd_ms']:.2f} | "
              f"{t['fwd_bwd_ms'] / s['fwd_bwd_ms']:.2f}x | {s['check']} |")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "data":
        reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 5
        data(sys.argv[2], reps)
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
