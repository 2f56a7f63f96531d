#!/usr/bin/python3
"""Training speed (seconds per epoch) of Kim's CNN-rand in PyTorch (Debian's python3-torch), the
peer of bench/textcnn_speed.cc: same data (the same splitmix64 stream), model, batch, optimizer
(torch.optim.Adadelta, rho 0.95, eps 1e-6, lr 1), max-norm 3 after each step, threads.

    /usr/bin/python3 bench/textcnn_speed.py --threads 2 [--steps 0] [--conv conv2d|conv1d]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

M64 = (1 << 64) - 1


class SplitMix:
    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)


class TextCnn(nn.Module):
    def __init__(self, vocab, dim=300, widths=(3, 4, 5), maps=100, classes=2, dropout=0.5, conv="conv2d"):
        super().__init__()
        self.conv = conv
        self.embedding = nn.Embedding(vocab, dim, padding_idx=0)
        if conv == "conv2d":
            self.convs = nn.ModuleList(nn.Conv2d(1, maps, (h, dim)) for h in widths)
        else:
            self.convs = nn.ModuleList(nn.Conv1d(dim, maps, h) for h in widths)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(maps * len(widths), classes)

    def forward(self, ids):
        x = self.embedding(ids)  # [B, T, D]
        if self.conv == "conv2d":
            x = x.unsqueeze(1)
            pooled = [F.relu(c(x)).squeeze(3).amax(2) for c in self.convs]
        else:
            x = x.transpose(1, 2)
            pooled = [F.relu(c(x)).amax(2) for c in self.convs]
        return self.fc(self.dropout(torch.cat(pooled, 1)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=0, help="0: one epoch")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--conv", default="conv2d")
    p.add_argument("--label", default="pytorch")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n, vocab, batch = 10662, 18765, 50
    rng = SplitMix(42)
    sentences, labels = [], []
    for _ in range(n):
        length = 1 + int((rng.uniform() + rng.uniform() + rng.uniform() + rng.uniform()) * 10)
        if rng.uniform() < 0.02:
            length = 41 + int(rng.uniform() * 16)
        sentences.append([1 + rng.next() % (vocab - 1) for _ in range(length)])
        labels.append(rng.next() % 2)
    per_epoch = (n + batch - 1) // batch
    steps = a.steps if a.steps > 0 else per_epoch
    order = list(range(n))

    def shuffle():
        for i in range(n):
            order[i] = i
        for i in range(n - 1, 0, -1):
            j = rng.next() % (i + 1)
            order[i], order[j] = order[j], order[i]

    net = TextCnn(vocab, conv=a.conv)
    net.train()
    opt = torch.optim.Adadelta(net.parameters(), lr=1.0, rho=0.95, eps=1e-6)
    pad = 4

    def step(s):
        if s % per_epoch == 0:
            shuffle()
        b0 = (s % per_epoch) * batch
        idx = [order[k if k < n else k - n] for k in range(b0, b0 + batch)]
        longest = max(len(sentences[i]) for i in idx)
        x = torch.zeros(batch, longest + 2 * pad + 1, dtype=torch.long)
        for r, i in enumerate(idx):
            x[r, pad:pad + len(sentences[i])] = torch.tensor(sentences[i])
        y = torch.tensor([labels[i] for i in idx])
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(net(x), y).backward()
        opt.step()
        with torch.no_grad():  # Kim's max-norm: each class's output weights
            net.fc.weight.copy_(torch.renorm(net.fc.weight, 2, 0, 3.0))

    for s in range(a.warmup):
        step(s)
    t0 = time.perf_counter()
    for s in range(steps):
        step(s)
    sec = time.perf_counter() - t0
    print(json.dumps({"tool": a.label, "version": torch.__version__, "threads": a.threads,
                      "steps": steps, "seconds": sec, "seconds_per_epoch": sec / steps * per_epoch,
                      "sentences_per_second": steps * batch / sec}))


if __name__ == "__main__":
    main()
