"""Augmentation operations as validated, immutable values, and pipeline parsing.

An :class:`AugmentOp` is one entry of ``GenerationSpec.augment``; JSON form::

    {"op": "rotate", "enabled": true, "probability": 0.5, "params": {"angle": [-10, 10]}}

Validation uses :data:`seqstudio.core.augment.schema.OPS` only; every error is a
:class:`~seqstudio.core.errors.SpecError` whose field looks like
``augment[2].params.angle`` and whose message names the op, the value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from seqstudio.core.augment.operation import Operation, ParamSchema
from seqstudio.core.augment.schema import OPS
from seqstudio.core.errors import SpecError

_OP_KEYS = ("op", "enabled", "probability", "params")


@dataclass(frozen=True)
class AugmentOp:
    """One augmentation operation of a pipeline.

    Parameters
    ----------
    op : str
        Operation name, a key of :data:`~seqstudio.core.augment.schema.OPS`.
    enabled : bool
        Disabled ops are kept in the spec (and in JSON) but never applied.
    probability : float
        Chance in [0, 1] that the op is applied to a given image (or glyph).
    params : mapping
        Parameter values; missing ones take their schema defaults. Stored read-only;
        ranges are stored as tuples.
    """

    op: str
    enabled: bool = True
    probability: float = 1.0
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _validate_op(self, "augment")

    def __hash__(self) -> int:
        return hash((self.op, self.enabled, self.probability, tuple(sorted(self.params.items()))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AugmentOp):
            return NotImplemented
        return (self.op, self.enabled, self.probability, dict(self.params)) == (
            other.op,
            other.enabled,
            other.probability,
            dict(other.params),
        )

    @property
    def schema(self) -> Operation:
        """The op's registry entry (its schema and behaviour)."""
        return OPS[self.op]

    @property
    def stage(self) -> str:
        """``"digit"`` or ``"image"``."""
        return OPS[self.op].stage

    def replace(self, **changes: Any) -> AugmentOp:
        """A validated copy with ``changes`` (``params`` entries are merged)."""
        data = self.to_dict()
        if "params" in changes:
            data["params"] = {**data["params"], **dict(changes.pop("params"))}
        data.update(changes)
        return AugmentOp.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"op", "enabled", "probability", "params"}`` with every parameter."""
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()}
        return {
            "op": self.op,
            "enabled": self.enabled,
            "probability": self.probability,
            "params": params,
        }

    @classmethod
    def from_dict(cls, data: Any, index: int | None = None) -> AugmentOp:
        """Build an op from its JSON form; errors name ``augment[index]``."""
        where = "augment" if index is None else f"augment[{index}]"
        if not isinstance(data, Mapping):
            raise SpecError(
                where, f"{data!r} is not an operation object {{op, enabled, probability, params}}"
            )
        unknown = sorted(set(data) - set(_OP_KEYS))
        if unknown:
            raise SpecError(
                f"{where}.{unknown[0]}",
                f"unknown key in op {data.get('op')!r} (allowed keys: {', '.join(_OP_KEYS)})",
            )
        if "op" not in data:
            raise SpecError(f"{where}.op", f"missing (one of: {', '.join(OPS)})")
        op = cls.__new__(cls)
        object.__setattr__(op, "op", data["op"])
        object.__setattr__(op, "enabled", data.get("enabled", True))
        object.__setattr__(op, "probability", data.get("probability", 1.0))
        object.__setattr__(op, "params", data.get("params", {}))
        _validate_op(op, where)
        return op


def parse_pipeline(value: Any) -> tuple[AugmentOp, ...]:
    """Validate an augmentation list into a tuple of :class:`AugmentOp`.

    Parameters
    ----------
    value : sequence of (AugmentOp or dict)
        The pipeline; ``()``/``[]``/``None`` mean no augmentation.

    Returns
    -------
    tuple of AugmentOp

    Raises
    ------
    SpecError
        With a field such as ``augment[2].params.angle``.
    """
    if value is None:
        return ()
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise SpecError(
            "augment",
            f"{value!r} is not a list of operations (use a list such as "
            '[{"op": "rotate", "params": {"angle": [-10, 10]}}], or load a preset by name)',
        )
    ops = []
    for index, item in enumerate(value):
        if isinstance(item, AugmentOp):
            ops.append(item)
        else:
            ops.append(AugmentOp.from_dict(item, index))
    return tuple(ops)


# --------------------------------------------------------------------- validation
def _validate_op(op: AugmentOp, where: str) -> None:
    if not isinstance(op.op, str) or op.op not in OPS:
        raise SpecError(
            f"{where}.op", f"{op.op!r} is not a known operation (known: {', '.join(OPS)})"
        )
    schema = OPS[op.op]
    name = op.op
    if not isinstance(op.enabled, bool):
        raise SpecError(f"{where}.enabled", f"{op.enabled!r} is not true or false (op {name!r})")
    p = op.probability
    if (
        isinstance(p, bool)
        or not isinstance(p, (int, float))
        or not math.isfinite(p)
        or not 0 <= p <= 1
    ):
        raise SpecError(
            f"{where}.probability", f"{p!r} is outside the allowed range 0 to 1 (op {name!r})"
        )
    object.__setattr__(op, "probability", float(p))
    params = op.params
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise SpecError(
            f"{where}.params", f"{params!r} is not an object of parameters (op {name!r})"
        )
    known = {ps.name for ps in schema.params}
    unknown = sorted(set(params) - known)
    if unknown:
        allowed = ", ".join(sorted(known)) if known else "none"
        raise SpecError(
            f"{where}.params.{unknown[0]}",
            f"unknown parameter of op {name!r} (its parameters: {allowed})",
        )
    checked = {}
    for ps in schema.params:
        value = params.get(ps.name, ps.default)
        checked[ps.name] = _check_param(ps, value, f"{where}.params.{ps.name}", name)
    schema.check(checked, f"{where}.params")
    object.__setattr__(op, "params", MappingProxyType(checked))


def _is_number(value: Any, integer: bool) -> bool:
    if isinstance(value, bool):
        return False
    if integer:
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, (int, float)) and math.isfinite(value)


def _check_param(ps: ParamSchema, value: Any, field_name: str, op: str) -> Any:
    allowed = ps.describe_allowed()
    if ps.kind == "bool":
        if not isinstance(value, bool):
            raise SpecError(
                field_name, f"{value!r} is not allowed for op {op!r} (allowed: {allowed})"
            )
        return value
    if ps.kind == "folder":
        if not isinstance(value, str):
            raise SpecError(
                field_name, f"{value!r} is not allowed for op {op!r} (allowed: {allowed})"
            )
        return value
    if ps.kind == "choice":
        if value not in ps.choices:
            raise SpecError(
                field_name, f"{value!r} is not allowed for op {op!r} (allowed: {allowed})"
            )
        return value
    integer = ps.kind.startswith("int")
    low = -math.inf if ps.minimum is None else ps.minimum  # unbounded when not declared
    high = math.inf if ps.maximum is None else ps.maximum
    if ps.is_range:
        if (
            isinstance(value, (str, bytes, Mapping))
            or not isinstance(value, Sequence)
            or len(value) != 2
        ):
            raise SpecError(
                field_name, f"{value!r} is not a [lo, hi] pair for op {op!r} (allowed: {allowed})"
            )
        items = list(value)
        for k, v in enumerate(items):
            if not _is_number(v, integer):
                raise SpecError(
                    f"{field_name}[{k}]",
                    f"{v!r} is not a valid value for op {op!r} (allowed: {allowed})",
                )
        lo, hi = (int(v) if integer else float(v) for v in items)
        for k, v in enumerate((lo, hi)):
            if not low <= v <= high:
                raise SpecError(
                    f"{field_name}[{k}]",
                    f"{v} is outside the allowed range {ps.minimum} to {ps.maximum} for op {op!r} "
                    f"(allowed: {allowed})",
                )
        if lo > hi:
            raise SpecError(
                field_name,
                f"[{lo}, {hi}] has lo > hi for op {op!r} (need lo ≤ hi; allowed: {allowed})",
            )
        return (lo, hi)
    if not _is_number(value, integer):
        raise SpecError(field_name, f"{value!r} is not valid for op {op!r} (allowed: {allowed})")
    value = int(value) if integer else float(value)
    if not low <= value <= high:
        raise SpecError(
            field_name,
            f"{value} is outside the allowed range {ps.minimum} to {ps.maximum} for op {op!r}",
        )
    return value
