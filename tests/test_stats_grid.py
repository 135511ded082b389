"""make_sample_grid: size, layout, thumbnails and captions checked on real pixels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from seqstudio.core.stats import StatsInputError, compute_dataset_stats, make_sample_grid
from seqstudio.core.stats.grid import BACKGROUND, PAD, PLACEHOLDER

COLOURS = [(250, 10, 10), (10, 250, 10), (10, 10, 250), (250, 250, 10), (10, 250, 250)]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Five solid-colour 20x40 images (labels in a manifest for all but the last)."""
    for i, colour in enumerate(COLOURS):
        Image.new("RGB", (40, 20), colour).save(tmp_path / f"img{i}.png")
    lines = [json.dumps({"file_name": f"img{i}.png", "label": f"{i}{i + 1}"}) for i in range(4)]
    (tmp_path / "metadata.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path


def _expected_caption(text: str, width: int, height: int) -> np.ndarray:
    """The caption drawn independently: Pillow's default font, left-aligned, 1 px inset."""
    strip = Image.new("RGB", (width, height), BACKGROUND)
    font = ImageFont.load_default(size=height - 4)
    ImageDraw.Draw(strip).text((1, 1), text, fill=(235, 235, 235), font=font)
    return np.asarray(strip)


def _caption_strip(grid: np.ndarray, info, row: int, col: int) -> np.ndarray:
    x = PAD + col * (info.cell_width + PAD)
    y = PAD + row * (info.thumb_height + info.caption_height + PAD) + info.thumb_height
    return grid[y : y + info.caption_height, x : x + info.cell_width]


def test_grid_in_order_has_right_size_thumbnails_and_captions(folder, tmp_path):
    out = tmp_path / "grid.png"
    info = make_sample_grid(folder, out, rows=2, cols=3, thumb_height=32)
    grid = np.asarray(Image.open(out).convert("RGB"))
    # cells are as wide as the widest aspect ratio (2:1) allows
    assert info.cell_width == 64
    assert grid.shape == (PAD + 2 * (32 + 14 + PAD), PAD + 3 * (64 + PAD), 3)
    assert [c.path for c in info.cells] == [f"img{i}.png" for i in range(5)]
    for cell, colour in zip(info.cells, COLOURS, strict=True):
        x, y, w, h = cell.box
        assert (w, h) == (64, 32)
        assert tuple(grid[y + h // 2, x + w // 2]) == colour
        assert tuple(grid[y + 1, x + 1]) == colour
    labels = ["01", "12", "23", "34", "img4.png"]  # the last has no manifest row
    assert [c.caption for c in info.cells] == labels
    for cell, label in zip(info.cells, labels, strict=True):
        strip = _caption_strip(grid, info, cell.row, cell.col)
        np.testing.assert_array_equal(strip, _expected_caption(label, 64, 14))
        assert (strip != BACKGROUND).any()
        other = "99" if label != "99" else "98"
        assert not np.array_equal(strip, _expected_caption(other, 64, 14))
    # the empty sixth cell is background only
    assert (_caption_strip(grid, info, 1, 2) == BACKGROUND).all()
    meta = json.loads(Image.open(out).text["seqstudio-grid"])
    assert meta["rows"] == 2 and [c["caption"] for c in meta["cells"]] == labels


def test_seeded_sample_is_reproducible_and_uniform_draws_differ(tmp_path):
    for i in range(30):
        Image.new("L", (8, 8), i * 8).save(tmp_path / f"{i:02d}.png")
    out = tmp_path / "out"
    out.mkdir()
    first = make_sample_grid(tmp_path, out / "a.png", rows=2, cols=2, seed=3)
    again = make_sample_grid(tmp_path, out / "b.png", rows=2, cols=2, seed=3)
    other = make_sample_grid(tmp_path, out / "c.png", rows=2, cols=2, seed=4)
    paths = [c.path for c in first.cells]
    assert paths == [c.path for c in again.cells]
    assert len(set(paths)) == 4
    assert paths != [c.path for c in other.cells]
    assert paths != [f"{i:02d}.png" for i in range(4)]
    np.testing.assert_array_equal(
        np.asarray(Image.open(out / "a.png")), np.asarray(Image.open(out / "b.png"))
    )
    # the thumbnail shows the sampled file's grey level
    grid = np.asarray(Image.open(out / "a.png").convert("L"))
    for cell in first.cells:
        x, y, w, h = cell.box
        assert grid[y + h // 2, x + w // 2] == int(cell.path[:2]) * 8


def test_grid_from_stats_marks_unreadable_files_and_long_captions(tmp_path):
    Image.new("L", (10, 10), 200).save(tmp_path / "a_rather_long_file_name_for_a_tiny_cell.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    stats = compute_dataset_stats(tmp_path, workers=1)
    info = make_sample_grid(stats, tmp_path / "g.png", rows=1, cols=2, thumb_height=16)
    grid = np.asarray(Image.open(tmp_path / "g.png").convert("RGB"))
    broken = next(c for c in info.cells if c.path == "broken.png")
    assert not broken.readable and broken.caption == "unreadable: broken.png"
    x, y, w, h = broken.box
    assert tuple(grid[y + h // 2, x + w // 2]) == PLACEHOLDER
    # long captions are cut with "..." to stay inside their cell
    good = next(c for c in info.cells if c.readable)
    strip = _caption_strip(grid, info, good.row, good.col)
    assert (strip != BACKGROUND).any()
    right_neighbour_gap = grid[:, PAD + info.cell_width : 2 * PAD + info.cell_width]
    assert (right_neighbour_gap == BACKGROUND).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rows": 0}, "grid rows must be 1..64, got 0"),
        ({"cols": 65}, "grid cols must be 1..64, got 65"),
        ({"seed": -1}, "grid seed must be >= 0, got -1"),
    ],
)
def test_bad_grid_arguments(folder, tmp_path, kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        make_sample_grid(folder, tmp_path / "g.png", **kwargs)
