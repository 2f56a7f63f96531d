#!/usr/bin/python3
"""The torchvision peer of the detector benchmark: Faster R-CNN trained FROM SCRATCH on a
PASCAL-VOC folder (no pretrained weights anywhere; nothing is downloaded), evaluated at fixed
amounts of training time with VOC07 11-point mAP.

    /usr/bin/python3 bench/detection_peer.py --backbone resnet18-c4 --min-size 480 --max-size 640 \\
        --threads 2 --minutes 70 --eval-at 15,30,60 --out bench/out/detection/peer-resnet18-c4

Backbones (every BatchNorm is a trainable nn.BatchNorm2d with batch statistics; torchvision's
default FrozenBatchNorm2d is only right with pretrained weights):
  resnet18-fpn      resnet_fpn_backbone('resnet18', weights=None, trainable_layers=5,
                    norm_layer=BatchNorm2d): FPN maps '0'..'3' + 'pool', anchors 32..512 one size
                    per level, MultiScaleRoIAlign 7x7 over '0'..'3', TwoMLPHead (torchvision's defaults)
  mobilenet_v3-fpn  fasterrcnn_mobilenet_v3_large_fpn(weights=None, weights_backbone=None,
                    num_classes=C+1): as torchvision builds it (BatchNorm2d, all 6 layers trainable)
  resnet18-c4       one stride-16 map: ResNet-18 conv1..layer3 (256 channels), one
                    AnchorGenerator level with sizes --anchor-sizes (default 32,64,128,256,512)
                    x ratios 0.5,1,2, MultiScaleRoIAlign(['0'], 7, 2), TwoMLPHead(256*7*7, 1024):
                    the closest torchvision match to a single-map (py-faster-rcnn style) detector

Data: --data is a VOC folder (default $SEER_DATA/bccd/BCCD, $SEER_DATA defaulting to
../shared/data beside the checkout); without it the script prints why and exits 0 (skipped).
Annotations/<id>.xml are read with xml.etree; images from JPEGImages/<filename>. Boxes are
converted as seer does (detection/boxes/box.h): x1 = xmin - 1, y1 = ymin - 1, x2 = xmax,
y2 = ymax (0-based, continuous). A box with xmax <= xmin or ymax <= ymin in the file (zero-area
or inverted; BCCD has 2, both in trainval) is skipped with a warning; note that in the
continuous coordinates such a 1-pixel box has x2 - x1 = 1, so the test is made on the file's
numbers, as seer's read_voc makes it. Boxes are clipped to the image (warning), difficult
objects are left out of training (py-faster-rcnn's default) and kept, flagged, for evaluation.
Classes: the names of the training split's objects, sorted (BCCD: Platelets, RBC, WBC);
labels 1..C, 0 is background.

Training: SGD (lr 0.02, momentum 0.9, weight decay 1e-4), linear warm-up over the first 200
steps from lr x 0.001 (torchvision's reference recipe), then constant; --batch images per step
(default 2); horizontal flip with probability 0.5; images decoded by one DataLoader worker so
decoding overlaps the step. Training time counts the steps (waiting for a batch included) and
nothing of the evaluations.

Evaluation, at each --eval-at point (minutes of training time): inference on the whole test
split at batch 1 (2 warm-up images first, not timed; each image timed from model([image]) to
its output, decoding excluded), the devkit's results files written to <out>/eval-<M>min/
(comp4_det_<split>_<class>.txt, lines "image_id score xmin ymin xmax ymax" in VOC file
coordinates: xmin = x1 + 1, ymin = y1 + 1, xmax = x2, ymax = y2, numbers in the shortest form
that reads back to the same float32, as seer writes them), then VOC07 11-point AP per class
computed from those files by py-faster-rcnn's voc_eval as tests/detection/eval/
voc_eval_reference.py implements it (GT read from the XML as its parse_rec does, difficult
objects ignored, overlap > 0.5 with the devkit's +1 formula, stable sort of the scores).

Test-time settings are torchvision's defaults unless changed: --box-score-thresh 0.05,
--detections-per-img 100, --rpn-post-nms-test 1000 (set 300 for py-faster-rcnn's).

Stopping: training ends at the last --eval-at point, or when the whole run's wall time (evals
included) reaches --minutes, checked after every step. In the latter case the next pending
evaluation runs at once, at the training time reached, marked "cut_short" (its folder is
eval-<actual minutes>min), so the run ends one evaluation past the budget (no evaluation when
the budget ran out during one, nothing having been trained since); the points left are listed
in "skipped_eval_points". A non-finite loss stops training with an error (exit 1;
result.json keeps the evaluations made before it).

Output: <out>/result.json (one JSON object, rewritten after every evaluation), the same object
on stdout as the last line, <out>/train_log.jsonl (one line per --log-every steps), progress on
stderr.
"""
import argparse
import contextlib
import json
import math
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import numpy as np
import torch
import torchvision
from torch import nn
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
from torchvision.models.detection.faster_rcnn import TwoMLPHead, fasterrcnn_mobilenet_v3_large_fpn
from torchvision.ops import MultiScaleRoIAlign

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PROG = "detection_peer"


