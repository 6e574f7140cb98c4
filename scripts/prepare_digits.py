#!/usr/bin/env python3
"""Prepares the 8×8 handwritten digits for the training chapter: www/assets/digits.bin (+ a summary for the tests).

Source: UCI "Optical Recognition of Handwritten Digits" (E. Alpaydin, C. Kaynak, 1998; CC BY 4.0,
https://doi.org/10.24432/C50P49), the 1,797-image test part that scikit-learn ships as
`sklearn/datasets/data/digits.csv.gz` (64 pixel columns 0–16 in row-major 8×8 order, then the label 0–9).

    /work/venv/bin/pip install scikit-learn      # once (1.9.1 was used)
    /work/venv/bin/python scripts/prepare_digits.py

Format of digits.bin (lossless; about 39 KB once gzip'd, 59 KB as stored):
    b"DIG1", n (u16 little endian), pixels per image (u8), side (u8)
    n·64 pixel values as 4-bit nibbles (high nibble first), *pixel-major* (all images' pixel 0, then all
        images' pixel 1, …: the border pixels are nearly always 0, so this compresses best), each min(v, 15)
    one bit per nibble equal to 15, in the same order (most significant bit first): 1 when the value is 16
    n labels as 4-bit nibbles (high nibble first)
`src/train/digits.rs` decodes it; `tests/digits.rs` checks the decoder against tests/golden/digits_summary.json
written here (class counts, pixel sums, the first image).
"""

import gzip
import hashlib
import json
import os
import pathlib

import numpy as np
import sklearn

ROOT = pathlib.Path(__file__).resolve().parents[1]
SRC = pathlib.Path(sklearn.__file__).parent / "datasets/data/digits.csv.gz"
OUT = ROOT / "www/assets/digits.bin"
SUMMARY = ROOT / "tests/golden/digits_summary.json"


def nibbles(values):
    v = np.asarray(values, dtype=np.uint8)
    if len(v) % 2:
        v = np.concatenate([v, [0]]).astype(np.uint8)
    return ((v[0::2] << 4) | v[1::2]).astype(np.uint8).tobytes()


def main():
    data = np.loadtxt(gzip.open(SRC), delimiter=",")
    x = data[:, :64].astype(np.uint8)
    y = data[:, 64].astype(np.uint8)
    assert x.shape == (1797, 64) and x.max() == 16 and set(y) == set(range(10))
    flat = x.T.reshape(-1)  # pixel-major
    escapes = np.packbits(flat[flat >= 15] == 16).tobytes()
    blob = b"DIG1" + len(y).to_bytes(2, "little") + bytes([64, 8]) + nibbles(np.minimum(flat, 15)) + escapes + nibbles(y)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(blob)
    gz = len(gzip.compress(blob, 9))
    summary = {
        "source": f"scikit-learn {sklearn.__version__} datasets/data/digits.csv.gz (UCI optdigits, CC BY 4.0)",
        "images": int(len(y)),
        "class_counts": np.bincount(y, minlength=10).tolist(),
        "pixel_sum": int(x.astype(np.int64).sum()),
        "pixel_sum_by_class": [int(x[y == k].astype(np.int64).sum()) for k in range(10)],
        "count_of_16": int((x == 16).sum()),
        "first_image": x[0].tolist(),
        "first_label": int(y[0]),
        "last_image": x[-1].tolist(),
        "last_label": int(y[-1]),
        "bytes": len(blob),
        "gzip_bytes": gz,
        "sha256": hashlib.sha256(blob).hexdigest(),
    }
    SUMMARY.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(blob)} bytes, {gz} bytes gzip'd (level 9); summary {SUMMARY.relative_to(ROOT)}")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
