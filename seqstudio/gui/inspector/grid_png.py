"""Write the gallery's current page as one captioned PNG grid (no Qt, worker thread)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

from seqstudio.core.stats.grid import BACKGROUND, PAD, PLACEHOLDER, caption_image
from seqstudio.gui.inspector.dataset_checks import load_display_image

CAPTION_HEIGHT = 14


def write_grid_png(
    root: str,
    items: list[tuple[str, str]],
    out_png: str | Path,
    cols: int,
    thumb_height: int = 56,
    cell_width: int = 200,
) -> str:
    """Write ``(rel, caption)`` items as a ``cols``-wide grid of thumbnails with captions.

    Returns
    -------
    str
        The PNG written.
    """
    cols = max(1, min(cols, len(items) or 1))
    rows = max(1, -(-len(items) // cols))
    cell_h = thumb_height + CAPTION_HEIGHT
    size = (PAD + cols * (cell_width + PAD), PAD + rows * (cell_h + PAD))
    grid = Image.new("RGB", size, BACKGROUND)
    for k, (rel, caption) in enumerate(items):
        row, col = divmod(k, cols)
        x, y = PAD + col * (cell_width + PAD), PAD + row * (cell_h + PAD)
        try:
            image = Image.fromarray(load_display_image(Path(root) / rel)).convert("RGB")
            thumb = ImageOps.contain(image, (cell_width, thumb_height), Image.Resampling.BILINEAR)
            grid.paste(
                thumb, (x + (cell_width - thumb.width) // 2, y + (thumb_height - thumb.height) // 2)
            )
        except Exception:  # noqa: BLE001 - unreadable files get a placeholder
            grid.paste(Image.new("RGB", (cell_width, thumb_height), PLACEHOLDER), (x, y))
            caption = f"unreadable: {rel.rsplit('/', 1)[-1]}"
        grid.paste(caption_image(caption, cell_width, CAPTION_HEIGHT), (x, y + thumb_height))
    out = Path(out_png)
    grid.save(out, format="PNG")
    return str(out)
