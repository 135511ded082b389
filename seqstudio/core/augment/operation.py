"""What an augmentation operation is: its parameter schema and its behaviour, in one object.

Every operation is one subclass of :class:`Operation` (itself an :class:`OpSchema`, the
declaration the GUI, the CLI help and validation read) with, in one place:

* its parameters (:class:`ParamSchema`), checked by :mod:`seqstudio.core.augment.spec`
  plus any cross-parameter rule in :meth:`Operation.check`;
* :meth:`Operation.sample` — its random values for one glyph or image, drawn from
  counter-based random numbers (:class:`OpRandom`), so they are a pure function of
  (spec, seed, image index, glyph);
* :meth:`Operation.apply_glyph` (stage ``digit``) or :meth:`Operation.apply_image`
  (stage ``image``) — the pixels;
* :meth:`Operation.reach` and :meth:`Operation.may_narrow` — how far it can move ink,
  for the width bounds the generator checks up front;
* :meth:`Operation.record` — what the manifest records of the drawn values.

The registry of all operations is :data:`seqstudio.core.augment.schema.OPS`. Adding an
operation is one class (and its instance in that registry's list), nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from seqstudio.core.augment.image_layers import ImageLayers
    from seqstudio.core.rng import ImageRandom


@dataclass(frozen=True)
class ParamSchema:
    """One parameter of an operation.

    Attributes
    ----------
    name : str
        Key in the op's ``params``.
    kind : str
        ``"float"``, ``"int"``, ``"bool"``, ``"choice"``, ``"float_range"``, ``"int_range"``
        or ``"folder"`` (a path; ``""`` for none).
    default : Any
        Default value (a ``[lo, hi]`` list for ranges).
    minimum, maximum : float or int, optional
        Allowed limits (for ranges: of both ends).
    unit : str
        Unit shown next to the widget, e.g. ``"°"``, ``"px"``.
    help : str
        One-line help.
    choices : tuple
        Allowed values of a ``choice``.
    """

    name: str
    kind: str
    default: Any
    minimum: float | int | None = None
    maximum: float | int | None = None
    unit: str = ""
    help: str = ""
    choices: tuple = ()

    @property
    def is_range(self) -> bool:
        """Whether the parameter is a ``[lo, hi]`` range drawn per image."""
        return self.kind in ("float_range", "int_range")

    def describe_allowed(self) -> str:
        """What is allowed, in words, e.g. ``"a range [lo, hi] with -45 ≤ lo ≤ hi ≤ 45"``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of: " + ", ".join(str(c) for c in self.choices)
        if self.kind == "folder":
            return "a folder of images, or empty for none"
        number = "whole number" if self.kind.startswith("int") else "number"
        if self.is_range:
            return f"a range [lo, hi] of {number}s with {self.minimum} ≤ lo ≤ hi ≤ {self.maximum}{unit}"
        return f"a {number} from {self.minimum} to {self.maximum}{unit}"


def float_range(name, default, lo, hi, unit="", help=""):  # noqa: A002 - mirrors the field
    """A ``float_range`` parameter: ``[lo, hi]`` drawn uniformly per glyph or image."""
    return ParamSchema(name, "float_range", list(default), lo, hi, unit, help)


def int_range(name, default, lo, hi, unit="", help=""):  # noqa: A002
    """An ``int_range`` parameter: ``[lo, hi]`` whole numbers drawn uniformly."""
    return ParamSchema(name, "int_range", list(default), lo, hi, unit, help)


@dataclass(frozen=True)
class OpSchema:
    """The declaration of one augmentation operation.

    Attributes
    ----------
    op : str
        Identifier used in specs and presets, e.g. ``"rotate"``.
    stage : str
        ``"digit"`` (per glyph, before layout) or ``"image"`` (after composition).
    title : str
        Short display name.
    help : str
        One-line description.
    params : tuple of ParamSchema
        Its parameters, in display order.
    """

    op: str
    stage: str
    title: str
    help: str
    params: tuple[ParamSchema, ...] = ()

    def param(self, name: str) -> ParamSchema:
        """The schema of parameter ``name`` (``KeyError`` if unknown)."""
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        """A fresh dict of every parameter's default value."""
        return {p.name: list(p.default) if p.is_range else p.default for p in self.params}


