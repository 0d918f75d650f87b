"""Settle a model file's BatchNorm statistics on many of its own pictures, once, before it ships.

Training settles on SETTLE_PICTURES (1,024) at every save, which is cheap; two such settlings
give pictures several grey levels apart, and 8,192 pictures bring that to about 2
(docs/models.md, thirteenth session). Only the statistics change, never a weight. Then make
the model's twin again (``python -m core.gan.twin MODEL``).

    python -m core.gan.settle MODEL.pt [--out SETTLED.pt] [--pictures 8192]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

SHIP_PICTURES = 8192


def settle_model_file(source: str | os.PathLike, out: str | os.PathLike | None = None,
                      pictures: int = SHIP_PICTURES) -> Path:
    """Settle ``source``'s generator on ``pictures`` of its own, every style alike, and save it
    to ``out`` (``source`` itself when None), atomically."""
    import torch

    from core.gan.model import settle_statistics
    from core.gan.train import _save, build_generator, load_model_file

    data = load_model_file(source)
    generator = build_generator(data).train()
    settle_statistics(generator, torch.arange(len(data["styles"])), pictures=pictures, seed=0)
    data["generator"] = {name: value.contiguous() for name, value in generator.eval().state_dict().items()}
    target = Path(out or source)
    _save(data, target)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m core.gan.settle", description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--out")
    parser.add_argument("--pictures", type=int, default=SHIP_PICTURES)
    args = parser.parse_args(argv)
    print(settle_model_file(args.model, args.out, args.pictures))


if __name__ == "__main__":
    main()