def warn(msg):
    print(f"{PROG}: warning: {msg}", file=sys.stderr, flush=True)


def info(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- VOC folder

def read_split(root, split):
    path = os.path.join(root, "ImageSets", "Main", split + ".txt")
    if not os.path.exists(path):
        sys.exit(f"{PROG}: no split file {path}")
    ids, seen = [], set()
    with open(path) as f:
        for line in f:
            fields = line.split()
            if fields and fields[0] not in seen:
                seen.add(fields[0])
                ids.append(fields[0])
    if not ids:
        sys.exit(f"{PROG}: empty split file {path}")
    return ids


def parse_xml(root, image_id):
    """Returns (image path, width, height, objects); objects as in the file: name, difficult,
    (xmin, ymin, xmax, ymax) in VOC file coordinates."""
    xml_path = os.path.join(root, "Annotations", image_id + ".xml")
    tree = ET.parse(xml_path)
    ann = tree.getroot()
    filename = (ann.findtext("filename") or "").strip()
    path = os.path.join(root, "JPEGImages", filename) if filename else ""
    if not filename or not os.path.exists(path):
        path = os.path.join(root, "JPEGImages", image_id + ".jpg")
    size = ann.find("size")
    width = int(float(size.findtext("width", "0"))) if size is not None else 0
    height = int(float(size.findtext("height", "0"))) if size is not None else 0
    objects = []
    for k, obj in enumerate(ann.findall("object")):
        name = (obj.findtext("name") or "").strip()
        bb = obj.find("bndbox")
        if not name or bb is None:
            warn(f"{xml_path}: object {k + 1} has no <name> or no <bndbox>; skipped")
            continue
        box = tuple(float(bb.findtext(t)) for t in ("xmin", "ymin", "xmax", "ymax"))
        difficult = int(float(obj.findtext("difficult", "0") or 0)) != 0
        objects.append({"name": name, "difficult": difficult, "box": box, "where": f"{xml_path}: object {k + 1} '{name}'"})
    return path, width, height, objects


def load_images(root, split):
    return [(image_id,) + parse_xml(root, image_id) for image_id in read_split(root, split)]


def training_targets(images, classes):
    """Per image: 0-based continuous boxes (float32 [N, 4]) and labels 1..C, as seer reads them."""
    index = {c: i + 1 for i, c in enumerate(classes)}
    out = []
    for image_id, path, width, height, objects in images:
        boxes, labels = [], []
        for o in objects:
            if o["difficult"] or o["name"] not in index:
                continue
            xmin, ymin, xmax, ymax = o["box"]
            if xmax <= xmin or ymax <= ymin:
                warn(f"{o['where']} has a zero-area or inverted box ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}); skipped")
                continue
            x1, y1, x2, y2 = xmin - 1, ymin - 1, xmax, ymax
            if width > 0 and height > 0:
                c = (max(x1, 0.0), max(y1, 0.0), min(x2, float(width)), min(y2, float(height)))
                if c[2] <= c[0] or c[3] <= c[1]:
                    warn(f"{o['where']} lies outside the {width}x{height} image; skipped")
                    continue
                if c != (x1, y1, x2, y2):
                    warn(f"{o['where']} clipped to the {width}x{height} image")
                x1, y1, x2, y2 = c
            boxes.append((x1, y1, x2, y2))
            labels.append(index[o["name"]])
        out.append((path, torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                    torch.tensor(labels, dtype=torch.int64)))
    return out


def read_image(path):
    """uint8 [3, H, W]."""
    try:
        return torchvision.io.read_image(path, torchvision.io.ImageReadMode.RGB)
    except (RuntimeError, OSError):
        from PIL import Image
        with Image.open(path) as im:
            a = np.asarray(im.convert("RGB"))
        return torch.from_numpy(a.copy()).permute(2, 0, 1).contiguous()


class TrainSet(torch.utils.data.Dataset):
    def __init__(self, items, flip):
        self.items = items
        self.flip = flip

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, boxes, labels = self.items[i]
        image = read_image(path).float().div_(255)
        h, w = image.shape[1:]
        boxes = boxes.clone()
        boxes[:, 0::2] = boxes[:, 0::2].clamp(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(0, h)
        if self.flip > 0 and torch.rand(()).item() < self.flip:
            image = image.flip(-1)
            boxes = torch.stack([w - boxes[:, 2], boxes[:, 1], w - boxes[:, 0], boxes[:, 3]], dim=1)
        return image, {"boxes": boxes, "labels": labels}


def collate(batch):
    return tuple(zip(*batch))


# ---------------------------------------------------------------- models

class C4Trunk(nn.Sequential):
    """ResNet-18 conv1 .. layer3: one stride-16 map of 256 channels."""

    def __init__(self):
        r = torchvision.models.resnet18(weights=None)  # nn.BatchNorm2d, trainable
        super().__init__(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3)
        self.out_channels = 256


def build_model(args, num_classes):
    common = dict(min_size=args.min_size, max_size=args.max_size,
                  box_score_thresh=args.box_score_thresh, box_detections_per_img=args.detections_per_img,
                  rpn_post_nms_top_n_test=args.rpn_post_nms_test)
    if args.backbone == "resnet18-fpn":
        backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, trainable_layers=5,
                                       norm_layer=nn.BatchNorm2d)
        return FasterRCNN(backbone, num_classes=num_classes, **common)
    if args.backbone == "mobilenet_v3-fpn":
        return fasterrcnn_mobilenet_v3_large_fpn(weights=None, weights_backbone=None,
                                                 num_classes=num_classes, **common)
    # resnet18-c4
    sizes = tuple(args.anchor_sizes)
    anchors = AnchorGenerator(sizes=(sizes,), aspect_ratios=((0.5, 1.0, 2.0),))
    pool = MultiScaleRoIAlign(featmap_names=["0"], output_size=7, sampling_ratio=2)
    head = TwoMLPHead(256 * 7 * 7, 1024)
    return FasterRCNN(C4Trunk(), num_classes=num_classes, rpn_anchor_generator=anchors,
                      box_roi_pool=pool, box_head=head, **common)


# ---------------------------------------------------------------- VOC evaluation

def f32(v):
    """The shortest decimal that reads back to the same float32 (as seer's writer)."""
    return str(np.float32(v))


def results_file(folder, split, cls):
    return os.path.join(folder, f"comp4_det_{split}_{cls}.txt")


def write_results(folder, split, classes, detections):
    """detections: [(image_id, label 1..C, score, x1, y1, x2, y2)] (float32 values)."""
    os.makedirs(folder, exist_ok=True)
    text = {c: [] for c in classes}
    for image_id, label, score, x1, y1, x2, y2 in detections:
        one = np.float32(1)
        text[classes[label - 1]].append(
            f"{image_id} {f32(score)} {f32(x1 + one)} {f32(y1 + one)} {f32(x2)} {f32(y2)}\n")
    for c in classes:
        path = results_file(folder, split, c)
        with open(path + ".tmp", "w") as f:
            f.writelines(text[c])
        os.replace(path + ".tmp", path)


def score(folder, split, classes, gt):
    """VOC07 and area AP of every class from the results files, by the repository's one Python
    copy of py-faster-rcnn's voc_eval (tests/detection/eval/voc_eval_reference.py, the oracle
    seer's own evaluation is tested against): {class: (ap_07, ap_area) or None}."""
    ref = os.path.join(REPO, "tests", "detection", "eval", "voc_eval_reference.py")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for image_id, objects in gt:
            if not objects:
                f.write(f"{image_id}\n")
            for o in objects:
                f.write(f"{image_id} {o['name']} {' '.join(repr(v) for v in o['box'])} {int(o['difficult'])}\n")
        gt_file = f.name
    try:
        out = subprocess.run([sys.executable, ref, gt_file, folder, split] + list(classes),
                             check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(gt_file)
    return json.loads(out)


# ---------------------------------------------------------------- main

def minutes_label(m):
    return f"{m:.2f}".rstrip("0").rstrip(".") if m != int(m) else str(int(m))


def bf16_autocast(enabled):
    """CPU autocast in bfloat16 (as `seer detect test --bf16`), or nothing. torchvision 0.14 has
    no bf16 CPU kernels for roi_align and nms ("... not implemented for 'BFloat16'"), so, as in
    seer, the RoI pooler is given fp32 features and the RPN's and box predictor's outputs are
    made fp32 before boxes are decoded from them."""
    if not enabled:
        return contextlib.nullcontext()
    import torchvision.ops.poolers as poolers
    from torchvision.models.detection import faster_rcnn, rpn
    if not getattr(poolers.roi_align, "seer_fp32", False):
        rpn_forward, predictor_forward = rpn.RPNHead.forward, faster_rcnn.FastRCNNPredictor.forward

        def rpn_fp32(self, x):
            logits, deltas = rpn_forward(self, x)
            return [t.float() for t in logits], [t.float() for t in deltas]

        def predictor_fp32(self, x):
            return tuple(t.float() for t in predictor_forward(self, x))
        rpn.RPNHead.forward = rpn_fp32
        faster_rcnn.FastRCNNPredictor.forward = predictor_fp32
        original = poolers.roi_align

        def roi_align_fp32(input, *rest, **kwargs):
            return original(input.float(), *rest, **kwargs)
        roi_align_fp32.seer_fp32 = True
        poolers.roi_align = roi_align_fp32
    return torch.autocast("cpu", dtype=torch.bfloat16)


def evaluate(model, test_images, test_pixels, classes, gt, args, folder):
    model.eval()
    detections, times = [], []
    with torch.no_grad(), bf16_autocast(args.bf16):
        for k in range(min(2, len(test_pixels))):  # warm-up, not timed
            model([test_pixels[k].float().div(255)])
        for (image_id, *_), pixels in zip(test_images, test_pixels):
            image = pixels.float().div(255)
            t0 = time.perf_counter()
            out = model([image])[0]
            times.append(time.perf_counter() - t0)
            boxes = out["boxes"].float().numpy().astype(np.float32)
            scores = out["scores"].float().numpy().astype(np.float32)
            for b, s, l in zip(boxes, scores, out["labels"].tolist()):
                detections.append((image_id, l, s, b[0], b[1], b[2], b[3]))
    model.train()
    write_results(folder, args.test_split, classes, detections)
    ap = score(folder, args.test_split, classes, gt)
    scored = [c for c in classes if ap[c] is not None]
    return {
        "map": float(np.mean([ap[c][0] for c in scored])) if scored else None,
        "map_area": float(np.mean([ap[c][1] for c in scored])) if scored else None,
        "ap": {c: (ap[c][0] if ap[c] else None) for c in classes},
        "ap_area": {c: (ap[c][1] if ap[c] else None) for c in classes},
        "inference_seconds_per_image": float(np.mean(times)) if times else None,
        "inference_images": len(times),
        "detections": len(detections),
        "results_dir": folder,
    }


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backbone", choices=["resnet18-fpn", "mobilenet_v3-fpn", "resnet18-c4"], default="resnet18-c4")
    p.add_argument("--data", help="VOC folder (default: $SEER_DATA/bccd/BCCD, SEER_DATA defaulting to ../shared/data beside the checkout)")
    p.add_argument("--train-split", default="trainval")
    p.add_argument("--test-split", default="test")
    p.add_argument("--min-size", type=int, default=600, help="GeneralizedRCNNTransform min_size (default 600)")
    p.add_argument("--max-size", type=int, default=1000, help="GeneralizedRCNNTransform max_size (default 1000)")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads (default: all cores)")
    p.add_argument("--minutes", type=float, default=0, help="wall budget of the whole run, evaluations included (0: none)")
    p.add_argument("--eval-at", default="15,30,60", help="minutes of training time at which to evaluate (default 15,30,60)")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--warmup", type=int, default=200, help="linear warm-up steps (0: none)")
    p.add_argument("--warmup-factor", type=float, default=0.001, help="warm-up starts at lr x this")
    p.add_argument("--flip", type=float, default=0.5, help="horizontal flip probability (0: no flip)")
    p.add_argument("--anchor-sizes", default=None, help="resnet18-c4 only: anchor sizes (default 32,64,128,256,512)")
    p.add_argument("--box-score-thresh", type=float, default=0.05, help="torchvision's default 0.05")
    p.add_argument("--detections-per-img", type=int, default=100, help="torchvision's default 100")
    p.add_argument("--rpn-post-nms-test", type=int, default=1000,
                   help="proposals kept per test image after the RPN's NMS (torchvision's default 1000; py-faster-rcnn's 300)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bf16", action="store_true",
                   help="evaluate under CPU autocast in bfloat16 (the peer of `seer detect test --bf16`)")
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--save-model", action="store_true", help="write the trained model's state_dict to OUT/model.pt")
    p.add_argument("--eval-only", metavar="MODEL", default=None,
                   help="no training: load MODEL (a state_dict written by --save-model), evaluate the test split once "
                        "and print the result (inference timing of a trained model, e.g. beside `seer detect test`)")
    p.add_argument("--out", default=None, help="output folder (default bench/out/detection/peer-<backbone>)")
    args = p.parse_args()
    try:
        args.eval_points = sorted({float(v) for v in args.eval_at.split(",") if v.strip()})
    except ValueError:
        p.error(f"--eval-at: not a list of minutes: {args.eval_at!r}")
    if not args.eval_points or args.eval_points[0] <= 0:
        p.error("--eval-at needs positive minutes")
    if args.anchor_sizes is not None and args.backbone != "resnet18-c4":
        p.error("--anchor-sizes applies to --backbone resnet18-c4 only")
    try:
        args.anchor_sizes = [int(v) for v in (args.anchor_sizes or "32,64,128,256,512").split(",")]
    except ValueError:
        p.error("--anchor-sizes: a comma-separated list of integers")
    for name in ("batch", "threads", "min_size", "max_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.out is None:
        args.out = os.path.join(REPO, "bench", "out", "detection", f"peer-{args.backbone}")
    return args


def main():
    args = parse_args()
    command = shlex.join([sys.executable] + sys.argv)
    data_root = os.environ.get("SEER_DATA") or os.path.join(REPO, "..", "shared", "data")
    root = args.data or os.path.join(data_root, "bccd", "BCCD")
    if not os.path.isdir(os.path.join(root, "Annotations")):
        print(f"{PROG}: skipped, no VOC folder at {root} (set SEER_DATA to the folder holding "
              f"bccd/BCCD, or pass --data)")
        return 0

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    train_images = load_images(root, args.train_split)
    test_images = load_images(root, args.test_split)
    classes = sorted({o["name"] for *_, objects in train_images for o in objects})
    train_items = training_targets(train_images, classes)
    gt = [(image_id, objects) for image_id, _, _, _, objects in test_images]
    info(f"{len(train_items)} {args.train_split} images ({sum(len(l) for *_, l in train_items)} boxes), "
         f"{len(test_images)} {args.test_split} images, classes {classes}")
    test_pixels = [read_image(path) for _, path, *_ in test_images]

    model = build_model(args, len(classes) + 1)
    if args.eval_only:
        model.load_state_dict(torch.load(args.eval_only, map_location="cpu"))
        t0 = time.perf_counter()
        ev = evaluate(model, test_images, test_pixels, classes, gt, args, os.path.join(args.out, "eval-only"))
        ev.update(tool="torchvision", command=command, model=args.eval_only, threads=args.threads,
                  eval_seconds=time.perf_counter() - t0)
        info(f"mAP (VOC07) {ev['map'] * 100:.2f}%, {ev['inference_seconds_per_image'] * 1000:.0f} ms/image")
        print(json.dumps(ev))
        return 0
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    g = torch.Generator()
    g.manual_seed(args.seed)
    sampler = torch.utils.data.RandomSampler(train_items, num_samples=10 ** 9, generator=g)
    loader = torch.utils.data.DataLoader(TrainSet(train_items, args.flip), batch_size=args.batch,
                                         sampler=sampler, num_workers=1, collate_fn=collate,
                                         generator=g)
    batches = iter(loader)

    result = {
        "tool": "torchvision", "backbone": args.backbone, "command": command,
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "torchvision": torchvision.__version__, "numpy": np.__version__},
        "data": os.path.abspath(root), "train_split": args.train_split, "test_split": args.test_split,
        "train_images": len(train_items), "test_images": len(test_images), "classes": classes,
        "threads": args.threads, "batch": args.batch, "min_size": args.min_size, "max_size": args.max_size,
        "lr": args.lr, "momentum": args.momentum, "weight_decay": args.weight_decay,
        "warmup": args.warmup, "warmup_factor": args.warmup_factor, "flip": args.flip, "seed": args.seed,
        "anchor_sizes": args.anchor_sizes if args.backbone == "resnet18-c4" else None,
        "box_score_thresh": args.box_score_thresh, "detections_per_img": args.detections_per_img,
        "rpn_post_nms_test": args.rpn_post_nms_test,
        "parameters": sum(p.numel() for p in model.parameters()),
        "trainable_parameters": sum(p.numel() for p in params),
        "minutes_budget": args.minutes or None, "eval_at_minutes": args.eval_points,
        "steps": 0, "train_seconds": 0.0, "train_images_seen": 0, "train_images_per_second": None,
        "inference_seconds_per_image": None, "evals": [], "skipped_eval_points": [],
        "stopped_by": "running (incomplete)", "error": None, "wall_seconds": 0.0,
    }

    def save():
        path = os.path.join(args.out, "result.json")
        with open(path + ".tmp", "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")
        os.replace(path + ".tmp", path)

    log = open(os.path.join(args.out, "train_log.jsonl"), "w")
    wall0 = time.perf_counter()
    train_s, step, seen = 0.0, 0, 0
    window = {}
    pending = list(args.eval_points)

    def run_eval(requested, cut_short):
        minutes = train_s / 60 if cut_short else requested
        folder = os.path.join(args.out, f"eval-{minutes_label(minutes)}min")
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.startswith("comp4_det_"):
                    os.unlink(os.path.join(folder, name))
        info(f"evaluating at {train_s / 60:.2f} min of training (step {step}) on {len(test_images)} images...")
        t0 = time.perf_counter()
        ev = evaluate(model, test_images, test_pixels, classes, gt, args, folder)
        ev = {"minutes": round(minutes, 4), "requested_minutes": requested, "cut_short": cut_short,
              "train_seconds": train_s, "steps": step, "images_seen": seen,
              "eval_seconds": time.perf_counter() - t0, **ev}
        result["evals"].append(ev)
        result["inference_seconds_per_image"] = ev["inference_seconds_per_image"]
        aps = ", ".join(f"{c} {v * 100:.1f}" if v is not None else f"{c} -" for c, v in ev["ap"].items())
        m = f"{ev['map'] * 100:.2f}" if ev["map"] is not None else "-"
        info(f"  mAP (VOC07) {m}% [{aps}], {ev['inference_seconds_per_image'] * 1000:.0f} ms/image, {ev['detections']} detections")

    def update_totals():
        result.update(steps=step, train_seconds=train_s, train_images_seen=seen,
                      train_images_per_second=seen / train_s if train_s > 0 else None,
                      wall_seconds=time.perf_counter() - wall0)

    status = 0
    while pending:
        t0 = time.perf_counter()
        images, targets = next(batches)
        if args.warmup > 0 and step < args.warmup:
            alpha = step / args.warmup
            factor = args.warmup_factor * (1 - alpha) + alpha
        else:
            factor = 1.0
        for group in optimizer.param_groups:
            group["lr"] = args.lr * factor
        losses = model(list(images), list(targets))
        loss = sum(losses.values())
        if not math.isfinite(loss.item()):
            update_totals()
            result["stopped_by"] = "non-finite loss"
            result["error"] = f"loss {loss.item()} at step {step + 1} ({ {k: v.item() for k, v in losses.items()} })"
            info(f"error: {result['error']}")
            status = 1
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        train_s += time.perf_counter() - t0
        step += 1
        seen += len(images)
        for k, v in losses.items():
            window[k] = window.get(k, 0.0) + v.item()
        window["loss"] = window.get("loss", 0.0) + loss.item()
        window["n"] = window.get("n", 0) + 1
        if step % args.log_every == 0:
            n = window.pop("n")
            rec = {"step": step, "train_seconds": round(train_s, 3), "lr": args.lr * factor,
                   "images_per_second": seen / train_s, **{k: v / n for k, v in window.items()}}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            info(f"step {step}  {train_s / 60:.2f} min  {seen / train_s:.2f} img/s  lr {args.lr * factor:.4g}  "
                 f"loss {rec['loss']:.4f} (rpn {rec['loss_objectness']:.3f}+{rec['loss_rpn_box_reg']:.3f}, "
                 f"head {rec['loss_classifier']:.3f}+{rec['loss_box_reg']:.3f})")
            window = {}
        while pending and train_s >= pending[0] * 60:
            run_eval(pending.pop(0), cut_short=False)
            update_totals()
            save()
        if pending and args.minutes and time.perf_counter() - wall0 >= args.minutes * 60:
            info(f"wall budget of {args.minutes:g} min reached at {train_s / 60:.2f} min of training")
            if not result["evals"] or result["evals"][-1]["steps"] != step:
                run_eval(pending.pop(0), cut_short=True)
            # else: the model was just evaluated (the budget ran out during that evaluation)
            result["skipped_eval_points"] = pending
            result["stopped_by"] = "wall budget"
            pending = []
    if result["stopped_by"] == "running (incomplete)":
        result["stopped_by"] = "last eval point"
    log.close()
    update_totals()
    if args.save_model:
        path = os.path.join(args.out, "model.pt")
        torch.save(model.state_dict(), path + ".tmp")
        os.replace(path + ".tmp", path)
        result["model"] = path
    save()
    del batches  # stops the worker
    info(f"{step} steps, {seen} images in {train_s:.1f} s of training: "
         f"{result['train_images_per_second'] or 0:.3f} img/s; wall {result['wall_seconds']:.1f} s; "
         f"{os.path.join(args.out, 'result.json')}")
    print(json.dumps(result))
    return status


if __name__ == "__main__":
    sys.exit(main())
