"""The backdrop GAN: procedural data, the model, training, rendering and metrics.

Models are the shipped one in resources/models and the creator's own, trained into the data
folder's ``models`` subfolder.
"""

from __future__ import annotations

from pathlib import Path

from core.paths import data_subdir, resource

SHIPPED_MODEL_NAME = "backdrop-gan.pt"


def shipped_model() -> Path:
    return resource("models", SHIPPED_MODEL_NAME)


def user_models_dir() -> Path:
    return data_subdir("models")


def available_models() -> dict[str, Path]:
    """Model name -> file: the shipped model first, then the creator's own, newest first."""
    models = {"Reelsmith backdrops": shipped_model()} if shipped_model().exists() else {}
    own = sorted(user_models_dir().glob("*.pt"), key=lambda p: p.stat().st_mtime, reverse=True)
    models.update({p.stem: p for p in own})
    return models
