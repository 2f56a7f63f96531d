#!/usr/bin/python3
"""Benchmark PEER for seer's captcha reader: the recipe most users copy, re-written in PyTorch.
It is no part of seer; it only gives seer's benchmark something to compare with. The exact
command line for the comparison is written by the maintainers (bench/captcha_bench.sh, docs).

The recipe: Keras "OCR model for reading Captchas" by A_K_Nain
(https://keras.io/examples/vision/captcha_ocr/), which the CaptchaCracker package wraps.
Each choice below, with its Keras counterpart:
  input     tf.io.decode_png(channels=1) -> convert_image_dtype (/255) -> tf.image.resize to
            50x200 (bilinear, half-pixel centres, no antialias) -> tf.transpose to [W, H, 1].
            Here: PIL convert("L") (the same ITU-R 601 weights TF passes to libpng), /255,
            F.interpolate(bilinear, align_corners=False, antialias=False), tensor [1, W=200, H=50]
            so the width is the time axis. Images are decoded once and kept in memory (the
            result is the same as the example's per-epoch tf.data map, without the decoding cost).
  model     Conv2D(32, 3x3, relu, he_normal, same) -> MaxPool 2x2 -> Conv2D(64, same) ->
            MaxPool 2x2 (factor 4, floor) -> Reshape [W/4, (H/4)*64] (channels-last order kept)
            -> Dense(64, relu) -> Dropout(0.2) -> Bidirectional(LSTM(128, return_sequences,
            dropout=0.25)) -> Bidirectional(LSTM(64, ...)) -> Dense(classes, softmax).
            Keras LSTM dropout drops LSTM *inputs* with one mask per sequence (same at every
            time step), a separate mask for each direction: done here by hand, each direction
            its own nn.LSTM (nn.LSTM's own dropout is between layers, a different thing).
  init      Keras defaults: he_normal = truncated normal (+-2 sd, sd sqrt(2/fan_in)/.8796);
            Dense and LSTM input kernels glorot_uniform, recurrent kernels orthogonal, biases 0,
            unit_forget_bias (forget-gate bias 1, put in b_ih; b_hh is 0).
  classes   Keras: StringLookup index 1..n (0 = the never-used [UNK]), Dense(len(vocab) + 1),
            blank = last index for ctc_batch_cost, i.e. n + 2 outputs. Here n + 1 outputs,
            nn.CTCLoss(blank=0) and labels shifted by +1 (no unused [UNK] class).
  loss      ctc_batch_cost: -log p(label) per image, averaged over the batch (not divided by the
            label length): CTCLoss(reduction='none').mean(); log_softmax instead of log(softmax+eps).
  training  Adam(lr 1e-3, betas 0.9/0.999, eps 1e-7 as Keras), batch 16, 100 epochs,
            EarlyStopping(val_loss, patience 10, restore_best_weights). The training set is
            batched in the same order every epoch (the example's tf.data pipeline has no shuffle);
            the 90/10 split is one seeded permutation (the example's is unseeded). Keras 2 only
            restores the best weights when early stopping fires; here (as Keras 3) always.
  decoding  keras.backend.ctc_decode(greedy=True): argmax per step, merge repeats, drop blanks.

Data, as seer reads it: every image file in the folder, label = file name up to the first '_'
or '.'; a label of the wrong --length or with a character outside --charset is an error.
--limit-train K keeps the first K training images after the seeded shuffle, then splits them.
--max-minutes stops training (checked after every batch, validation passes included, as seer's
trainer does); a cut-short epoch is still validated and competes for the best weights.
Metrics: char_accuracy = correct positions / (images x length), comparing the decoded string
with the label position by position (a missing position is wrong; extra characters count only
against sequence_accuracy), sequence_accuracy = exact match. images_per_second = training images
processed / train_seconds (the whole training loop: steps and validation passes).
"""
import argparse, copy, json, math, os, random, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

WIDTH, HEIGHT = 200, 50
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def load_folder(folder, charset, length):
    """Sorted (path, label) pairs of the image files in `folder`; a bad label raises."""
    items = []
    for name in sorted(os.listdir(folder)):
        if os.path.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
            continue
        label = name[:min([i for i, c in enumerate(name) if c in "_."] or [len(name)])]
        bad = [c for c in label if c not in charset]
        if len(label) != length or bad:
            why = f"characters {''.join(bad)!r} not in the charset" if bad else f"length {len(label)}, not {length}"
            raise SystemExit(f"error: {os.path.join(folder, name)}: label {label!r}: {why}")
        items.append((os.path.join(folder, name), label))
    return items


