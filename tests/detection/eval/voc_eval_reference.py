#!/usr/bin/python3
"""Reference VOC AP for voc_eval_python_test.cc, written after py-faster-rcnn's voc_eval.py.

Usage: voc_eval_reference.py GT_FILE RESULTS_DIR SPLIT CLASS [CLASS ...]

GT_FILE: one object per line, "image_id class xmin ymin xmax ymax difficult" (VOC file
coordinates, 1-based inclusive), plus lines "image_id" alone for images without objects.
RESULTS_DIR: the devkit's comp4_det_<split>_<class>.txt files.
Prints one JSON object {class: [ap_07, ap_area], ...}; a class without positives gives null.

One deliberate difference from py-faster-rcnn: detections are sorted with a stable sort
(argsort kind="mergesort"), as the MATLAB devkit's sort is; numpy's default quicksort leaves
the order of tied scores unspecified.
"""
import json
import os
import sys

import numpy as np


def voc_ap(rec, prec, use_07_metric=False):
    if use_07_metric:
        ap = 0.0
        for t in np.arange(0.0, 1.1, 0.1):
            if np.sum(rec >= t) == 0:
                p = 0
            else:
                p = np.max(prec[rec >= t])
            ap = ap + p / 11.0
    else:
        mrec = np.concatenate(([0.0], rec, [1.0]))
        mpre = np.concatenate(([0.0], prec, [0.0]))
        for i in range(mpre.size - 1, 0, -1):
            mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
        i = np.where(mrec[1:] != mrec[:-1])[0]
        ap = np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])
    return ap


def voc_eval(recs, imagenames, detfile, classname, ovthresh=0.5, use_07_metric=False):
    class_recs = {}
    npos = 0
    for imagename in imagenames:
        R = [obj for obj in recs[imagename] if obj["name"] == classname]
        bbox = np.array([x["bbox"] for x in R], dtype=float).reshape(-1, 4)
        difficult = np.array([x["difficult"] for x in R]).astype(bool)
        det = [False] * len(R)
        npos = npos + sum(~difficult)
        class_recs[imagename] = {"bbox": bbox, "difficult": difficult, "det": det}

    lines = []
    if os.path.exists(detfile):
        with open(detfile) as f:
            lines = [x.strip().split() for x in f.readlines() if x.strip()]
    image_ids = [x[0] for x in lines]
    confidence = np.array([float(x[1]) for x in lines])
    BB = np.array([[float(z) for z in x[2:]] for x in lines]).reshape(-1, 4)

    sorted_ind = np.argsort(-confidence, kind="mergesort")
    BB = BB[sorted_ind, :]
    image_ids = [image_ids[x] for x in sorted_ind]

    nd = len(image_ids)
    tp = np.zeros(nd)
    fp = np.zeros(nd)
    for d in range(nd):
        R = class_recs[image_ids[d]]
        bb = BB[d, :].astype(float)
        ovmax = -np.inf
        BBGT = R["bbox"].astype(float)
        if BBGT.size > 0:
            ixmin = np.maximum(BBGT[:, 0], bb[0])
            iymin = np.maximum(BBGT[:, 1], bb[1])
            ixmax = np.minimum(BBGT[:, 2], bb[2])
            iymax = np.minimum(BBGT[:, 3], bb[3])
            iw = np.maximum(ixmax - ixmin + 1.0, 0.0)
            ih = np.maximum(iymax - iymin + 1.0, 0.0)
            inters = iw * ih
            uni = ((bb[2] - bb[0] + 1.0) * (bb[3] - bb[1] + 1.0) +
                   (BBGT[:, 2] - BBGT[:, 0] + 1.0) * (BBGT[:, 3] - BBGT[:, 1] + 1.0) - inters)
            overlaps = inters / uni
            ovmax = np.max(overlaps)
            jmax = np.argmax(overlaps)
        if ovmax > ovthresh:
            if not R["difficult"][jmax]:
                if not R["det"][jmax]:
                    tp[d] = 1.0
                    R["det"][jmax] = 1
                else:
                    fp[d] = 1.0
        else:
            fp[d] = 1.0

    if npos == 0:
        return None
    fp = np.cumsum(fp)
    tp = np.cumsum(tp)
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap(rec, prec, use_07_metric)


def main():
    gt_file, results_dir, split = sys.argv[1:4]
    classes = sys.argv[4:]
    recs = {}
    imagenames = []
    with open(gt_file) as f:
        for line in f:
            fields = line.split()
            if not fields:
                continue
            if fields[0] not in recs:
                recs[fields[0]] = []
                imagenames.append(fields[0])
            if len(fields) == 7:
                recs[fields[0]].append({"name": fields[1],
                                        "bbox": [float(v) for v in fields[2:6]],
                                        "difficult": int(fields[6])})
    out = {}
    for c in classes:
        detfile = os.path.join(results_dir, "comp4_det_%s_%s.txt" % (split, c))
        out[c] = [voc_eval(recs, imagenames, detfile, c, use_07_metric=m) for m in (True, False)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
