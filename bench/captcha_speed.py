#!/usr/bin/python3
"""Training throughput (images/s) of seer's captcha network rebuilt in PyTorch (Debian's
python3-torch), the peer of bench/captcha_speed.cc. Same layers, batch, threads and optimizer.

    /usr/bin/python3 bench/captcha_speed.py --threads 2 --batch 64 --steps 30
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CaptchaNet(nn.Module):
    def __init__(self, length=4, classes=10, width=96, height=32, channels=(32, 64, 128, 256),
                 convs=1, hidden=256, dropout=0.2):
        super().__init__()
        layers, c_in = [], 1
        for c_out in channels:
            for _ in range(convs):
                layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                           nn.ReLU(inplace=True)]
                c_in = c_out
            layers.append(nn.MaxPool2d(2))
        self.trunk = nn.Sequential(*layers)
        shrink = 2 ** len(channels)
        feats = c_in * (height // shrink) * (width // shrink)
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Dropout(dropout), nn.Linear(feats, hidden), nn.ReLU(inplace=True),
                          nn.Linear(hidden, classes)) for _ in range(length))

    def forward(self, x):
        f = self.trunk(x).flatten(1)
        return torch.stack([h(f) for h in self.heads], 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--label", default="pytorch", help="tool name in the output")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = CaptchaNet()
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(a.batch, 1, 32, 96)
    y = torch.randint(0, 10, (a.batch, 4))

    times = {"forward_s": 0.0, "backward_s": 0.0, "optimizer_s": 0.0}

    def step():
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)  # as seer's Trainer does
        logits = net(x)
        loss = F.cross_entropy(logits.reshape(-1, 10), y.reshape(-1)) * 4
        times["forward_s"] += time.perf_counter() - t
        t = time.perf_counter()
        loss.backward()
        times["backward_s"] += time.perf_counter() - t
        t = time.perf_counter()
        opt.step()
        times["optimizer_s"] += time.perf_counter() - t

    for _ in range(a.warmup):
        step()
    for k in times:
        times[k] = 0.0
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    s = time.perf_counter() - t0
    print(json.dumps({"tool": a.label, "version": torch.__version__, "threads": a.threads,
                      "batch": a.batch, "steps": a.steps, "seconds": s,
                      "images_per_second": a.steps * a.batch / s, **times}))


if __name__ == "__main__":
    main()
