"""compute_dataset_stats against a numpy reference on folders built here."""

from __future__ import annotations

import io
import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seqstudio.core.stats import (
    StatsCancelledError,
    StatsInputError,
    compute_dataset_stats,
)

TOL = 1e-9


def _to_float(array: np.ndarray) -> np.ndarray:
    """Values scaled to [0, 1], always H x W x C."""
    scale = 65535.0 if array.dtype == np.uint16 else 255.0
    out = array.astype(np.float64) / scale
    return out[..., None] if out.ndim == 2 else out


def _as_layout(pixels: np.ndarray, target: str) -> np.ndarray:
    """Convert an H x W x C float image (C = 1 gray, 2 gray+alpha, 3 rgb, 4 rgba)."""
    c = pixels.shape[2]
    colour = pixels[..., :1] if c in (1, 2) else pixels[..., :3]
    alpha = pixels[..., -1:] if c in (2, 4) else np.ones(pixels.shape[:2] + (1,))
    if target == "L":
        return colour
    rgb = np.repeat(colour, 3, axis=2) if colour.shape[2] == 1 else colour
    return rgb if target == "RGB" else np.concatenate([rgb, alpha], axis=2)


def reference(images: list[np.ndarray], target: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per channel over every pixel of every image (numpy, float64)."""
    flat = np.concatenate(
        [_as_layout(_to_float(a), target).reshape(-1, len(target)) for a in images]
    )
    return flat.mean(axis=0), flat.std(axis=0)


def _save(path: Path, array: np.ndarray, mode: str | None = None, **kw) -> np.ndarray:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array, mode).save(path, **kw) if mode else Image.fromarray(array).save(
        path, **kw
    )
    return array


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, dict[str, list[np.ndarray]]]:
    """Categories of mixed sizes and modes, plus broken and non-image files."""
    rng = np.random.default_rng(7)
    root = tmp_path / "data"
    ref: dict[str, list[np.ndarray]] = {"gray": [], "colour": [], "alpha": [], "deep": [], ".": []}

    def u8(*shape):
        return rng.integers(0, 256, shape, dtype=np.uint8)

    # gray: 8-bit L of three sizes (PNG, BMP, TIFF) and a gray+alpha PNG (alpha dropped)
    for i, (h, w) in enumerate([(28, 200), (5, 7), (64, 64)]):
        ref["gray"].append(_save(root / "gray" / f"g{i}.png", u8(h, w)))
    ref["gray"].append(_save(root / "gray" / "g.bmp", u8(9, 11)))
    ref["gray"].append(_save(root / "gray" / "g.tif", u8(13, 3)))
    la = u8(6, 8, 2)
    _save(root / "gray" / "la.png", la, "LA")
    ref["gray"].append(la)
    # colour: RGB PNG, RGB WebP (lossless), a palette PNG, a gray PNG (counts as R=G=B)
    ref["colour"].append(_save(root / "colour" / "c0.png", u8(30, 40, 3)))
    ref["colour"].append(_save(root / "colour" / "c1.webp", u8(17, 5, 3), lossless=True))
    palette = u8(256 * 3)
    indices = u8(12, 9)
    pal = Image.fromarray(indices, "L").convert("P")
    pal.putpalette(palette.tolist())
    pal.save(root / "colour" / "p.png")
    ref["colour"].append(palette.reshape(256, 3)[indices])
    ref["colour"].append(_save(root / "colour" / "gray.png", u8(4, 50)))
    # alpha: RGBA plus RGB (opaque) -> four channels
    ref["alpha"].append(_save(root / "alpha" / "a0.png", u8(20, 20, 4), "RGBA"))
    ref["alpha"].append(_save(root / "alpha" / "a1.png", u8(3, 70, 3)))
    # deep: 16-bit grayscale with 8-bit grayscale, sized differently
    deep = rng.integers(0, 65536, (33, 21), dtype=np.uint16)
    Image.fromarray(deep).save(root / "deep" / "d16.png") if (
        root / "deep"
    ).mkdir() is None else None
    ref["deep"].append(deep)
    ref["deep"].append(_save(root / "deep" / "d8.png", u8(2, 2)))
    ref["."].append(_save(root / "top.png", u8(10, 10)))
    # problems: zero bytes, truncated, garbage, non-images
    (root / "broken").mkdir()
    (root / "broken" / "empty.png").write_bytes(b"")
    good = io.BytesIO()
    Image.fromarray(u8(40, 40, 3)).save(good, "PNG")
    (root / "broken" / "truncated.png").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    (root / "broken" / "garbage.jpg").write_bytes(b"this is not a jpeg at all")
    (root / "notes.txt").write_text("not an image")
    (root / "gray" / "readme.md").write_text("# hello")
    return root, ref


def _check(group, images, target):
    mean, std = reference(images, target)
    assert group.channels == tuple(target) if target != "L" else ("L",)
    assert group.image_count == len(images)
    np.testing.assert_allclose(group.mean, mean, rtol=0, atol=TOL)
    np.testing.assert_allclose(group.std, std, rtol=0, atol=TOL)


def test_per_category_and_overall_match_numpy_reference(dataset):
    root, ref = dataset
    stats = compute_dataset_stats(root, workers=1)
    cats = stats.categories
    assert set(cats) == {".", "gray", "colour", "alpha", "deep"}
    _check(cats["gray"], ref["gray"], "L")
    _check(cats["colour"], ref["colour"], "RGB")
    _check(cats["alpha"], ref["alpha"], "RGBA")
    _check(cats["deep"], ref["deep"], "L")
    _check(cats["."], ref["."], "L")
    everything = [a for images in ref.values() for a in images]
    _check(stats.overall, everything, "RGBA")
    assert stats.overall.mixed_channels and not cats["alpha"].layouts.get("gray")
    assert cats["gray"].mixed_channels and "alpha dropped" in cats["gray"].channel_note
    assert cats["colour"].modes == {"RGB": 2, "P": 1, "L": 1}
    assert cats["deep"].modes == {"I;16": 1, "L": 1}
    assert cats["gray"].formats == {"PNG": 4, "BMP": 1, "TIFF": 1}
    assert cats["gray"].sizes["200x28"] == 1 and cats["gray"].width_range == (3, 200)
    assert stats.overall.pixel_count == sum(a.shape[0] * a.shape[1] for a in everything)
    assert stats.overall.total_bytes == sum(
        p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and p.suffix not in (".txt", ".md") and p.parent.name != "broken"
    )


def test_as_rgb_reports_three_channels_like_pillow_convert(dataset):
    root, ref = dataset
    stats = compute_dataset_stats(root, workers=1, as_rgb=True)
    everything = [a for images in ref.values() for a in images]
    _check(stats.overall, everything, "RGB")
    _check(stats.categories["gray"], ref["gray"], "RGB")
    _check(stats.categories["alpha"], ref["alpha"], "RGB")
    # cross-check one category against Pillow's own convert("RGB")
    pil = [
        np.asarray(Image.open(p).convert("RGB")) for p in sorted((Path(root) / "colour").iterdir())
    ]
    _check(stats.categories["colour"], pil, "RGB")


def test_problems_are_listed_and_never_stop_the_scan(dataset):
    root, _ = dataset
    stats = compute_dataset_stats(root, workers=1)
    kinds = {p.path: (p.kind, p.reason) for p in stats.problems}
    assert kinds["broken/empty.png"] == ("empty", "empty file (0 bytes)")
    assert kinds["broken/truncated.png"][0] == "corrupt"
    assert "truncated" in kinds["broken/truncated.png"][1]
    assert kinds["broken/garbage.jpg"][0] == "corrupt"
    assert stats.non_image_files == 2
    assert sorted(stats.non_image_examples) == ["gray/readme.md", "notes.txt"]
    assert "broken" not in stats.categories
    assert stats.files_total == stats.files_done == 18


def test_mixed_sizes_weigh_each_pixel_not_each_image(tmp_path):
    # The widely copied script averages per-image means: (1 + 0) / 2 = 0.5. Correct: 1/101.
    _save(tmp_path / "one_white_pixel.png", np.full((1, 1), 255, np.uint8))
    _save(tmp_path / "black_10x10.png", np.zeros((10, 10), np.uint8))
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.overall.mean[0] == pytest.approx(1 / 101, abs=TOL)
    assert stats.overall.std[0] == pytest.approx(np.sqrt(1 / 101 - (1 / 101) ** 2), abs=TOL)
    per_image_mean_of_std = (0 + 0) / 2
    assert abs(stats.overall.std[0] - per_image_mean_of_std) > 0.05


def test_workers_one_and_two_give_identical_results(dataset):
    root, _ = dataset
    one = compute_dataset_stats(root, workers=1, chunk_size=3).to_dict()
    two = compute_dataset_stats(root, workers=2, chunk_size=3).to_dict()
    one.pop("elapsed"), two.pop("elapsed")
    assert one == two


def test_cancel_stops_the_scan_with_partial_results(dataset):
    root, _ = dataset
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(StatsCancelledError) as info:
        compute_dataset_stats(root, workers=1, chunk_size=2, cancel=cancel)
    partial = info.value.partial
    assert not partial.complete
    assert 0 < partial.files_done < partial.files_total
    assert partial.overall.image_count <= partial.files_done


def test_cancel_stops_a_pool_scan(dataset):
    root, _ = dataset
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(StatsCancelledError) as info:
        compute_dataset_stats(root, workers=2, chunk_size=1, cancel=cancel)
    partial = info.value.partial
    assert 0 < partial.files_done < partial.files_total


def test_progress_and_partial_callbacks(dataset):
    root, _ = dataset
    snapshots, partials = [], []
    stats = compute_dataset_stats(
        root,
        workers=1,
        chunk_size=4,
        progress=snapshots.append,
        on_partial=partials.append,
        partial_interval=0.0,
    )
    assert snapshots[-1].done == snapshots[-1].total == stats.files_total
    assert partials and all(not p.complete for p in partials)
    done = [p.files_done for p in partials]
    assert done == sorted(done) and done[0] < stats.files_total


def test_duplicates_by_content(tmp_path):
    a = _save(tmp_path / "a" / "x.png", np.arange(12, dtype=np.uint8).reshape(3, 4))
    shutil.copy(tmp_path / "a" / "x.png", tmp_path / "a" / "y.png")
    shutil.copy(tmp_path / "a" / "x.png", tmp_path / "z.png")
    _save(tmp_path / "a" / "other.png", a + 1)
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.duplicate_groups == [["a/x.png", "a/y.png", "z.png"]]
    assert stats.duplicate_files == 2


def _png_declaring(width: int, height: int) -> bytes:
    data = io.BytesIO()
    Image.new("L", (1, 1)).save(data, "PNG")
    raw = bytearray(data.getvalue())
    ihdr = b"IHDR" + struct.pack(">II", width, height) + bytes(raw[24:29])
    raw[12:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(raw)


def test_decompression_bombs_are_refused_from_the_header(tmp_path):
    (tmp_path / "bomb.png").write_bytes(_png_declaring(100_000, 100_000))
    _save(tmp_path / "big.bmp", np.zeros((30, 30), np.uint8))
    _save(tmp_path / "small.png", np.zeros((2, 2), np.uint8))
    _save(tmp_path / "big.png", np.zeros((30, 30, 3), np.uint8))
    stats = compute_dataset_stats(tmp_path, workers=1, max_pixels=500)
    refused = {p.path: p.reason for p in stats.problems if p.kind == "too_large"}
    assert set(refused) == {"bomb.png", "big.bmp", "big.png"}
    assert "100000x100000" in refused["bomb.png"] and "500" in refused["bomb.png"]
    assert stats.overall.image_count == 1
    default = compute_dataset_stats(tmp_path, workers=1)
    assert [p.path for p in default.problems if p.kind == "too_large"] == ["bomb.png"]


def test_symlink_loops_are_not_followed(tmp_path):
    _save(tmp_path / "sub" / "x.png", np.zeros((2, 2), np.uint8))
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    os.symlink(tmp_path / "missing.png", tmp_path / "dangling.png")
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.overall.image_count == 1
    kinds = {p.path: p.kind for p in stats.problems}
    assert kinds == {"sub/loop": "folder", "dangling.png": "unreadable"}


def test_unlistable_subfolder_is_reported(tmp_path, monkeypatch):
    _save(tmp_path / "ok" / "x.png", np.zeros((2, 2), np.uint8))
    _save(tmp_path / "secret" / "y.png", np.zeros((2, 2), np.uint8))
    real = os.scandir

    def scandir(path):
        if str(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.overall.image_count == 1
    assert [(p.path, p.reason) for p in stats.problems] == [
        ("secret", "cannot list folder: permission denied")
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nope", "folder not found"),
        (lambda p: (p / "f.png").write_bytes(b"x") and p / "f.png", "is a file, not a folder"),
        (lambda p: p, "is empty"),
        (lambda p: (p / "a.txt").write_text("x") and p, "no image files"),
    ],
)
def test_bad_roots_raise_clear_errors(tmp_path, make, message):
    root = make(tmp_path)
    with pytest.raises(StatsInputError, match=message) as info:
        compute_dataset_stats(root, workers=1)
    assert str(root) in str(info.value)


def test_bad_arguments(tmp_path):
    with pytest.raises(StatsInputError, match="workers must be at least 1, got 0"):
        compute_dataset_stats(tmp_path, workers=0)


def test_manifest_labels(tmp_path):
    for name in ("a.png", "b.png", "c.png"):
        _save(tmp_path / "train" / name, np.zeros((2, 3), np.uint8))
    _save(tmp_path / "val" / "v.png", np.zeros((2, 3), np.uint8))
    (tmp_path / "train" / "metadata.jsonl").write_text(
        '{"file_name": "a.png", "label": "123"}\n'
        '{"file_name": "b.png", "label": "123"}\n'
        '{"file_name": "c.png", "labels": [4, 0]}\n'
        '{"file_name": "gone.png", "label": "9"}\n'
        "not json\n"
    )
    (tmp_path / "val" / "labels.csv").write_text("file,label\nv.png,0007\n")
    stats = compute_dataset_stats(tmp_path, workers=1)
    train, val = stats.categories["train"].labels, stats.categories["val"].labels
    assert train.label_histogram == {"123": 2, "40": 1, "9": 1}
    assert train.length_histogram == {1: 1, 2: 1, 3: 2}
    assert train.missing_images == 1
    assert val.label_histogram == {"0007": 1}
    overall = stats.labels
    assert overall.entries == 5
    assert overall.digit_counts == [3 + 1, 2, 2, 2, 1, 0, 0, 1, 0, 1]
    assert sorted(stats.manifests) == ["train/metadata.jsonl", "val/labels.csv"]
    bad = [p for p in stats.problems if p.kind == "manifest"]
    assert len(bad) == 1 and "line 5" in bad[0].reason and bad[0].path == "train/metadata.jsonl"
    assert stats.non_image_files == 0


def test_large_duplicates_are_confirmed_by_full_content(tmp_path):
    # > 12 KiB files are keyed by size + first/last 4 KiB; equal keys must be confirmed.
    rng = np.random.default_rng(3)
    data = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (120, 120, 3), dtype=np.uint8)).save(data, "PNG")
    original = data.getvalue()
    assert len(original) > 3 * 4096
    middle = len(original) // 2
    tampered = original[:middle] + bytes([original[middle] ^ 0xFF]) + original[middle + 1 :]
    (tmp_path / "a.png").write_bytes(original)
    (tmp_path / "b.png").write_bytes(tampered)  # same key, different bytes (and corrupt)
    (tmp_path / "c.png").write_bytes(original)
    (tmp_path / "d.png").write_bytes(tampered)
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.duplicate_groups == [["a.png", "c.png"], ["b.png", "d.png"]]


def test_unreadable_root_and_unreadable_file(tmp_path, monkeypatch):
    from seqstudio.core.stats import worker

    _save(tmp_path / "ok.png", np.zeros((2, 2), np.uint8))
    _save(tmp_path / "locked.png", np.zeros((2, 2), np.uint8))
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("locked.png"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(worker, "open", fake_open, raising=False)
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.overall.image_count == 1
    assert [(p.path, p.kind, p.reason) for p in stats.problems] == [
        ("locked.png", "unreadable", "cannot read: permission denied")
    ]
    monkeypatch.undo()

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(StatsInputError, match="cannot read folder .*: permission denied"):
        compute_dataset_stats(tmp_path, workers=1)


def test_only_corrupt_images_give_an_empty_but_complete_report(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8\xff garbage")
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.complete and stats.overall.image_count == 0 and stats.overall.channels == ()
    assert [p.kind for p in stats.problems] == ["empty", "corrupt"]
    assert stats.to_dict()["overall"]["mean"] == []


def test_interrupt_terminates_the_pool(dataset):
    import multiprocessing

    root, _ = dataset

    def interrupt(progress) -> None:
        if progress.done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compute_dataset_stats(root, workers=2, chunk_size=1, progress=interrupt)
    assert multiprocessing.active_children() == []


def test_images_named_by_both_manifests_count_once(tmp_path):
    _save(tmp_path / "train" / "a.png", np.zeros((2, 3), np.uint8))
    _save(tmp_path / "train" / "b.png", np.zeros((2, 3), np.uint8))
    (tmp_path / "train" / "labels.csv").write_text("file_name,label\na.png,12\nb.png,345\n")
    (tmp_path / "train" / "metadata.jsonl").write_text(
        '{"file_name": "a.png", "label": "12"}\n{"file_name": "b.png", "label": "345"}\n'
        '{"row": 7, "label": "9"}\n'  # a packed (npz) row: no image file, not a problem
    )
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.labels.entries == 2
    assert stats.labels.length_histogram == {2: 1, 3: 1}
    assert stats.problems == []
