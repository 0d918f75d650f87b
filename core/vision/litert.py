"""The shipped .tflite models, loaded once per thread and run with LiteRT.

A LiteRT interpreter is not safe to share between threads (preview, export and analysis jobs
run at once), so each thread gets its own; loading one takes a few milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading

import numpy as np

from core.errors import ModelError
from core.paths import resource

FETCH_AGAIN = "Reinstall Reelsmith, or run installer/fetch_models.py in a checkout."


@contextlib.contextmanager
def _native_stderr_silenced():
    """LiteRT's C++ side prints "INFO: Created TensorFlow Lite XNNPACK delegate" on the process's
    stderr, whatever the log level asked for; the command line keeps its one-line errors clean.
    Only the file descriptor is redirected, for the few milliseconds a model takes to load."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class LiteModel:
    def __init__(self, name: str):
        self.name = name
        self.path = resource("models", name)
        self._local = threading.local()

    def _interpreter(self):
        interpreter = getattr(self._local, "interpreter", None)
        if interpreter is None:
            interpreter = self._local.interpreter = self._load()
        return interpreter

    def _load(self):
        if not self.path.is_file():
            raise ModelError(f"The model file '{self.name}' is missing. {FETCH_AGAIN}")
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise ModelError(f"LiteRT (ai-edge-litert), which runs '{self.name}', is not installed. {FETCH_AGAIN}") from exc
        try:
            with _native_stderr_silenced():
                interpreter = Interpreter(model_path=str(self.path), num_threads=1)
                interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"The model file '{self.name}' is damaged and cannot be loaded. {FETCH_AGAIN}") from exc
        return interpreter

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self._interpreter().get_input_details()[0]["shape"])

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        """The model's outputs, in its own order, for one input of its input shape (float32)."""
        interpreter = self._interpreter()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], batch.astype(np.float32, copy=False))
        interpreter.invoke()
        return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


@functools.cache
def model(name: str) -> LiteModel:
    return LiteModel(name)


SHIPPED = ("selfie_segmentation.tflite", "selfie_segmentation_landscape.tflite",
           "face_detection_short_range.tflite", "face_detection_full_range_sparse.tflite")


def check_shipped() -> int:
    """Load every shipped model once (an installer's smoke test); a ModelError names the first
    that is missing or damaged. Returns how many loaded."""
    for name in SHIPPED:
        model(name).input_shape  # noqa: B018 (loading is the check)
    return len(SHIPPED)
