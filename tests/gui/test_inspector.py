"""The dataset inspector: numbers equal the engine's, captions from the manifest, problems
(corrupt files, duplicates, manifest mismatches, shared glyphs), exports, viewer, cancel."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seqstudio.core.export import ExportOptions, export_dataset, parse_splits
from seqstudio.core.spec import GenerationSpec
from seqstudio.core.stats import compute_dataset_stats
from seqstudio.gui.imaging import qimage_to_gray
from seqstudio.gui.inspector import InspectorPanel


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """A small seqstudio export with splits (made once per module)."""
    out = tmp_path_factory.mktemp("inspect") / "data"
    export_dataset(
        GenerationSpec(seed=5),
        60,
        out,
        ExportOptions(splits=parse_splits("train=0.5,val=0.25,test=0.25"), workers=1),
    )
    return out


@pytest.fixture
def damaged(exported, tmp_path) -> Path:
    """The export plus a corrupt PNG, a text file, a duplicate and a deleted image."""
    root = tmp_path / "damaged"
    shutil.copytree(exported, root)
    (root / "train" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (root / "notes.txt").write_text("hello")
    first = sorted((root / "val").glob("*.png"))[0]
    shutil.copy(first, root / "val" / "copy_of_first.png")
    gone = sorted((root / "test").glob("*.png"))[-1]
    gone.unlink()
    return root


@pytest.fixture
def panel(qtbot, settings, tmp_path):
    saves = {}

    def choose_save(title, start, filters):
        return str(tmp_path / saves.setdefault(title, start))

    widget = InspectorPanel(settings, choose_save_path=choose_save, workers=1)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    yield widget
    widget.shutdown()
    assert not widget.is_any_running()


def scan(qtbot, panel: InspectorPanel, folder: Path):
    with qtbot.waitSignal(panel.histogramReady, timeout=60000):
        panel.inspect(str(folder))
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=10000)
    return panel.stats


def test_table_numbers_equal_the_engine(qtbot, panel, damaged, tmp_path):
    stats = scan(qtbot, panel, damaged)
    engine = compute_dataset_stats(damaged, workers=1)
    table = panel.table
    assert table.rowCount() == len(engine.categories) + 1
    for name, group in engine.categories.items():
        values = table.row_values(table.row_of(name))
        assert values[:5] == [name, group.image_count, group.total_bytes, list(group.mean),
                              list(group.std)]  # fmt: skip
        assert values[5] == group.sizes and values[6] == group.modes
    total = table.row_values(table.row_of("Total"))
    assert total[1] == engine.overall.image_count == 60  # 59 exported + duplicate, corrupt not
    assert total[3] == list(engine.overall.mean) and total[4] == list(engine.overall.std)
    assert stats.labels.label_histogram == engine.labels.label_histogram
    # Exports: CSV values are exact, JSON is the engine's dictionary.
    with qtbot.waitSignal(panel.fileSaved, timeout=10000):
        panel.save("csv", str(tmp_path / "stats.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "stats.csv").read_text())))
    last = rows[-1]
    assert last["category"] == "(all)" and int(last["images"]) == 60
    assert float(last["mean_0"]) == engine.overall.mean[0]
    with qtbot.waitSignal(panel.fileSaved, timeout=10000):
        panel.save("json", str(tmp_path / "stats.json"))
    saved = json.loads((tmp_path / "stats.json").read_text())
    expected = json.loads(json.dumps(engine.to_dict()))  # int keys become text in JSON
    for key in ("categories", "overall", "labels", "duplicate_groups", "problems"):
        assert saved[key] == expected[key], key
    assert panel.copy_table().splitlines()[0].startswith("Category\tImages")
    # Plots show the engine's label data.
    assert panel.plots.data["Digit class counts"] == {
        str(d): n for d, n in enumerate(engine.labels.digit_counts)
    }
    assert panel.plots.data["Sequence length"] == engine.labels.length_histogram


def test_problems_list_corrupt_duplicates_mismatches(qtbot, panel, damaged):
    stats = scan(qtbot, panel, damaged)
    problems = panel.problems
    assert any(path == "train/broken.png" for _, path, _ in problems.entries("corrupt"))
    assert any(path == "notes.txt" for _, path, _ in problems.entries("non_images"))
    dup_paths = [path for _, path, _ in problems.entries("duplicate")]
    assert len(dup_paths) == 1 and dup_paths[0].startswith("val/")
    rows = {(path, details) for _, path, details in problems.entries("manifest")}
    assert any(p.startswith("test/") and d.endswith("but not on disk") for p, d in rows)
    assert any(p == "train/broken.png" and d.startswith("an image with no record") for p, d in rows)
    assert any(p == "val/copy_of_first.png" for p, _ in rows)
    assert problems.entries("leakage") == []  # the engine keeps splits apart
    # The list is exactly the core QA report (what `seqstudio stats` prints).
    assert problems.entries() == [(f.check, f.path, f.reason) for f in stats.qa.findings]


def test_glyphs_shared_across_splits_are_reported(qtbot, panel, exported, tmp_path):
    root = tmp_path / "leaky"
    shutil.copytree(exported, root)
    train = [json.loads(x) for x in (root / "train" / "metadata.jsonl").read_text().splitlines()]
    val_path = root / "val" / "metadata.jsonl"
    val = [json.loads(x) for x in val_path.read_text().splitlines()]
    val[0]["pool"] = train[0]["pool"]
    val[0]["glyph_indices"] = train[0]["glyph_indices"]
    val_path.write_text("".join(json.dumps(r) + "\n" for r in val))
    scan(qtbot, panel, root)
    shared = panel.problems.entries("leakage")
    assert len(shared) == 1
    kind, path, details = shared[0]
    assert path == "train ∩ val"
    n = len(set(train[0]["glyph_indices"]))
    assert details.startswith(f"{n} glyphs used by both splits")


def set_and_wait(qtbot, gallery, action) -> None:
    """Change a filter control and wait until the worker delivered the filtered list."""
    with qtbot.waitSignal(gallery.filtered_ready, timeout=10000):
        action()


def test_gallery_captions_viewer_and_grid_png(qtbot, panel, exported, tmp_path):
    with qtbot.waitSignal(panel.gallery.pageLoaded, timeout=60000):
        scan(qtbot, panel, exported)
    qtbot.waitUntil(panel.gallery.is_loaded, timeout=10000)
    labels = {}
    for split in ("train", "val", "test"):
        for line in (exported / split / "metadata.jsonl").read_text().splitlines():
            record = json.loads(line)
            labels[f"{split}/{record['file_name']}"] = record
    gallery = panel.gallery
    shown = gallery.page_items()
    assert len(shown) == 48
    assert gallery.captions() == [labels[item.rel]["label"] for item in shown]
    # Filter by split, label and length; reshuffle with a seed.
    set_and_wait(qtbot, gallery, lambda: gallery.filters.split_combo.setCurrentIndex(
        gallery.filters.split_combo.findData("val")))  # fmt: skip
    assert {item.category for item in gallery.filtered} == {"val"}
    assert len(gallery.filtered) == 15
    label = labels[shown[0].rel]["label"]
    set_and_wait(qtbot, gallery, lambda: gallery.filters.split_combo.setCurrentIndex(0))
    set_and_wait(qtbot, gallery, lambda: gallery.filters.label_edit.setText(label))
    assert gallery.filtered and all(item.label == label for item in gallery.filtered)
    set_and_wait(qtbot, gallery, lambda: gallery.filters.label_edit.setText(""))
    length = len(label)
    set_and_wait(qtbot, gallery, lambda: gallery.filters.min_length.setValue(length))
    set_and_wait(qtbot, gallery, lambda: gallery.filters.max_length.setValue(length))
    expected = [rel for rel, r in labels.items() if len(r["label"]) == length]
    assert sorted(item.rel for item in gallery.filtered) == sorted(expected)
    set_and_wait(qtbot, gallery, lambda: gallery.filters.min_length.setValue(0))
    set_and_wait(qtbot, gallery, lambda: gallery.filters.max_length.setValue(0))
    set_and_wait(qtbot, gallery, lambda: gallery.filters.seed_spin.setValue(4))
    set_and_wait(qtbot, gallery, lambda: gallery.filters.shuffle_check.setChecked(True))
    first = [item.rel for item in gallery.filtered]
    set_and_wait(qtbot, gallery, lambda: gallery.filters.shuffle_check.setChecked(False))
    set_and_wait(qtbot, gallery, lambda: gallery.filters.shuffle_check.setChecked(True))
    assert [item.rel for item in gallery.filtered] == first
    assert sorted(first) == sorted(labels)
    assert first != sorted(first)
    qtbot.waitUntil(gallery.is_loaded, timeout=10000)
    # Click: the sample large, with the manifest's boxes drawn in red.
    item = gallery.page_items()[0]
    with qtbot.waitSignal(gallery.viewerOpened, timeout=5000) as blocker:
        gallery._on_item_clicked(gallery.list.item(0))
    viewer = blocker.args[0]
    qtbot.waitUntil(lambda: not viewer.shown_image.isNull(), timeout=10000)
    image = viewer.shown_image
    original = np.asarray(Image.open(exported / item.rel))
    scale = image.width() // original.shape[1]
    assert image.height() == original.shape[0] * scale
    x, y, w, h = labels[item.rel]["boxes"][0]
    colour = image.pixelColor(x * scale, y * scale + h * scale // 2)
    assert (colour.red(), colour.green(), colour.blue()) == (255, 64, 64)
    inside = qimage_to_gray(image)[(y + h // 2) * scale + 1, (x + w // 2) * scale + 1]
    assert inside == original[y + h // 2, x + w // 2]
    viewer.close()
    # The page as a PNG grid.
    with qtbot.waitSignal(gallery.gridSaved, timeout=20000) as blocker:
        gallery.save_grid(str(tmp_path / "grid.png"))
    grid = Image.open(blocker.args[0])
    assert grid.width > 200 and grid.height > 60


def test_scan_can_be_cancelled_and_bad_folders_are_inline(qtbot, panel, exported, tmp_path):
    panel.inspect(str(tmp_path / "missing"))
    assert (
        panel.problem_label.isVisibleTo(panel) and "is not a folder" in panel.problem_label.text()
    )
    assert not panel.is_running()
    with qtbot.waitSignal(panel.scanCancelled, timeout=15000) as blocker:
        panel.inspect(str(exported))
        panel.cancel()
    assert panel.intensity is None  # the scan never ran to the end
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=10000)
    assert panel.status_label.text().startswith("cancelled after")
    empty = tmp_path / "empty"
    empty.mkdir()
    with qtbot.waitSignal(panel.scanFailed, timeout=10000) as blocker:
        panel.inspect(str(empty))
    assert "empty" in blocker.args[0] and panel.problem_label.isVisibleTo(panel)
