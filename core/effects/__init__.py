"""Effects: what makes a short video look finished, the same in preview and export.

An effect is a params dataclass and a pure, vectorised ``apply(frame, t, params)`` registered by
name, which is what the project file stores: ``{"type": name, "params": {...}}``. Any number in
the params (or list of numbers, such as a colour) may instead be animated with keyframes:
``{"keys": [[seconds, value, "linear" | "ease"], ...]}``, seconds counted from the clip's start;
each key's curve runs to the next key.

Effects stack in order. Most work on the clip's own picture ("clip" space); titles, captions and
particles draw on the canvas while the clip is on screen ("canvas" space), so their positions
are the canvas's. An effect that keys out a background returns RGBA; the compositor blends it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import EditError

CLIP_SPACE, CANVAS_SPACE = "clip", "canvas"
EASINGS = ("linear", "ease")


def setting(default: Any = None, low: float | None = None, high: float | None = None, *,
            choices: tuple[str, ...] | None = None, doc: str = "", factory: Callable[[], Any] | None = None):
    """A params field that declares what a project file may give it: a number from ``low`` to
    ``high`` (each number of a colour too), or one of ``choices``, and what it means. Effects
    are checked against these where they enter (``validate_effect``), and the settings table
    in docs/project-format.md is made from them (``settings_reference``)."""
    meta = {"low": low, "high": high, "choices": choices, "doc": doc}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class Source:
    """Where a clip's picture comes from, for effects that analyse the footage itself (the
    person matte): the file, the time in it, and the part of its frame the picture shows
    (left, top, right, bottom as fractions)."""

    path: str
    time: float
    crop: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class EffectType:
    name: str
    label: str
    category: str
    params: type  # a dataclass: its fields and defaults are the effect's parameters
    apply: Callable[..., np.ndarray]
    space: str = CLIP_SPACE
    wants_source: bool = False  # apply(frame, t, params, source: Source | None)


REGISTRY: dict[str, EffectType] = {}


def register(name: str, label: str, category: str, params: type, space: str = CLIP_SPACE, wants_source: bool = False):
    """Decorator for an ``apply(frame, t, params)`` function (``apply(frame, t, params,
    source)`` with ``wants_source``; the source is None where there is no one file, as for a
    track's effects)."""

    def add(apply):
        REGISTRY[name] = EffectType(name, label, category, params, apply, space, wants_source)
        return apply

    return add


def _load_builtin() -> None:
    """Import the built-in effect modules (they register themselves). Always all of them: one
    may already be imported on its own (the backdrop uses the grain), the others not yet."""
    from core.effects import colour, key, particles, person, text  # noqa: F401


def effect_type(name: str) -> EffectType:
    _load_builtin()
    if name not in REGISTRY:
        raise EditError(f"Unknown effect '{name}'. Known effects: {', '.join(sorted(REGISTRY))}.")
    return REGISTRY[name]


def all_effects() -> list[EffectType]:
    _load_builtin()
    return sorted(REGISTRY.values(), key=lambda e: (e.category, e.label))


# --- keyframes --------------------------------------------------------------------------------


def _ease(x: float) -> float:
    return x * x * (3 - 2 * x)  # smoothstep: slow out, slow in


def value_at(raw: Any, t: float) -> Any:
    """A parameter's value at ``t`` seconds into the clip: itself, or its keyframes evaluated."""
    if not (isinstance(raw, dict) and "keys" in raw):
        return raw
    keys = sorted(raw["keys"], key=lambda k: k[0])
    if t <= keys[0][0]:
        return keys[0][1]
    for (t0, v0, *curve), (t1, v1, *_) in zip(keys, keys[1:], strict=False):
        if t < t1:
            x = (t - t0) / (t1 - t0) if t1 > t0 else 1.0
            if (curve[0] if curve else "linear") == "ease":
                x = _ease(x)
            if isinstance(v0, list | tuple):
                return [a + (b - a) * x for a, b in zip(v0, v1, strict=True)]
            return v0 + (v1 - v0) * x
    return keys[-1][1]


def with_key(keys: list, key) -> list:
    """``keys`` with ``key`` (its first item the time) added, replacing a key at the same
    moment, in time order. Effect settings and clip volume keys are both kept this way."""
    kept = [k for k in keys if abs(k[0] - key[0]) > 1e-3]
    return sorted([*kept, key], key=lambda k: k[0])


def params_at(kind: EffectType, raw: dict, t: float):
    """The params dataclass with every animated value evaluated at ``t``."""
    values = {name: value_at(value, t) for name, value in raw.items()}
    return kind.params(**values)


def validate_effect(effect: dict) -> None:
    """An EditError naming what is wrong with an effect entry, or nothing."""
    kind = effect_type(effect.get("type", ""))
    fields = {f.name: f for f in dataclasses.fields(kind.params)}
    for name, raw in effect.get("params", {}).items():
        if name not in fields:
            raise EditError(f"The {kind.label} effect has no setting '{name}'.")
        if isinstance(raw, dict):
            keys = raw.get("keys")
            if not (isinstance(keys, list) and keys and all(_valid_key(k) for k in keys)):
                raise EditError(f"{kind.label}: the keyframes of '{name}' must be [[seconds, value, "
                                f"\"linear\" or \"ease\"], ...].")
            for key in keys:
                _check_declared(kind, fields[name], key[1])
        else:
            _check_declared(kind, fields[name], raw)
    try:
        kind.params(**{n: value_at(v, 0.0) for n, v in effect.get("params", {}).items()})
    except (TypeError, ValueError) as exc:
        raise EditError(f"{kind.label}: {exc}") from exc


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not an int too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


# What a setting's declared type takes in a project file: (test, words for the message).
_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "float": (is_number, "a number"),
    "int": (lambda v: is_number(v) and float(v).is_integer(), "a whole number"),
    "str": (lambda v: isinstance(v, str), "text"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "tuple[int, int, int]": (lambda v: isinstance(v, list | tuple) and len(v) == 3 and all(map(is_number, v)),
                             "three numbers (red, green, blue)"),
}


def _check_declared(kind: EffectType, field: dataclasses.Field, value: Any) -> None:
    """The value against the type, range or choices its field declares (see ``setting``)."""
    low, high, choices = (field.metadata.get(k) for k in ("low", "high", "choices"))
    test, words = _TYPES[str(field.type)]
    if not test(value):
        raise EditError(f"{kind.label}: '{field.name}' must be {words} (not {_shown(value)}).")
    if choices is not None and value not in choices:
        raise EditError(f"{kind.label}: '{field.name}' must be one of {', '.join(choices)} (not {value!r}).")
    if low is None:
        return
    for number in value if isinstance(value, list | tuple) else [value]:
        if not low <= number <= high:
            raise EditError(f"{kind.label}: '{field.name}' must be between {_number(low)} and {_number(high)} "
                            f"(it is {number:g}).")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


def settings_reference() -> str:
    """Every effect's settings as Markdown, from the registry: names, ranges, defaults, meaning."""
    rows = []
    for kind in sorted(all_effects(), key=lambda k: k.name):
        rows += [f"### `{kind.name}` ({kind.label}, {kind.space} space)", "",
                 "| setting | values | default | meaning |", "| --- | --- | --- | --- |"]
        for field in dataclasses.fields(kind.params):
            rows.append(f"| `{field.name}` | {_values(field)} | {_default(field)} | {field.metadata.get('doc', '')} |")
        rows.append("")
    return "\n".join(rows)


def _values(field: dataclasses.Field) -> str:
    meta = field.metadata
    if meta.get("choices"):
        return ", ".join(f"`{c}`" for c in meta["choices"])
    if meta.get("low") is not None:
        span = f"{_number(meta['low'])} to {_number(meta['high'])}"
        return f"RGB, each {span}" if "colour" in field.name else span
    return {"str": "text", "bool": "true or false", "list": "list"}.get(str(field.type), str(field.type))


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _default(field: dataclasses.Field) -> str:
    import json

    value = field.default_factory() if field.default is dataclasses.MISSING else field.default
    return f"`{json.dumps(value)}`"


def _valid_key(key) -> bool:
    if not (isinstance(key, list | tuple) and 2 <= len(key) <= 3):
        return False
    seconds, value = key[0], key[1]
    curve_ok = len(key) == 2 or key[2] in EASINGS
    number_ok = isinstance(value, int | float) or (isinstance(value, list | tuple)
                                                    and all(isinstance(v, int | float) for v in value))
    return isinstance(seconds, int | float) and math.isfinite(seconds) and number_ok and curve_ok


# --- applying ---------------------------------------------------------------------------------


def apply_effects(frame: np.ndarray, t: float, effects: list[dict], space: str = CLIP_SPACE,
                  source: Source | None = None) -> np.ndarray:
    """Run the stack's effects of one space over ``frame`` in order (disabled ones skipped)."""
    for effect in effects:
        if not effect.get("enabled", True):
            continue
        kind = effect_type(effect["type"])
        if kind.space == space:
            params = params_at(kind, effect.get("params", {}), t)
            frame = kind.apply(frame, t, params, source) if kind.wants_source else kind.apply(frame, t, params)
    return frame


def make_effect(name: str, **params) -> dict:
    """A project-file effect entry, checked."""
    effect = {"type": name, "params": params}
    validate_effect(effect)
    return effect


if __name__ == "__main__":  # python -c "from core.effects import settings_reference; ...": the settings section of docs/project-format.md
    print(settings_reference())
