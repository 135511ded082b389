"""Sample grids: ``rows x cols`` captioned thumbnails of a folder's images in one PNG.

Layout (in pixels): cells of ``cell_width x (thumb_height + caption_height)`` separated
and surrounded by ``PAD`` pixels of background. The thumbnail is scaled to fit
``cell_width x thumb_height`` keeping its aspect ratio and centred; the caption (the
label from a seqstudio manifest, else the file name) is drawn below it by
:func:`caption_image`. The PNG carries the layout as JSON in its ``seqstudio-grid`` text
chunk. Only files with the role ``image`` are sampled (never masks, see
:mod:`seqstudio.core.stats.index`); thumbnails come from
:func:`~seqstudio.core.stats.render.render_tile`, the gallery's renderer.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from seqstudio.core.stats.decode import DEFAULT_MAX_PIXELS, ImageProblem
from seqstudio.core.stats.errors import StatsInputError
from seqstudio.core.stats.index import IndexedImage, build_index
from seqstudio.core.stats.model import DatasetStats
from seqstudio.core.stats.render import BACKGROUND, load_display_image, load_mask, render_tile
from seqstudio.core.stats.scan import ALLOWED_TYPES, validate_root

PAD = 4
CAPTION_COLOUR = (235, 235, 235)
PLACEHOLDER = (90, 30, 30)
MAX_CELLS = 64 * 64


@dataclass(frozen=True)
class GridCell:
    """One cell: the file shown, its caption and the thumbnail box ``(x, y, w, h)``."""

    row: int
    col: int
    path: str
    caption: str
    box: tuple[int, int, int, int]
    readable: bool


@dataclass(frozen=True)
class GridInfo:
    """What :func:`make_sample_grid` wrote."""

    path: str
    rows: int
    cols: int
    cell_width: int
    thumb_height: int
    caption_height: int
    size: tuple[int, int]
    cells: list[GridCell]


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def caption_image(text: str, width: int, height: int) -> Image.Image:
    """The caption strip for ``text``: shortened with ``...`` to fit, left-aligned."""
    font = _font(max(height - 4, 6))
    fitted = text
    while fitted and font.getlength(fitted) > width - 2:
        fitted = fitted[:-1]
    if fitted != text:
        while fitted and font.getlength(fitted + "...") > width - 2:
            fitted = fitted[:-1]
        fitted += "..."
    strip = Image.new("RGB", (width, height), BACKGROUND)
    ImageDraw.Draw(strip).text((1, 1), fitted, fill=CAPTION_COLOUR, font=font)
    return strip


def choose_images(images: list[IndexedImage], count: int, seed: int | None) -> list[IndexedImage]:
    """``count`` images in order (``seed`` None) or a seeded uniform sample (Algorithm R),
    returned in their original order."""
    chosen: list[tuple[int, IndexedImage]] = []
    rng = random.Random(seed)
    for index, image in enumerate(images):
        if len(chosen) < count:
            chosen.append((index, image))
        elif seed is not None:
            slot = rng.randint(0, index)
            if slot < count:
                chosen[slot] = (index, image)
        else:
            break
    return [image for _, image in sorted(chosen, key=lambda item: item[0])]


def make_sample_grid(
    source: str | os.PathLike[str] | DatasetStats,
    out_png: str | os.PathLike[str],
    *,
    rows: int = 8,
    cols: int = 8,
    seed: int | None = None,
    thumb_height: int = 64,
    max_aspect: float = 8.0,
    caption_height: int = 14,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    boxes: bool = False,
    masks: bool = False,
) -> GridInfo:
    """Write a ``rows x cols`` grid of captioned thumbnails of a folder's images.

    Parameters
    ----------
    source : path or DatasetStats
        The folder (or the result of a scan of it).
    out_png : path
        The PNG to write.
    rows, cols : int
        Grid shape, each 1..64. Fewer images than cells leave the last cells empty.
    seed : int or None
        ``None`` takes the first images in scan order; an integer draws a uniform random
        sample (reservoir sampling, memory flat in the number of files), the same for the
        same seed and folder.
    thumb_height : int
        Thumbnail height in pixels; the cell width follows the widest aspect ratio of the
        chosen images, at most ``max_aspect`` times the height.
    caption_height : int
        Height of the caption strip under each thumbnail.
    max_pixels : int
        Images declaring more pixels are shown as placeholders, not decoded.
    boxes, masks : bool
        Draw the manifest's boxes / blend the instance mask over each thumbnail.

    Returns
    -------
    GridInfo
        The layout written. Unreadable images get a dark red placeholder captioned
        ``"unreadable: <name>"``.
    """
    for name, value in (("rows", rows), ("cols", cols)):
        if not 1 <= value <= 64:
            raise StatsInputError(f"grid {name} must be 1..64, got {value}")
    if seed is not None and seed < 0:
        raise StatsInputError(f"grid seed must be >= 0, got {seed}")
    if not 8 <= thumb_height <= 1024:
        raise StatsInputError(f"thumb_height must be 8..1024, got {thumb_height}")
    root = validate_root(source.root if isinstance(source, DatasetStats) else source)
    chosen = choose_images(build_index(root).images, rows * cols, seed)
    if not chosen:
        raise StatsInputError(f"no image files in {str(root)!r} to sample; types: {ALLOWED_TYPES}")
    return write_grid(
        root,
        chosen,
        out_png,
        rows=rows,
        cols=cols,
        thumb_height=thumb_height,
        max_aspect=max_aspect,
        caption_height=caption_height,
        max_pixels=max_pixels,
        boxes=boxes,
        masks=masks,
    )


def write_grid(
    root: Path,
    chosen: list[IndexedImage],
    out_png: str | os.PathLike[str],
    *,
    rows: int,
    cols: int,
    thumb_height: int = 64,
    max_aspect: float = 8.0,
    caption_height: int = 14,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    boxes: bool = False,
    masks: bool = False,
    captions: list[str] | None = None,
) -> GridInfo:
    """Write ``chosen`` images of ``root`` as a ``rows x cols`` grid (see
    :func:`make_sample_grid`; the gallery saves its page with this). ``captions``
    replaces the labels/file names under the thumbnails."""
    images: list[np.ndarray | None] = []
    for item in chosen:
        try:
            images.append(load_display_image(root / item.rel, max_pixels))
        except (ImageProblem, OSError):
            images.append(None)
    aspects = [im.shape[1] / im.shape[0] for im in images if im is not None] or [1.0]
    cell_width = round(thumb_height * min(max(max(aspects), 1.0), max_aspect))
    cell_height = thumb_height + caption_height
    size = (PAD + cols * (cell_width + PAD), PAD + rows * (cell_height + PAD))
    grid = Image.new("RGB", size, BACKGROUND)
    cells = []
    for index, (item, image) in enumerate(zip(chosen, images, strict=True)):
        row, col = divmod(index, cols)
        x, y = PAD + col * (cell_width + PAD), PAD + row * (cell_height + PAD)
        name = item.rel.rsplit("/", 1)[-1]
        if image is None:
            box = (x, y, cell_width, thumb_height)
            grid.paste(Image.new("RGB", (cell_width, thumb_height), PLACEHOLDER), (x, y))
            caption = f"unreadable: {name}"
        else:
            mask = load_mask(root / item.mask) if masks and item.mask else None
            tile = render_tile(
                image, cell_width, thumb_height, boxes=item.boxes if boxes else None, mask=mask
            )
            dx, dy, w, h = tile.placed
            box = (x + dx, y + dy, w, h)
            grid.paste(Image.fromarray(tile.pixels, "RGB"), (x, y))
            caption = captions[index] if captions else item.caption
        grid.paste(caption_image(caption, cell_width, caption_height), (x, y + thumb_height))
        cells.append(GridCell(row, col, item.rel, caption, box, image is not None))

    info = GridInfo(str(out_png), rows, cols, cell_width, thumb_height, caption_height, size, cells)
    meta = PngImagePlugin.PngInfo()
    meta.add_text("seqstudio-grid", json.dumps(asdict(info)))
    out = Path(out_png)
    try:
        grid.save(out, format="PNG", pnginfo=meta)
    except OSError as exc:
        raise StatsInputError(f"cannot write grid {str(out_png)!r}: {exc.strerror or exc}") from exc
    return info
