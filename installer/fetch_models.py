"""Fetch the person and face models again: MediaPipe's selfie segmentation and BlazeFace.

They are Apache-2.0 files inside the ``mediapipe==0.10.14`` wheel (under ``mediapipe/modules/``);
newer mediapipe wheels no longer carry them. This downloads that wheel without its
dependencies, takes the four model files and the licence out, checks each against the digest
recorded here, and writes them to ``resources/models/``. Reelsmith never depends on mediapipe
itself, and never fetches anything while it runs.

Run: .venv/bin/python installer/fetch_models.py [--to DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "mediapipe==0.10.14"
MODELS = {  # file in resources/models: (path in the wheel, sha256)
    "selfie_segmentation.tflite": ("mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite",
                                   "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"),
    "selfie_segmentation_landscape.tflite": (
        "mediapipe/modules/selfie_segmentation/selfie_segmentation_landscape.tflite",
        "a77d03f4659b9f6b6c1f5106947bf40e99d7655094b6527f214ea7d451106edd"),
    "face_detection_short_range.tflite": ("mediapipe/modules/face_detection/face_detection_short_range.tflite",
                                          "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"),
    "face_detection_full_range_sparse.tflite": (
        "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
        "2c3728e6da56f21e21a320433396fb06d40d9088f2247c05e5635a688d45dfe1"),
}
LICENCE = ("mediapipe-0.10.14.dist-info/LICENSE", "LICENSE-MediaPipe.txt")


def fetch(to: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "--python-version", "3.11", "--platform", "manylinux2014_x86_64", WHEEL, "-d", scratch],
                       check=True)
        (wheel,) = Path(scratch).glob("mediapipe-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for name, (inside, digest) in MODELS.items():
                data = archive.read(inside)
                if hashlib.sha256(data).hexdigest() != digest:
                    raise SystemExit(f"{inside} in {wheel.name} is not the file expected; nothing written.")
                (to / name).write_bytes(data)
            (to / LICENCE[1]).write_bytes(archive.read(LICENCE[0]))
    print(f"wrote {len(MODELS)} models and {LICENCE[1]} to {to}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--to", type=Path, default=Path(__file__).resolve().parent.parent / "resources" / "models")
    fetch(parser.parse_args().to)


if __name__ == "__main__":
    main()
