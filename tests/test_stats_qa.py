"""Roles, QA checks, mean/std images, compare and tags on real seqstudio exports (CLI)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from stats_planting import SPLITS, mask_of, plant_problems

from seqstudio.core.stats import compute_dataset_stats, make_sample_grid
from seqstudio.core.stats.tags import TagStore

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str, check: int | None = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "seqstudio", *args], cwd=REPO, capture_output=True, text=True
    )
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


def export(out: Path, *extra: str) -> Path:
    cli("export", "-o", str(out), "--workers", "1", "-q", *extra)
    return out


@pytest.fixture(scope="module")
def masked(tmp_path_factory) -> Path:
    """An export with masks, COCO and three splits, 230x28 images."""
    out = tmp_path_factory.mktemp("qa") / "masked"
    return export(out, "--count", "40", "--random-length", "3", "5", "--width", "230",
                  "--split", "train=0.5,val=0.25,test=0.25", "--annotations", "coco",
                  "--masks", "--augment", "light")  # fmt: skip


def _images(root: Path, split: str) -> np.ndarray:
    names = [json.loads(x)["file_name"] for x in (root / split / "metadata.jsonl").open()]
    return np.stack([np.asarray(Image.open(root / split / n)) for n in names]) / 255.0


def test_stats_cover_images_only_and_masks_get_their_own_line(masked):
    stats = compute_dataset_stats(masked, workers=2)
    per_split = {split: _images(masked, split) for split in SPLITS}
    everything = np.concatenate(list(per_split.values()))
    assert stats.overall.image_count == 40
    assert abs(stats.overall.mean[0] - everything.mean()) < 1e-6
    assert abs(stats.overall.std[0] - everything.std()) < 1e-6
    assert set(stats.categories) == set(SPLITS)
    for split, pixels in per_split.items():
        group = stats.categories[split]
        assert abs(group.mean[0] - pixels.mean()) < 1e-6
        assert abs(group.std[0] - pixels.std()) < 1e-6
        pixel_map = stats.pixel_map(split)
        assert np.abs(pixel_map.mean[:, :, 0] - pixels.mean(0)).max() < 1e-6
        assert np.abs(pixel_map.std[:, :, 0] - pixels.std(0)).max() < 1e-6
    assert stats.roles["image"] == 40 and stats.roles["mask"] == 40
    assert stats.masks.count == 40 and stats.masks.checked_against_boxes == 40
    assert stats.masks.disagreeing == 0
    lengths = {
        len(json.loads(x)["boxes"]) for s in SPLITS for x in (masked / s / "metadata.jsonl").open()
    }
    assert set(stats.masks.ids_per_mask) == lengths
    assert stats.qa.problem_count == 0
    # The CLI prints the same numbers and a line to paste.
    out = cli("stats", str(masked), "--check").stdout
    assert (
        f"Normalize(mean=({stats.overall.mean[0]:.4f},), std=({stats.overall.std[0]:.4f},))" in out
    )
    assert "masks: 40 (not in the statistics above)" in out


def test_grid_holds_no_mask_and_shows_whole_images(masked, tmp_path):
    info = make_sample_grid(masked, tmp_path / "g.png", rows=8, cols=8, thumb_height=28)
    assert len(info.cells) == 40
    images = {
        f"{s}/{json.loads(x)['file_name']}"
        for s in SPLITS
        for x in (masked / s / "metadata.jsonl").open()
    }
    assert {cell.path for cell in info.cells} <= images  # never a mask
    for cell in info.cells:  # the whole 230x28 image scaled into the 8:1 cell, not a crop
        w, h = cell.box[2:]
        assert w == info.cell_width == 224 and h == round(28 * 224 / 230)


def test_planted_problems_are_each_reported_and_check_fails(masked, tmp_path):
    planted = plant_problems(masked, tmp_path / "planted")
    proc = cli("stats", str(tmp_path / "planted"), "--check", "--json", str(tmp_path / "s.json"),
               check=1)  # fmt: skip
    data = json.loads((tmp_path / "s.json").read_text())
    found = {(f["check"], f["path"]) for f in data["qa"]["findings"]}
    for check, path in planted.items():
        assert (check, path) in found, (check, path, found)
        assert f"{path}:" in proc.stdout
    assert data["qa"]["problem_count"] == len(found) >= 5
    # Without --check the same report exits 0.
    assert cli("stats", str(tmp_path / "planted")).returncode == 0


def test_boxes_outside_the_image_are_reported(masked, tmp_path):
    root = tmp_path / "boxes"
    shutil.copytree(masked, root)
    path = root / "val" / "metadata.jsonl"
    records = [json.loads(x) for x in path.open()]
    records[0]["boxes"][0] = [220, 0, 20, 10]  # beyond the 230-px width
    records[1]["boxes"][0] = [5, 5, 0, 10]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    stats = compute_dataset_stats(root, workers=1)
    paths = {f.path for f in stats.qa.of("boxes")}
    assert paths == {f"val/{records[0]['file_name']}", f"val/{records[1]['file_name']}"}


def test_foreign_folder_counts_everything_and_flags_a_mask_folder(tmp_path):
    for folder, value in (("images", 200), ("masks", 1)):
        (tmp_path / folder).mkdir()
        for i in range(3):
            Image.new("L", (8, 8), value).save(tmp_path / folder / f"{i}.png")
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert stats.overall.image_count == 6  # today's behaviour: every image counts
    layout = stats.qa.of("layout")
    assert [f.path for f in layout] == ["masks"] and "3 images" in layout[0].reason


def _centroid_x(mean: np.ndarray) -> float:
    columns = mean.sum(axis=0)
    return float((columns * np.arange(columns.size)).sum() / columns.sum())


def test_mean_images_align_left_vs_center(tmp_path):
    common = ("--count", "24", "--random-length", "2", "3", "--width", "200")
    roots = {a: export(tmp_path / a, *common, "--align", a) for a in ("left", "center")}
    means = {}
    for align, root in roots.items():
        png = tmp_path / f"{align}-mean.png"
        cli(
            "stats",
            str(root),
            "--mean-image",
            str(png),
            "--std-image",
            str(tmp_path / f"{align}-std.png"),
        )
        means[align] = np.load(png.with_suffix(".npy"))
        std = np.load(tmp_path / f"{align}-std.npy")
        names = [json.loads(x)["file_name"] for x in (root / "train" / "metadata.jsonl").open()]
        pixels = np.stack([np.asarray(Image.open(root / "train" / n)) for n in names]) / 255.0
        assert np.abs(means[align] - pixels.mean(0)).max() < 1e-6
        assert np.abs(std - pixels.std(0)).max() < 1e-6
        assert np.asarray(Image.open(png)).shape == (28, 200)
    assert _centroid_x(means["left"]) < 70 < 85 < _centroid_x(means["center"]) < 115
    left_half = means["left"][:, :100].sum()
    assert left_half > 0.95 * means["left"].sum()


def test_compare_names_the_length_histogram(tmp_path):
    a = export(tmp_path / "short", "--count", "30", "--random-length", "2", "3", "--width", "260")
    b = export(tmp_path / "long", "--count", "30", "--random-length", "5", "6", "--width", "260")
    out = cli("stats", str(a), str(b), "--json", str(tmp_path / "c.json")).stdout
    assert "differs most: length histogram" in out
    assert json.loads((tmp_path / "c.json").read_text())["largest"] == "length histogram"


def test_tags_are_listed(masked, tmp_path):
    root = tmp_path / "tagged"
    shutil.copytree(masked, root)
    store = TagStore.load(root)
    store.toggle("train/000001.png", "bad")
    store.toggle("val/000020.png", "note: 7 or 1?")
    store.save()
    out = cli("stats", str(root), "--tags").stdout
    assert "train/000001.png: bad" in out and "val/000020.png: note: 7 or 1?" in out
    assert "counts: bad 1, note: 7 or 1? 1" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a", "b", "c"], "DIR: 3 folders given"),
        (["x", "--grid-boxes"], "--grid-boxes needs --grid OUT.png"),
    ],
)
def test_bad_input_is_one_line(args, message):
    proc = cli("stats", *args, check=2)
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("layout", ["mask_file_name", "split_masks_folder", "root_masks_folder"])
def test_masks_found_from_mask_file_name_or_mask_folders(masked, tmp_path, layout):
    """Masks named by ``mask_file_name`` anywhere, or (older exports, no such field) kept in
    ``<split>/masks`` or the export's ``masks/`` folder under the image's stem."""
    root = tmp_path / layout
    shutil.copytree(masked, root)
    for split in SPLITS:
        path = root / split / "metadata.jsonl"
        records = [json.loads(x) for x in path.open()]
        for record in records:
            source = root / mask_of(record, split)
            record.pop("mask_file_name", None)
            if layout == "mask_file_name":
                target = root / "instance_png" / record["file_name"]
                record["mask_file_name"] = f"../instance_png/{record['file_name']}"
            elif layout == "split_masks_folder":
                target = root / split / "masks" / record["file_name"]
            else:
                target = root / "masks" / record["file_name"]
            target.parent.mkdir(exist_ok=True)
            if source != target:
                shutil.move(source, target)
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    stats = compute_dataset_stats(root, workers=1)
    assert stats.overall.image_count == 40 and stats.masks.count == 40
    assert stats.masks.checked_against_boxes == 40 and stats.qa.problem_count == 0


def test_mixed_sizes_get_one_mean_image_per_size_group(tmp_path):
    rng = np.random.default_rng(7)
    groups = {(20, 10): 3, (8, 16): 2}
    arrays: dict[tuple[int, int], list[np.ndarray]] = {}
    for (w, h), count in groups.items():
        for i in range(count):
            array = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            arrays.setdefault((w, h), []).append(array)
            Image.fromarray(array).save(tmp_path / f"{w}x{h}_{i}.png")
    stats = compute_dataset_stats(tmp_path, workers=1)
    assert sorted(stats.pixel_map_sizes("(all)")) == ["20x10", "8x16"]
    for (w, h), items in arrays.items():
        pixel_map = stats.pixel_map("(all)", f"{w}x{h}")
        stack = np.stack(items) / 255.0
        assert pixel_map.channels == "RGB" and pixel_map.count == len(items)
        assert np.abs(pixel_map.mean - stack.mean(0)).max() < 1e-12
        assert np.abs(pixel_map.std - stack.std(0)).max() < 1e-12
    out = cli("stats", str(tmp_path), "--mean-image", str(tmp_path / "m.png")).stdout
    assert "mixed sizes: 2 size groups" in out
    assert (tmp_path / "m.png").exists() and (tmp_path / "m-8x16.png").exists()
    assert np.asarray(Image.open(tmp_path / "m-8x16.png")).shape == (16, 8, 3)


def test_bad_tags_file_is_one_clear_line(masked, tmp_path):
    root = tmp_path / "badtags"
    shutil.copytree(masked, root)
    assert "no tags in" in cli("stats", str(root), "--tags").stdout
    (root / "seqstudio-tags.json").write_text("{not json")
    proc = cli("stats", str(root), "--tags", check=2)
    assert "seqstudio-tags.json is not valid JSON" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
