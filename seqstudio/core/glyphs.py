"""Glyph sources: the pools of labelled images that sequences are stitched from.

Three sources exist, named by a *source string*:

``"bundled"``
    The 5,000-digit MNIST subset shipped with seqstudio (400 train + 100 test per class).
``"idx:DIR"``
    A folder holding the four standard MNIST IDX files (raw or ``.gz``); ``train-*``
    files form the train pool, ``t10k-*`` files the test pool.
``"folder:DIR"``
    Images in ``DIR/<label>/*.png|jpg|...`` (any size, any colour), so letters or your
    own handwriting can be used. ``DIR/train/<label>`` and ``DIR/test/<label>`` give the
    pools explicitly; otherwise every fifth file of each label (in name order) is held
    out for the test pool.
``"font:PATH"`` and mixes ``"BASE+SOURCE@WEIGHT"``
    Digits rendered from TrueType/OpenType fonts, and weighted mixes of sources: see
    :mod:`seqstudio.core.font_glyphs`.

Every pool stores its pixels once, in one ``(N, height, max_width)`` uint8 array with
bright ink on a 0 background (MNIST's convention), plus a width per glyph.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seqstudio.core.errors import DataError, SpecError
from seqstudio.core.idx import read_idx
from seqstudio.core.resources import resource_path

POOL_NAMES = ("train", "test")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
MNIST_CLASSES = tuple(str(d) for d in range(10))
_IDX_PREFIX = {"train": "train", "test": "t10k"}


#: How many resized copies of a pool (one per output height) are kept; the oldest goes first.
HEIGHT_CACHE_SIZE = 3


@dataclass(frozen=True, eq=False)
class GlyphPool:
    """Labelled glyph images of one height.

    Attributes
    ----------
    name : str
        ``"train"`` or ``"test"``.
    images : numpy.ndarray
        ``(N, height, max_width)`` uint8, ink bright on 0; glyph ``i`` is
        ``images[i, :, :widths[i]]``.
    widths : numpy.ndarray
        ``(N,)`` int32 width of each glyph.
    label_ids : numpy.ndarray
        ``(N,)`` int32 index into ``classes``.
    classes : tuple of str
        The label of each class id.
    """

    name: str
    images: np.ndarray
    widths: np.ndarray
    label_ids: np.ndarray
    classes: tuple[str, ...]
    _heights: OrderedDict[int, GlyphPool] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @functools.cached_property
    def ink_extents(self) -> np.ndarray:
        """``(N, 4)`` int32: first and last ink column, first and last ink row (inclusive).

        Computed once, in chunks, so that no full-size temporary is made for 70,000 glyphs.
        """
        extents = np.empty((len(self.images), 4), np.int32)
        for start in range(0, len(self.images), 8192):
            extents[start : start + 8192] = _ink_extents(
                self.images[start : start + 8192], self.widths[start : start + 8192]
            )
        return extents

    @functools.cached_property
    def members(self) -> dict[str, np.ndarray]:
        """``{label: pool indices}`` for every class (possibly empty)."""
        return {label: np.flatnonzero(self.label_ids == k) for k, label in enumerate(self.classes)}

    @property
    def height(self) -> int:
        """Height of every glyph in pixels."""
        return int(self.images.shape[1])

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def glyph(self, index: int) -> np.ndarray:
        """The glyph at ``index`` (a read-only view)."""
        return self.images[index, :, : self.widths[index]]

    def count(self, label: str) -> int:
        """How many glyphs carry ``label``."""
        members = self.members.get(label)
        return 0 if members is None else len(members)

    def at_height(self, height: int) -> GlyphPool:
        """This pool with every glyph resized to ``height``, aspect kept.

        Downscaling uses area averaging, upscaling bilinear interpolation; both work on
        uint8 with saturation, so no value wraps around. The last
        :data:`HEIGHT_CACHE_SIZE` heights asked for are kept.
        """
        if height == self.height:
            return self
        with self._lock:
            cached = self._heights.get(height)
            if cached is not None:
                self._heights.move_to_end(height)
                return cached
        resized = _resize_pool(self, height)
        with self._lock:
            cached = self._heights.setdefault(height, resized)
            self._heights.move_to_end(height)
            while len(self._heights) > HEIGHT_CACHE_SIZE:
                self._heights.popitem(last=False)
        return cached


def _ink_extents(images: np.ndarray, widths: np.ndarray) -> np.ndarray:
    cols = images.max(axis=1) > 0  # (n, W)
    rows = images.max(axis=2) > 0  # (n, H)
    has_ink = cols.any(axis=1)
    first_col = np.where(has_ink, cols.argmax(axis=1), 0)
    last_col = np.where(has_ink, cols.shape[1] - 1 - cols[:, ::-1].argmax(axis=1), widths - 1)
    first_row = np.where(has_ink, rows.argmax(axis=1), 0)
    last_row = np.where(
        has_ink, rows.shape[1] - 1 - rows[:, ::-1].argmax(axis=1), rows.shape[1] - 1
    )
    return np.stack([first_col, last_col, first_row, last_row], axis=1)


def _resize_pool(pool: GlyphPool, height: int) -> GlyphPool:
    """Resize every glyph; glyphs of one width go through OpenCV together, as channels.

    OpenCV resizes each channel exactly as it would resize that glyph alone (tested), so
    stacking only removes per-glyph call overhead.
    """
    from seqstudio.core.cv import cv2

    scale = height / pool.height
    widths = np.maximum(1, np.rint(pool.widths * scale)).astype(np.int32)
    images = np.zeros((len(pool), height, int(np.max(widths))), np.uint8)
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    channels = 4 if interpolation == cv2.INTER_AREA else 64  # INTER_AREA takes ≤ 4
    for width in np.unique(pool.widths):
        group = np.flatnonzero(pool.widths == width)
        new_width = int(widths[group[0]])
        for start in range(0, len(group), channels):
            part = group[start : start + channels]
            stack = np.ascontiguousarray(pool.images[part, :, :width].transpose(1, 2, 0))
            out = cv2.resize(stack, (new_width, height), interpolation=interpolation)
            images[part, :, :new_width] = out.reshape(height, new_width, -1).transpose(2, 0, 1)
    return GlyphPool(pool.name, images, widths, pool.label_ids, pool.classes)


@dataclass(frozen=True, eq=False)
class GlyphSource:
    """A named pair of glyph pools.

    Attributes
    ----------
    source : str
        The source string it was opened from (``"bundled"``, ``"idx:DIR"``, ``"folder:DIR"``).
    pools : dict
        ``{"train": GlyphPool, "test": GlyphPool}``.
    """

    source: str
    pools: dict[str, GlyphPool]

    @property
    def classes(self) -> tuple[str, ...]:
        """Labels the source can draw (those of its train pool)."""
        return self.pools["train"].classes

    def pool(self, name: str) -> GlyphPool:
        """The pool called ``name`` (``"train"`` or ``"test"``)."""
        try:
            return self.pools[name]
        except KeyError:
            raise SpecError("pool", f"{name!r} is not one of {', '.join(POOL_NAMES)}") from None

    def describe(self) -> str:
        """One line saying what the source holds, e.g. ``bundled: train 4000, test 1000, 10 classes``."""
        sizes = ", ".join(f"{name} {len(p)}" for name, p in self.pools.items())
        return f"{self.source}: {sizes}, {len(self.classes)} classes"


def parse_source(source: str) -> tuple[str, Path | None]:
    """Split a source string into its kind and folder.

    Raises
    ------
    SpecError
        If the string is not ``bundled``, ``idx:DIR`` or ``folder:DIR``.
    """
    if source == "bundled":
        return "bundled", None
    if "+" in source:  # a weighted mix of sources (seqstudio.core.font_glyphs)
        from seqstudio.core.font_glyphs import parse_mix

        base, others = parse_mix(source)
        for part in (base, *(text for text, _ in others)):
            parse_source(part)
        return "mix", None
    kind, sep, path = source.partition(":")
    if not sep or kind not in ("idx", "folder", "font") or not path:
        raise SpecError(
            "source",
            f"{source!r} is not 'bundled', 'idx:DIR', 'folder:DIR', 'font:PATH' "
            "or a mix 'BASE+SOURCE@WEIGHT'",
        )
    return kind, Path(path).expanduser()


def open_source(source: str = "bundled") -> GlyphSource:
    """Open (and cache) the glyph source named by ``source``.

    Parameters
    ----------
    source : str
        ``"bundled"``, ``"idx:DIR"`` or ``"folder:DIR"``.

    Raises
    ------
    SpecError
        If the source string is malformed.
    DataError
        If the files cannot be read or are not valid.
    """
    kind, path = parse_source(source)
    if kind == "bundled":
        return _open_bundled()
    if kind == "mix":
        return _open_mix(source)
    assert path is not None
    if kind == "font":
        from seqstudio.core.font_glyphs import font_files

        stamp: tuple = tuple(
            (f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in font_files(path)
        )
        return _open_cached(kind, str(path.resolve()), stamp, source)
    if not path.is_dir():
        raise DataError(f"{path}: not a folder" if path.exists() else f"{path}: folder not found")
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in path.iterdir()))
    return _open_cached(kind, str(path.resolve()), stamp, source)


@functools.lru_cache(maxsize=1)
def _open_bundled() -> GlyphSource:
    folder = resource_path("mnist")
    pools = {}
    for pool in POOL_NAMES:
        prefix = _IDX_PREFIX[pool]
        with (
            _as_file(folder / f"{prefix}-images-idx3-ubyte.gz") as images_path,
            _as_file(folder / f"{prefix}-labels-idx1-ubyte.gz") as labels_path,
        ):
            pools[pool] = _mnist_pool(pool, images_path, labels_path)
    return GlyphSource("bundled", pools)


def _as_file(traversable):
    from importlib.resources import as_file

    return as_file(traversable)


@functools.lru_cache(maxsize=4)
def _open_cached(kind: str, path: str, stamp: tuple, source: str) -> GlyphSource:
    folder = Path(path)
    if kind == "idx":
        return GlyphSource(source, load_idx_pools(folder))
    if kind == "font":  # digits rendered from fonts (seqstudio.core.font_glyphs)
        from seqstudio.core.font_glyphs import load_font_pools

        arrays = load_font_pools(folder)
        return GlyphSource(
            source, {name: GlyphPool(name, *arrays[name], MNIST_CLASSES) for name in POOL_NAMES}
        )
    return GlyphSource(source, load_folder_pools(folder))


_MIXES: dict[str, tuple] = {}  # mix source string -> (its parts' sources, mixed source)


def _open_mix(source: str) -> GlyphSource:
    """A weighted mix ``BASE+SOURCE@WEIGHT...`` (see :mod:`seqstudio.core.font_glyphs`)."""
    from seqstudio.core.font_glyphs import mix_pools, parse_mix

    base_text, others = parse_mix(source)
    parts = (open_source(base_text), *(open_source(text) for text, _ in others))
    cached = _MIXES.get(source)
    if cached is None or any(a is not b for a, b in zip(cached[0], parts)):
        weights = [w for _, w in others]
        pools = {}
        for name in POOL_NAMES:
            mixed = mix_pools(
                parts[0].pool(name), [(p.pool(name), w) for p, w in zip(parts[1:], weights)]
            )
            pools[name] = GlyphPool(name, *mixed)
        cached = _MIXES[source] = (parts, GlyphSource(source, pools))
    return cached[1]


def find_idx_files(folder: Path) -> dict[str, tuple[Path, Path]]:
    """Find the MNIST IDX image and label files of each pool in ``folder``.

    Accepts the usual spellings: ``train-images-idx3-ubyte``, ``train-images.idx3-ubyte``,
    each raw or ending in ``.gz``.

    Raises
    ------
    DataError
        Naming every file that is missing.
    """
    found: dict[str, tuple[Path, Path]] = {}
    missing = []
    for pool in POOL_NAMES:
        pair = []
        for what, dims in (("images", 3), ("labels", 1)):
            stem = f"{_IDX_PREFIX[pool]}-{what}"
            candidates = [
                folder / f"{stem}{sep}idx{dims}-ubyte{gz}"
                for sep in ("-", ".")
                for gz in ("", ".gz")
            ]
            hit = next((c for c in candidates if c.is_file()), None)
            if hit is None:
                missing.append(f"{stem}-idx{dims}-ubyte[.gz]")
            pair.append(hit)
        if pair[0] is not None and pair[1] is not None:
            found[pool] = (pair[0], pair[1])
    if missing:
        raise DataError(f"{folder}: missing MNIST IDX file(s): {', '.join(missing)}")
    return found


def load_idx_pools(folder: Path) -> dict[str, GlyphPool]:
    """Load the train and test pools from the four MNIST IDX files in ``folder``."""
    return {pool: _mnist_pool(pool, *paths) for pool, paths in find_idx_files(folder).items()}


def _mnist_pool(name: str, images_path: Path, labels_path: Path) -> GlyphPool:
    images = read_idx(images_path, expected_ndim=3)
    labels = read_idx(labels_path, expected_ndim=1)
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{images_path}: holds {images.shape[0]} images but {labels_path.name} holds {labels.shape[0]} labels"
        )
    if images.shape[0] == 0:
        raise DataError(f"{images_path}: holds no images")
    if labels.size and labels.max() > 9:
        raise DataError(
            f"{labels_path}: label {int(labels.max())} is outside the MNIST classes 0-9"
        )
    widths = np.full(images.shape[0], images.shape[2], np.int32)
    return GlyphPool(name, images, widths, labels.astype(np.int32), MNIST_CLASSES)


def load_folder_pools(folder: Path, height: int = 28) -> dict[str, GlyphPool]:
    """Load glyphs from ``folder/<label>/*`` (or ``folder/{train,test}/<label>/*``).

    Each image is converted to grayscale, made bright-ink-on-dark (an image whose border
    is brighter than its middle is inverted, and the border level is subtracted), and
    resized to ``height`` with its aspect kept.

    Raises
    ------
    DataError
        If the folder has no label subfolders with images, or an image cannot be read.
    """
    split_dirs = {pool: folder / pool for pool in POOL_NAMES}
    if all(d.is_dir() for d in split_dirs.values()):
        files = {pool: _label_files(d) for pool, d in split_dirs.items()}
    else:
        files = {"train": {}, "test": {}}
        for label, paths in _label_files(folder).items():
            files["test"][label] = [p for k, p in enumerate(paths) if k % 5 == 4]
            files["train"][label] = [p for k, p in enumerate(paths) if k % 5 != 4]
    classes = tuple(sorted(set(files["train"]) | set(files["test"])))
    if not classes or not any(files["train"].values()):
        raise DataError(
            f"{folder}: no images found in label subfolders (expected {folder}/<label>/*.png)"
        )
    return {pool: _folder_pool(pool, files[pool], classes, height) for pool in POOL_NAMES}


def _label_files(folder: Path) -> dict[str, list[Path]]:
    labels = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        paths = sorted(
            p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )
        if paths:
            labels[sub.name] = paths
    return labels


def _folder_pool(
    name: str, files: dict[str, list[Path]], classes: tuple[str, ...], height: int
) -> GlyphPool:
    glyphs, label_ids = [], []
    for label, paths in files.items():
        for path in paths:
            glyphs.append(_load_glyph_image(path, height))
            label_ids.append(classes.index(label))
    widths = np.array([g.shape[1] for g in glyphs] or [1], np.int32)[: len(glyphs)]
    images = np.zeros((len(glyphs), height, int(np.max(widths)) if len(glyphs) else 1), np.uint8)
    for i, glyph in enumerate(glyphs):
        images[i, :, : glyph.shape[1]] = glyph
    return GlyphPool(name, images, widths, np.array(label_ids, np.int32), classes)


#: Glyph images larger than this (pixels) are refused before they are decoded.
MAX_GLYPH_PIXELS = 16_000_000
#: Widest glyph image, as a multiple of its height (digits are about 1:1).
MAX_GLYPH_ASPECT = 16


def _check_glyph_size(path: Path, size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_GLYPH_PIXELS:
        raise DataError(
            f"{path}: {width}×{height} pixels is more than the limit {MAX_GLYPH_PIXELS:,} for a glyph image"
        )
    if width > MAX_GLYPH_ASPECT * max(height, 1):
        raise DataError(
            f"{path}: {width}×{height} pixels is more than {MAX_GLYPH_ASPECT} times as wide as "
            "high; glyph images hold one glyph each"
        )


def _load_glyph_image(path: Path, height: int) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    from seqstudio.core.cv import cv2

    try:
        with Image.open(path) as image:
            _check_glyph_size(path, image.size)  # from the header, before decoding
            gray = np.asarray(image.convert("L"), dtype=np.uint8)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise DataError(f"{path}: cannot read image ({exc})") from None
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = int(np.median(border))
    if background > 127:
        gray = 255 - gray
        background = 255 - background
    gray = np.subtract(gray, background, dtype=np.int16).clip(0, 255).astype(np.uint8)
    width = max(1, round(gray.shape[1] * height / gray.shape[0]))
    interpolation = cv2.INTER_AREA if height < gray.shape[0] else cv2.INTER_LINEAR
    return cv2.resize(gray, (width, height), interpolation=interpolation)