def to_tensors(items, charset):
    """Images [N, 1, W, H] in [0, 1] and targets [N, length] (classes 1..n, 0 is the CTC blank)."""
    images = []
    for path, _ in items:
        im = Image.open(path).convert("L")  # ITU-R 601 weights, as TF's png_set_rgb_to_gray(0.299, 0.587)
        gray = torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).view(1, 1, im.height, im.width) / 255
        gray = F.interpolate(gray, size=(HEIGHT, WIDTH), mode="bilinear", align_corners=False)
        images.append(gray[0].transpose(1, 2))  # [1, W, H]: width is the time axis
    targets = torch.tensor([[charset.index(c) + 1 for c in label] for _, label in items])
    return torch.stack(images), targets


class KerasBiLSTM(nn.Module):
    """Bidirectional(LSTM(units, return_sequences=True, dropout=p)), outputs concatenated."""

    def __init__(self, inputs, units, p):
        super().__init__()
        self.p = p
        self.directions = nn.ModuleList(nn.LSTM(inputs, units, batch_first=True) for _ in range(2))
        for lstm in self.directions:
            nn.init.xavier_uniform_(lstm.weight_ih_l0)
            nn.init.orthogonal_(lstm.weight_hh_l0)
            nn.init.zeros_(lstm.bias_ih_l0), nn.init.zeros_(lstm.bias_hh_l0)
            lstm.bias_ih_l0.data[units:2 * units] = 1.0  # unit_forget_bias

    def forward(self, x):  # [B, T, F]
        outs = []
        for d, lstm in enumerate(self.directions):
            inp = x.flip(1) if d else x
            if self.training and self.p > 0:  # one input mask per sequence, per direction
                keep = torch.bernoulli(torch.full((x.size(0), 1, x.size(2)), 1 - self.p, device=x.device))
                inp = inp * keep / (1 - self.p)
            out, _ = lstm(inp)
            outs.append(out.flip(1) if d else out)
        return torch.cat(outs, 2)