class OpRandom:
    """The random numbers of one op on one glyph or image.

    Parameters
    ----------
    sub : ImageRandom
        The glyph's (or the image stage's) random numbers.
    stream : int
        The op's stream in ``sub`` (its index in the pipeline).
    shared : ImageRandom, optional
        Random numbers common to every glyph of the image (digit stage only): the
        image stage's, on the same stream, which no image op uses (each op has its own
        index).
    glyph : int, optional
        Position of the glyph in the sequence (digit stage only).

    Notes
    -----
    Every value is a pure function of the image seed, the op and the glyph; the seed
    for per-pixel fields is only hashed when an op asks for it.
    """

    __slots__ = ("_sub", "_stream", "_seed", "_shared", "glyph")

    def __init__(
        self,
        sub: ImageRandom,
        stream: int,
        shared: ImageRandom | None = None,
        glyph: int | None = None,
    ) -> None:
        self._sub = sub
        self._stream = stream
        self._seed: int | None = None
        self._shared = shared
        self.glyph = glyph

    def uniform(self, k: int) -> float:
        """Uniform float in [0, 1): draw ``k`` of this op."""
        return self._sub.uniform(self._stream, k)

    def integer(self, k: int, low: int, high: int) -> int:
        """Uniform integer in [low, high]: draw ``k`` of this op."""
        return self._sub.integer(self._stream, k, low, high)

    def shared_uniform(self, k: int) -> float:
        """Uniform float in [0, 1), the same for every glyph of the image (digit stage)."""
        if self._shared is None:
            raise RuntimeError("shared draws exist only in the digit stage")
        return self._shared.uniform(self._stream, k)

    @property
    def seed(self) -> int:
        """A non-negative 63-bit seed for per-pixel random fields."""
        if self._seed is None:
            self._seed = self._sub.raw(self._stream, 1 << 20) >> 1
        return self._seed

    def generator(self) -> np.random.Generator:
        """A numpy generator seeded for this op on this glyph/image.

        The same stream as ``numpy.random.default_rng(seed)``, built without its
        argument dispatch (a third cheaper).
        """
        import numpy as np

        return np.random.Generator(np.random.PCG64(self.seed))


class Operation(OpSchema):
    """An augmentation operation: declaration plus behaviour (subclass per op).

    Class attributes describe how the engine treats it:

    ``affine``
        Digit op given by a 3×3 matrix (:meth:`matrix`); consecutive affine ops are
        fused into one bilinear warp.
    ``needs_pixels``
        An affine op whose matrix depends on the glyph as it is when the op runs (the
        pending fused warp is applied first).
    ``passes``
        Interpolation passes the op adds outside a fused affine warp (each may light
        pixels up to 1 px beyond the exactly mapped ink).
    ``moving``
        Image op that moves ink (warps, blurs): masks and boxes are recomputed after it.
    """

    affine: ClassVar[bool] = False
    needs_pixels: ClassVar[bool] = False
    passes: ClassVar[int] = 0
    moving: ClassVar[bool] = False

    # ---------------------------------------------------------------- validation
    def check(self, params: dict[str, Any], where: str) -> None:
        """Cross-parameter rules beyond each parameter's own range (raise SpecError)."""

    # ---------------------------------------------------------------- sampling
    def sample(self, rand: OpRandom, params: Any) -> dict[str, Any]:
        """The op's random values for one glyph or image.

        Range parameter ``m`` (in schema order) is draw ``1 + m`` of the op's stream;
        fixed parameters are copied; :meth:`sample_extra` may add more values.
        """
        values: dict[str, Any] = {}
        for m, ps in enumerate(self.params):
            if ps.is_range:
                lo, hi = params[ps.name]
                if ps.kind == "int_range":
                    values[ps.name] = rand.integer(1 + m, lo, hi)
                else:
                    values[ps.name] = lo + (hi - lo) * rand.uniform(1 + m)
        for ps in self.params:
            if not ps.is_range:
                values[ps.name] = params[ps.name]
        self.sample_extra(values, rand, params)
        return values

    def sample_extra(self, values: dict[str, Any], rand: OpRandom, params: Any) -> None:
        """Draw values beyond the range parameters into ``values`` (draws ≥ 100)."""

    def record(self, values: dict[str, Any]) -> dict[str, Any]:
        """The drawn values as recorded in a manifest (floats rounded to 6 places)."""
        record: dict[str, Any] = {}
        for name, value in values.items():
            if isinstance(value, float):
                value = round(value, 6)
            elif isinstance(value, list):
                value = [round(float(v), 6) for v in value]
            record[name] = value
        return record

    # ---------------------------------------------------------------- width bounds
    def reach(
        self, hw: np.ndarray, hh: np.ndarray, params: Any, height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of the ink's half width/height about the cell centre after this op.

        ``hw``/``hh`` bound them before; the result must hold for every value the
        op's ranges allow (the caller caps the height at half the cell).
        """
        return hw, hh

    def may_narrow(self, params: Any) -> bool:
        """Whether the op can make a glyph's ink narrower (so cropped widths can shrink)."""
        return True

    # ---------------------------------------------------------------- pixels
    def matrix(
        self, values: dict[str, Any], work: np.ndarray, cx: float, cy: float, height: int
    ) -> np.ndarray:
        """3×3 matrix of an affine digit op about the centre (cx, cy)."""
        raise NotImplementedError(f"{self.op} is not an affine op")

    def apply_glyph(
        self, work: np.ndarray, values: dict[str, Any], rand: OpRandom, cell: tuple
    ) -> np.ndarray:
        """Apply a digit op to a padded glyph; ``cell`` is ``(x0, x1, height)``."""
        raise NotImplementedError(f"{self.op} is not a digit op")

    def apply_image(self, layers: ImageLayers, values: dict[str, Any], rand: OpRandom) -> None:
        """Apply an image op, updating ``layers`` (its image, clean ink, ownership)."""
        raise NotImplementedError(f"{self.op} is not an image op")
