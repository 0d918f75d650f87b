"""A model's twin for OpenCV's DNN module: the EMA generator exported once to ONNX, so that
rendering a backdrop on the CPU never imports torch.

On these 2 cores ``import torch`` alone takes 3-4 s, more than half of a 6 s backdrop's time
budget; OpenCV is loaded anyway. The twin runs the same graph to within 1e-5 of torch, a little
slower per picture (10 ms against 9 here), so it is only used where torch would run on the CPU
too (no CUDA device, or ``--device cpu``), and only when it was made from the model file's very bytes: a
retrained or replaced model without a matching twin renders through torch as before.

The twin is ``MODEL.onnx`` beside the model, with ``MODEL.onnx.json`` saying what it was made
from (the model's SHA-256), its styles, latent size and batch. The shipped model has one; make
one with ``python -m core.gan.twin MODEL`` (needs the dev extra's ``onnx``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import ModelError

log = logging.getLogger(__name__)

TWIN_BATCH = 8  # the batch the graph was exported at (OpenCV cannot reshape it for another)


@dataclass(frozen=True)
class Twin:
    graph: Path
    styles: list[str]
    z_dim: int
    batch: int


def twin_of(model_file: str | os.PathLike) -> Twin | None:
    """The model's twin, when there is one made from this very file; None otherwise."""
    model_file = Path(model_file)
    graph, about = _twin_paths(model_file)
    try:
        facts = json.loads(about.read_text())
        if facts.get("model_sha256") != _sha256(model_file) or not graph.is_file():
            return None
        return Twin(graph, list(facts["styles"]), int(facts["z_dim"]), int(facts["batch"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cuda_may_be_present() -> bool:
    """Whether an NVIDIA GPU may be here, found without importing torch (which takes seconds):
    the driver's files on Linux, its command elsewhere."""
    if sys.platform.startswith("linux"):
        return Path("/proc/driver/nvidia/version").exists() or Path("/dev/nvidiactl").exists()
    return shutil.which("nvidia-smi") is not None


class TwinGenerator:
    """Runs a twin: pictures in -1..1, (N, 3, size, size), as the torch generator gives them."""

    def __init__(self, twin: Twin):
        import cv2

        try:
            self.net = cv2.dnn.readNetFromONNX(str(twin.graph))
        except cv2.error as exc:
            raise ModelError(f"The model's twin '{twin.graph.name}' is damaged ({exc.err}).") from exc
        self.styles, self.z_dim, self.batch = twin.styles, twin.z_dim, twin.batch

    def __call__(self, z: np.ndarray, style_index: int) -> np.ndarray:
        style = np.zeros((self.batch, len(self.styles)), np.float32)
        style[:, style_index] = 1.0  # one-hot: the graph embeds styles by a matrix product
        out = []
        for start in range(0, len(z), self.batch):
            part = z[start : start + self.batch]
            padded = np.zeros((self.batch, self.z_dim), np.float32)
            padded[: len(part)] = part
            self.net.setInput(padded, "z")
            self.net.setInput(style, "style")
            out.append(self.net.forward()[: len(part)])
        return np.concatenate(out)


def write_twin(model_file: str | os.PathLike) -> Path:
    """Export the model's EMA generator to its twin (needs torch and onnx); returns the graph."""
    import torch

    from core.fileio import atomic_write_bytes
    from core.gan.train import build_generator, load_model_file

    model_file = Path(model_file)
    data = load_model_file(model_file)
    generator = _without_flat_norm(build_generator(data).to(memory_format=torch.contiguous_format))
    z = torch.zeros(TWIN_BATCH, data["z_dim"])
    style = torch.zeros(TWIN_BATCH, len(data["styles"]))
    graph, about = _twin_paths(model_file)
    temporary = graph.with_name(graph.name + ".part")
    # The TorchScript exporter on purpose: its opset-17 graph is one OpenCV's DNN module reads
    # (torch calls it legacy, and warns; its notes on constant folding are about reflected padding).
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", (DeprecationWarning, UserWarning))
            torch.onnx.export(generator, (z, style), str(temporary), input_names=["z", "style"],
                              output_names=["picture"], dynamo=False, opset_version=17)
        os.replace(temporary, graph)
    finally:
        temporary.unlink(missing_ok=True)
    facts = {"model_sha256": _sha256(model_file), "styles": list(data["styles"]), "z_dim": data["z_dim"],
             "batch": TWIN_BATCH}
    atomic_write_bytes(about, (json.dumps(facts, indent=2) + "\n").encode())
    return graph


def _without_flat_norm(generator):
    """The generator with the BatchNorm after its first layer folded into that layer's weights:
    OpenCV fuses the others into their convolutions, but ran this one alone (5% of a picture)."""
    import torch
    from torch import nn

    if not generator.conditional:
        return generator
    norm = generator.start_norm.norm
    scale = torch.rsqrt(norm.running_var + norm.eps)
    with torch.no_grad():
        generator.start.weight.mul_(scale[:, None])
        generator.start.bias.sub_(norm.running_mean).mul_(scale)
    generator.start_norm.norm = nn.Identity()
    return generator


def _twin_paths(model_file: Path) -> tuple[Path, Path]:
    graph = model_file.with_suffix(".onnx")
    return graph, graph.with_name(graph.name + ".json")


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


if __name__ == "__main__":
    for name in sys.argv[1:] or [str(Path(__file__).resolve().parents[2] / "resources" / "models" / "backdrop-gan.pt")]:
        print(write_twin(name))
