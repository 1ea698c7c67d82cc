#!/usr/bin/env python3
"""Prints the comparison table of bench/compare.sh from the JSON lines both tools
wrote (`facegate embed --json` and bench/reference_face_recognition.py, same format):

- per-stage median milliseconds per image for each tool and their ratio (each
  image's median over the runs, then the median over the images);
- accuracy on the pairs at the same threshold, each image represented by its face
  nearest the centre (the rule of `facegate evaluate`);
- the largest descriptor difference between the two tools over faces both found.

Standard library only: it runs with any python3.

    compare_table.py --facegate FG.jsonl --reference REF.jsonl [--pairs CSV --root DIR]
                     [--threshold 0.6] [--runs N] [--title TEXT]...
"""
import argparse
import csv
import json
import math
import os
import statistics
import sys

STAGES = [("decode", "decode"), ("detect", "detect"), ("align", "landmarks"), ("embed", "embed (chip + descriptor)")]


def load(path):
    """{file: [record, ...]} in run order; errors are kept apart."""
    records, errors = {}, {}
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            key = os.path.realpath(record["file"])
            if "error" in record:
                errors[key] = record["error"]
            else:
                records.setdefault(key, []).append(record)
    return records, errors


def per_image_medians(records, stage):
    """Each image's median over its runs of one stage (or of the total)."""
    values = []
    for runs in records.values():
        if stage == "total":
            samples = [sum(r["timings_ms"][s] for s, _ in STAGES) for r in runs]
        elif stage == "embed_per_face":
            samples = [r["timings_ms"]["embed"] / len(r["faces"]) for r in runs if r["faces"]]
        else:
            samples = [r["timings_ms"][stage] for r in runs]
        if samples:
            values.append(statistics.median(samples))
    return values


def central_face(record):
    """The face whose (clipped) box centre is nearest the image centre."""
    if not record["faces"]:
        return None
    cx, cy = (record["width"] - 1) / 2, (record["height"] - 1) / 2

    def distance(face):
        box = face["box"]
        return ((box["left"] + box["right"]) / 2 - cx) ** 2 + ((box["top"] + box["bottom"]) / 2 - cy) ** 2

    return min(record["faces"], key=distance)


def read_pairs(path, root):
    pairs = []
    with open(path, newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or all(not field.strip() for field in row):
                continue
            if number == 1 and [f.strip().lower() for f in row][:2] == ["file_a", "file_b"]:
                continue
            if len(row) != 3 or row[2].strip() not in ("0", "1"):
                sys.exit(f"compare_table: {path} line {number}: expected file_a,file_b,same with same 1 or 0")
            a, b = (os.path.realpath(os.path.join(root, f.strip())) for f in row[:2])
            pairs.append((a, b, row[2].strip() == "1"))
    return pairs


def accuracy(records, pairs, threshold):
    """(correct, used) over the pairs whose two images gave a face."""
    faces = {key: central_face(runs[0]) for key, runs in records.items()}
    correct = used = 0
    for a, b, same in pairs:
        fa, fb = faces.get(a), faces.get(b)
        if fa is None or fb is None:
            continue
        used += 1
        if (math.dist(fa["embedding"], fb["embedding"]) < threshold) == same:
            correct += 1
    return correct, used


def iou(a, b):
    left, top = max(a["left"], b["left"]), max(a["top"], b["top"])
    right, bottom = min(a["right"], b["right"]), min(a["bottom"], b["bottom"])
    if right < left or bottom < top:
        return 0.0
    inter = (right - left + 1) * (bottom - top + 1)
    area = lambda box: (box["right"] - box["left"] + 1) * (box["bottom"] - box["top"] + 1)
    return inter / (area(a) + area(b) - inter)


def descriptor_differences(ours, theirs):
    """Largest L2 and component difference over faces matched by box, and counts."""
    largest_l2 = largest_component = 0.0
    matched = unmatched = 0
    for key in set(ours) | set(theirs):
        a = ours[key][0]["faces"] if key in ours else []
        b = list(theirs[key][0]["faces"]) if key in theirs else []
        for face in a:
            best = max(b, key=lambda other: iou(face["box"], other["box"]), default=None)
            if best is None or iou(face["box"], best["box"]) < 0.5:
                unmatched += 1
                continue
            b.remove(best)
            matched += 1
            largest_l2 = max(largest_l2, math.dist(face["embedding"], best["embedding"]))
            largest_component = max(largest_component, max(abs(x - y) for x, y in zip(face["embedding"], best["embedding"])))
        unmatched += len(b)
    return largest_l2, largest_component, matched, unmatched


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facegate", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--pairs")
    parser.add_argument("--root", default=".")
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--title", action="append", default=[], help="a line printed above the table")
    args = parser.parse_args()

    ours, our_errors = load(args.facegate)
    theirs, their_errors = load(args.reference)
    for line in args.title:
        print(line)
    runs = max((len(r) for r in ours.values()), default=0)
    print(f"{len(ours)} images timed, {runs} run(s) each; milliseconds: each image's median over its runs, then the median over the images")
    print()

    header = f"{'stage (median ms per image)':<30}{'facegate':>18}{'face_recognition':>18}{'ratio fr/fg':>13}"
    print(header)
    print("-" * len(header))
    rows = STAGES + [("total", "total"), ("embed_per_face", "embed per face")]
    for stage, label in rows:
        a, b = per_image_medians(ours, stage), per_image_medians(theirs, stage)
        if not a or not b:
            print(f"{label:<30}{'-':>18}{'-':>18}{'-':>13}")
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = f"{mb / ma:.2f}x" if ma > 0 else "-"
        print(f"{label:<30}{ma:>18.2f}{mb:>18.2f}{ratio:>13}")
    print("-" * len(header))
    print("ratio fr/fg: face_recognition's time over facegate's (above 1: facegate is faster)")

    count = lambda records: sum(len(r[0]["faces"]) for r in records.values())
    print(f"{'faces found':<30}{count(ours):>18}{count(theirs):>18}")
    print(f"{'images that failed':<30}{len(our_errors):>18}{len(their_errors):>18}")
    if args.pairs:
        pairs = read_pairs(args.pairs, args.root)
        cells = []
        for records in (ours, theirs):
            correct, used = accuracy(records, pairs, args.threshold)
            cells.append(f"{correct / used:.4f} ({correct}/{used})" if used else "n/a")
        print(f"{f'accuracy at {args.threshold} ({len(pairs)} pairs)':<30}{cells[0]:>18}{cells[1]:>18}")
    l2, component, matched, unmatched = descriptor_differences(ours, theirs)
    print()
    print(f"descriptor difference over {matched} faces found by both: largest L2 {l2:.2e}, largest component {component:.2e}"
          + (f"; {unmatched} face(s) found by one tool only" if unmatched else ""))
    for key, error in sorted(our_errors.items()):
        print(f"facegate failed on {key}: {error.get('message', error)}")
    for key, error in sorted(their_errors.items()):
        print(f"face_recognition failed on {key}: {error.get('message', error)}")


if __name__ == "__main__":
    main()
