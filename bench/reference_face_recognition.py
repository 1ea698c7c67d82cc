#!/usr/bin/env python3
"""The reference pipeline facegate must match: dlib as the Python face_recognition
package drives it (HOG with one upsample, 5-point landmarks fitted in the detector's
rectangle, get_face_chip_details(shape, 150, 0.25), ResNet), decoding with Pillow.
This is what `face_recognition.face_encodings(image)` computes; the stages are
called one by one here so that each can be timed.

Prints one JSON document per image in the format of `facegate embed --json`, so
the two outputs can be compared line by line.

    reference_face_recognition.py [--upsample N] [--no-embed] IMAGE...
"""
import argparse
import json
import time

import face_recognition
from face_recognition import api


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upsample", type=int, default=1)
    parser.add_argument("--no-embed", action="store_true", help="detect only")
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()
    for path in args.images:
        try:
            t0 = time.perf_counter()
            image = face_recognition.load_image_file(path)
            t1 = time.perf_counter()
            rects = api._raw_face_locations(image, args.upsample, "hog")
            t2 = time.perf_counter()
            shapes = [] if args.no_embed else [api.pose_predictor_5_point(image, rect) for rect in rects]
            t3 = time.perf_counter()
            encodings = [api.face_encoder.compute_face_descriptor(image, shape, 1) for shape in shapes]
            t4 = time.perf_counter()
        except Exception as error:  # report and go on, as facegate does
            print(json.dumps({"file": path, "error": {"code": type(error).__name__, "message": str(error)}}))
            continue
        height, width = image.shape[:2]
        faces = []
        for index, rect in enumerate(rects):
            top, right, bottom, left = api._trim_css_to_bounds(api._rect_to_css(rect), image.shape)
            face = {"box": {"left": left, "top": top, "right": right, "bottom": bottom}}
            if not args.no_embed:
                face["embedding"] = [float(v) for v in encodings[index]]
            faces.append(face)
        print(json.dumps({
            "file": path, "width": width, "height": height, "faces": faces,
            # compute_face_descriptor extracts the chip itself: its time is in embed.
            "timings_ms": {"decode": (t1 - t0) * 1e3, "detect": (t2 - t1) * 1e3,
                           "align": (t3 - t2) * 1e3, "embed": (t4 - t3) * 1e3},
        }))


if __name__ == "__main__":
    main()
