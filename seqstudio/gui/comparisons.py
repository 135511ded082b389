"""One augmentation op at a time: the specs and renders behind "solo" and "sweep".

* **solo** — the same samples with only one op enabled (every other op of the pipeline
  kept but disabled), next to the clean original (every op disabled);
* **sweep** — the op alone, applied always (probability 1), with each range parameter
  pinned at the low end, the middle and the high end of its range (the configured range,
  or the allowed limits when the configured range is a single value).

The specs are ordinary :class:`~seqstudio.core.spec.GenerationSpec` objects, so a solo
image is exactly what the core (and an export) makes of "this op only". Rendering runs on
a worker thread (:func:`render_comparison`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seqstudio.core.augment.schema import OPS
from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.preview_render import RenderedSample, render_sample

KINDS = ("solo", "sweep")
SOLO_ROWS = 8
SWEEP_ROWS = 4


def ops_as_dicts(value: Any) -> list[dict[str, Any]]:
    """A pipeline value (tuple of ``AugmentOp`` or list of dicts) as a list of dicts."""
    result = []
    for item in value or ():
        data = item.to_dict() if hasattr(item, "to_dict") else dict(item)
        data["params"] = dict(data.get("params") or {})
        result.append(data)
    return result


def only_op(spec: GenerationSpec, op: dict[str, Any]) -> GenerationSpec:
    """``spec`` with ``op`` enabled and every other op of its pipeline disabled.

    ``op`` (an op's JSON dict) replaces the first pipeline op of the same name, or is
    appended when the pipeline has none.
    """
    ops = ops_as_dicts(spec.augment)
    placed = False
    for k, data in enumerate(ops):
        if not placed and data.get("op") == op["op"]:
            ops[k] = {**op, "enabled": True}
            placed = True
        else:
            data["enabled"] = False
    if not placed:
        ops.append({**op, "enabled": True})
    return spec.replace(augment=ops)


def clean(spec: GenerationSpec) -> GenerationSpec:
    """``spec`` with every augmentation op disabled (the clean original)."""
    ops = ops_as_dicts(spec.augment)
    for data in ops:
        data["enabled"] = False
    return spec.replace(augment=ops)


def _point(value: float, integer: bool) -> float | int:
    return int(round(value)) if integer else round(float(value), 6)


def sweep_points(op: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The min, middle and max variants of ``op``: ``[(title, op dict), ...]``.

    Each range parameter is pinned to one value (``[v, v]``); the op is always applied.
    """
    schema = OPS[op["op"]]
    params = {**schema.defaults(), **dict(op.get("params") or {})}
    ranges = [p for p in schema.params if p.is_range]
    if not ranges:
        return [("as set", {**op, "enabled": True, "probability": 1.0, "params": params})]
    points = []
    for title, t in (("min", 0.0), ("mid", 0.5), ("max", 1.0)):
        pinned = dict(params)
        words = []
        for p in ranges:
            lo, hi = (float(v) for v in params[p.name])
            if lo == hi:
                lo, hi = float(p.minimum), float(p.maximum)
            v = _point(lo + (hi - lo) * t, p.kind == "int_range")
            pinned[p.name] = [v, v]
            words.append(f"{p.name.replace('_', ' ')} {v:g}{(' ' + p.unit) if p.unit else ''}")
        points.append(
            (
                f"{title}: {', '.join(words)}",
                {**op, "enabled": True, "probability": 1.0, "params": pinned},
            )
        )
    return points


@dataclass(frozen=True, eq=False)
class Comparison:
    """A rendered comparison: column titles and its samples row by row."""

    kind: str
    op: str
    spec: GenerationSpec
    headers: list[str]
    samples: list[RenderedSample] = field(default_factory=list)
    note: str = ""


def comparison_columns(
    kind: str, spec: GenerationSpec, op: dict[str, Any]
) -> list[tuple[str, GenerationSpec]]:
    """The column titles and specs of a ``"solo"`` or ``"sweep"`` comparison of ``op``."""
    if kind not in KINDS:
        raise ValueError(f"comparison kind {kind!r} is not one of {', '.join(KINDS)}")
    title = OPS[op["op"]].title
    columns = [("original", clean(spec))]
    if kind == "solo":
        columns.append((f"{title} only", only_op(spec, op)))
    else:
        columns += [(name, only_op(spec, point)) for name, point in sweep_points(op)]
    return columns


def render_comparison(
    kind: str, spec: GenerationSpec, op: dict[str, Any], rows: int | None = None
) -> Comparison:
    """Render samples ``0 … rows-1`` of every column (worker thread).

    Parameters
    ----------
    kind : str
        ``"solo"`` or ``"sweep"``.
    spec : GenerationSpec
        The current settings.
    op : dict
        The op's JSON dict (as edited in the panel).
    rows : int, optional
        Samples per column (default :data:`SOLO_ROWS` or :data:`SWEEP_ROWS`).

    Returns
    -------
    Comparison
        Samples row by row: sample 0 of every column, then sample 1, …
    """
    from seqstudio.core.generator import SequenceGenerator

    rows = rows if rows is not None else (SOLO_ROWS if kind == "solo" else SWEEP_ROWS)
    columns = comparison_columns(kind, spec, op)
    generators = [SequenceGenerator(s) for _, s in columns]
    samples = [render_sample(g, i) for i in range(rows) for g in generators]
    note = ""
    if kind == "solo" and float(op.get("probability", 1.0)) < 1.0:
        note = (
            f"p = {float(op['probability']):.2f}: about {float(op['probability']):.0%} "
            "of the samples are changed, as in an export"
        )
    return Comparison(kind, op["op"], spec, [t for t, _ in columns], samples, note)