class CaptchaCRNN(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.dense1 = nn.Linear((HEIGHT // 4) * 64, 64)
        self.lstm1 = KerasBiLSTM(64, 128, 0.25)
        self.lstm2 = KerasBiLSTM(256, 64, 0.25)
        self.dense2 = nn.Linear(128, classes)
        for conv in (self.conv1, self.conv2):  # he_normal: truncated normal, Keras' sd correction
            sd = math.sqrt(2 / (conv.in_channels * 9)) / 0.87962566103423978
            nn.init.trunc_normal_(conv.weight, std=sd, a=-2 * sd, b=2 * sd), nn.init.zeros_(conv.bias)
        for dense in (self.dense1, self.dense2):
            nn.init.xavier_uniform_(dense.weight), nn.init.zeros_(dense.bias)

    def forward(self, x):  # [B, 1, W, H] -> log-probabilities [B, W/4, classes]
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # [B, 64, W/4, H/4]
        x = x.permute(0, 2, 3, 1).flatten(2)  # Keras channels-last reshape: [B, W/4, (H/4)*64]
        x = F.dropout(F.relu(self.dense1(x)), 0.2, self.training)
        return F.log_softmax(self.dense2(self.lstm2(self.lstm1(x))), 2)


def ctc_loss(log_probs, targets):
    """Per-image -log p(label), as Keras' ctc_batch_cost (blank 0 here)."""
    b, t = log_probs.shape[:2]
    return F.ctc_loss(log_probs.transpose(0, 1), targets, torch.full((b,), t, dtype=torch.long),
                      torch.full((b,), targets.size(1), dtype=torch.long), blank=0, reduction="none")


def greedy_decode(log_probs, charset):
    """Best path: argmax per step, merge repeats, drop blanks (class 0); class k is charset[k-1]."""
    texts = []
    for steps in log_probs.argmax(2).tolist():
        kept = [c for i, c in enumerate(steps) if c != 0 and (i == 0 or c != steps[i - 1])]
        texts.append("".join(charset[c - 1] for c in kept))
    return texts


def evaluate(model, images, targets, charset, batch):
    """(mean per-image loss, decoded strings) with dropout off."""
    model.eval()
    total, texts = 0.0, []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            lp = model(images[i:i + batch])
            total += ctc_loss(lp, targets[i:i + batch]).sum().item()
            texts += greedy_decode(lp, charset)
    model.train()
    return total / max(len(images), 1), texts


def accuracies(texts, labels):
    chars = sum(i < len(t) and t[i] == c for t, l in zip(texts, labels) for i, c in enumerate(l))
    return (chars / max(sum(map(len, labels)), 1), sum(t == l for t, l in zip(texts, labels)) / max(len(labels), 1))


def self_test():
    lp = torch.log(F.one_hot(torch.tensor([[1, 1, 0, 2, 2, 0, 2, 3], [0] * 8]), 11).float() + 1e-6)
    assert greedy_decode(lp, "0123456789") == ["0112", ""], greedy_decode(lp, "0123456789")
    assert accuracies(["0112", "", "12345"], ["0112", "01", "1234"]) == (8 / 10, 1 / 3)
    print("ok")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train"), ap.add_argument("--test")
    ap.add_argument("--length", type=int), ap.add_argument("--charset", default="0123456789")
    ap.add_argument("--epochs", type=int, default=100), ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3), ap.add_argument("--max-minutes", type=float)
    ap.add_argument("--threads", type=int), ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--val-fraction", type=float, default=0.1), ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--limit-train", type=int), ap.add_argument("--json", action="store_true")
    ap.add_argument("--self-test", action="store_true", help="check the greedy decoder and metrics, print ok")
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    if not (a.train and a.test and a.length) or a.epochs < 1:
        ap.error("--train, --test and --length are required, and --epochs must be at least 1")
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    t0 = time.monotonic()
    items = load_folder(a.train, a.charset, a.length)
    random.Random(a.seed).shuffle(items)
    items = items[:a.limit_train] if a.limit_train else items
    n_val = max(1, round(len(items) * a.val_fraction))
    train_items, val_items = items[:-n_val], items[-n_val:]
    if not train_items:
        ap.error(f"{len(items)} image(s) leave nothing to train on after the validation split")
    test_items = load_folder(a.test, a.charset, a.length)
    (xtr, ytr), (xva, yva), (xte, yte) = (to_tensors(s, a.charset) for s in (train_items, val_items, test_items))
    val_labels = [l for _, l in val_items]
    print(f"loaded {len(xtr)} train / {len(xva)} val / {len(xte)} test images in {time.monotonic() - t0:.1f}s",
          file=sys.stderr)

    model = CaptchaCRNN(len(a.charset) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, eps=1e-7)
    best, best_epoch, best_state, wait, epoch, processed, partial = math.inf, 0, None, 0, 0, 0, False
    start = time.monotonic()
    out_of_time = lambda: a.max_minutes is not None and time.monotonic() - start >= a.max_minutes * 60
    while epoch < a.epochs and not partial:
        epoch += 1
        losses = []
        for i in range(0, len(xtr), a.batch):
            loss = ctc_loss(model(xtr[i:i + a.batch]), ytr[i:i + a.batch]).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            processed += len(xtr[i:i + a.batch])
            if out_of_time():
                partial = i + a.batch < len(xtr)
                break
        val_loss, texts = evaluate(model, xva, yva, a.charset, a.batch)
        print(f"epoch {epoch}{' (cut short)' if partial else ''} train_loss {sum(losses) / len(losses):.4f} "
              f"val_loss {val_loss:.4f} val_seq_acc {accuracies(texts, val_labels)[1]:.4f} "
              f"elapsed {time.monotonic() - start:.1f}s", file=sys.stderr)
        wait += 1
        if val_loss < best:
            best, best_epoch, best_state, wait = val_loss, epoch, copy.deepcopy(model.state_dict()), 0
        if wait >= a.patience or out_of_time():
            break
    train_seconds = time.monotonic() - start
    if best_state is not None:
        model.load_state_dict(best_state)
    _, texts = evaluate(model, xte, yte, a.charset, a.batch)
    char_acc, seq_acc = accuracies(texts, [l for _, l in test_items])
    result = {"tool": "pytorch-crnn-ctc (Keras captcha OCR recipe)", "train_images": len(xtr),
              "val_images": len(xva), "test_images": len(xte), "epochs_run": epoch,
              "last_epoch_partial": partial, "best_epoch": best_epoch, "best_val_loss": best,
              "train_seconds": round(train_seconds, 3), "images_per_second": round(processed / train_seconds, 2),
              "char_accuracy": char_acc, "sequence_accuracy": seq_acc, "seed": a.seed,
              "threads": torch.get_num_threads(), "torch": torch.__version__}
    print(json.dumps(result) if a.json else json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
