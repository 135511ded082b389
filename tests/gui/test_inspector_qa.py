"""Inspector on an export with masks: images only, whole thumbnails, overlays, filters by
augmentation parameter, tags by key press that survive reopening, QA list, mean images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from stats_planting import SPLITS, plant_problems

from seqstudio.core.augment.presets import load_preset
from seqstudio.core.export import ExportOptions, export_dataset, parse_splits
from seqstudio.core.spec import GenerationSpec, RandomSequences
from seqstudio.core.stats.render import load_display_image, render_tile
from seqstudio.core.stats.tags import TagStore
from seqstudio.gui.imaging import qimage_to_gray
from seqstudio.gui.inspector import InspectorPanel
from seqstudio.gui.inspector.sample_gallery import TILE_HEIGHT, TILE_WIDTH


@pytest.fixture(scope="module")
def masked(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inspect_qa") / "masked"
    spec = GenerationSpec(
        seed=3, width=230, random=RandomSequences(3, 5), augment=load_preset("light")
    )
    options = ExportOptions(
        splits=parse_splits("train=0.5,val=0.25,test=0.25"),
        annotations=("coco",),
        masks=True,
        workers=1,
    )
    export_dataset(spec, 64, out, options)
    return out


def make_panel(qtbot, settings, answers=None) -> InspectorPanel:
    widget = InspectorPanel(settings, workers=1, ask_text=lambda *_: answers.pop(0))
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    return widget


@pytest.fixture
def panel(qtbot, settings):
    widget = make_panel(qtbot, settings, [])
    yield widget
    widget.shutdown()
    assert not widget.is_any_running()


def scan(qtbot, panel: InspectorPanel, folder: Path):
    signals = [panel.gallery.pageLoaded, panel.histogramReady]
    with qtbot.waitSignals(signals, timeout=60000):
        panel.inspect(str(folder))
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=10000)
    qtbot.waitUntil(panel.gallery.is_loaded, timeout=10000)
    return panel.stats


def wait_filtered(qtbot, gallery, action) -> None:
    with qtbot.waitSignal(gallery.filtered_ready, timeout=10000):
        action()
    qtbot.waitUntil(gallery.is_loaded, timeout=10000)


def test_first_page_has_no_mask_and_thumbnails_are_whole(qtbot, panel, masked):
    stats = scan(qtbot, panel, masked)
    assert stats.overall.image_count == 64 and stats.masks.count == 64
    gallery = panel.gallery
    items = gallery.page_items()
    names = {
        f"{s}/{json.loads(x)['file_name']}"
        for s in SPLITS
        for x in (masked / s / "metadata.jsonl").open()
    }
    assert len(items) == 48 and {i.rel for i in items} <= names  # images only, never a mask
    assert stats.roles["mask"] == 64
    # A 230x28 image fills a 240x48 tile as 240x29: all 230 columns, scaled, none cut.
    pos = 0
    tile = gallery.thumbnail(pos)
    assert (tile.width(), tile.height()) == (TILE_WIDTH, TILE_HEIGHT)
    original = load_display_image(masked / items[pos].rel)
    expected = render_tile(original, TILE_WIDTH, TILE_HEIGHT)
    assert expected.placed[2:] == (240, 29)
    np.testing.assert_array_equal(qimage_to_gray(tile), expected.pixels[:, :, 0])
    x, y, w, h = expected.placed
    ink_columns = np.nonzero(original.max(axis=0))[0]
    shown_columns = np.nonzero(expected.pixels[y : y + h, x : x + w, 0].max(axis=0))[0]
    assert shown_columns[-1] >= round(ink_columns[-1] * w / 230) - 1  # the rightmost ink
    # The painted list shows the tile itself (real pixels of the view).
    view = gallery.list
    rect = view.visualItemRect(view.item(pos))
    grab = view.viewport().grab(rect).toImage()
    painted = qimage_to_gray(grab)
    assert (painted == 24).any() and painted.max() > 200  # background and ink, not a crop
    # Toggles: boxes, then masks, change the tile's pixels.
    with qtbot.waitSignal(gallery.pageLoaded, timeout=10000):
        gallery.boxes_check.setChecked(True)
    qtbot.waitUntil(gallery.is_loaded, timeout=10000)
    boxed = gallery.thumbnail(pos)
    red = boxed.pixelColor(x + round(items[pos].boxes[0][0] * w / 230), y + h // 2)
    assert (red.red(), red.green(), red.blue()) == (255, 64, 64)
    with qtbot.waitSignal(gallery.pageLoaded, timeout=10000):
        gallery.masks_check.setChecked(True)
    qtbot.waitUntil(gallery.is_loaded, timeout=10000)
    masked_tile = gallery.thumbnail(pos)
    colours = {masked_tile.pixelColor(px, y + h // 2).name() for px in range(x, x + w)}
    assert len(colours) > 4  # the mask palette over the ink


def test_parameter_filter_and_qa_and_mean_images(qtbot, panel, masked):
    stats = scan(qtbot, panel, masked)
    gallery = panel.gallery
    name = "glyph rotate.angle"
    index = gallery.filters.param_combo.findData(name)
    assert index > 0
    wait_filtered(qtbot, gallery, lambda: gallery.filters.param_combo.setCurrentIndex(index))
    wait_filtered(qtbot, gallery, lambda: gallery.filters.param_min.setText("2"))
    rows = {}
    for split in SPLITS:
        for line in (masked / split / "metadata.jsonl").open():
            record = json.loads(line)
            angles = [op.get("angle", 0.0) for glyph in record["params"]["glyph_augment"]
                      for op in glyph if op["op"] == "rotate" and op["applied"]]  # fmt: skip
            rows[f"{split}/{record['file_name']}"] = max(angles, key=abs, default=None)
    expected = sorted(rel for rel, a in rows.items() if a is not None and a >= 2)
    assert expected and sorted(i.rel for i in gallery.filtered) == expected
    # A bad bound is inline and keeps the last good list.
    gallery.filters.param_max.setText("ten")
    assert gallery.error.isVisibleTo(gallery) and "'ten' is not a number" in gallery.error.text()
    assert sorted(i.rel for i in gallery.filtered) == expected
    # Mean images: the view shows the exact overall map's pixels.
    view = panel.pixel_maps
    item = view.current()
    assert item.category == "(all)" and item.size == "230x28" and item.count == 64
    shown = qimage_to_gray(view.mean_label.pixmap().toImage())
    scale = shown.shape[1] // 230
    assert np.array_equal(shown[::scale, ::scale], np.rint(item.mean[:, :, 0] * 255))
    assert view.normalize_edit.text().startswith(f"Normalize(mean=({stats.overall.mean[0]:.4f},)")
    # Compare: two splits of the scan (computed on the task thread), then the verdict.
    compare = panel.compare
    qtbot.waitUntil(lambda: compare.comparison is not None, timeout=10000)
    assert (compare.comparison.a, compare.comparison.b) == ("train", "test")  # the defaults
    with qtbot.waitSignal(compare.compared, timeout=10000) as blocker:
        compare.b_combo.setCurrentIndex(compare.b_combo.findData("scan:val"))
    comparison = blocker.args[0]
    assert (comparison.a, comparison.b) == ("train", "val") and compare.table.rowCount() == len(
        comparison.differences
    )
    assert compare.verdict.text().startswith(f"Differs most: {comparison.largest.name}")
    # Another folder as B: a scan on the task thread, then the comparison.
    with qtbot.waitSignal(compare.compared, timeout=60000) as blocker:
        compare.compare_folder(str(masked / "train"))
    assert blocker.args[0].b == str(masked / "train")


def test_planted_problems_are_listed_like_the_cli(qtbot, panel, masked, tmp_path):
    planted = plant_problems(masked, tmp_path / "planted")
    stats = scan(qtbot, panel, tmp_path / "planted")
    rows = {(check, path) for check, path, _ in panel.problems.entries()}
    for check, path in planted.items():
        assert (check, path) in rows
    assert panel.problems.entries() == [(f.check, f.path, f.reason) for f in stats.qa.findings]


def test_tags_by_key_press_persist_and_survive_reopening(qtbot, settings, masked, tmp_path):
    import shutil

    root = tmp_path / "tagged"
    shutil.copytree(masked, root)
    panel = make_panel(qtbot, settings, ["note: 7 or 1?"])
    try:
        scan(qtbot, panel, root)
        gallery = panel.gallery
        items = gallery.page_items()
        gallery.list.setFocus()
        gallery.list.setCurrentRow(0)
        with qtbot.waitSignal(gallery.tagsSaved, timeout=10000):
            qtbot.keyClick(gallery.list, Qt.Key.Key_B)
        gallery.list.setCurrentRow(1)
        with qtbot.waitSignal(gallery.tagsSaved, timeout=10000):
            qtbot.keyClick(gallery.list, Qt.Key.Key_A)
        with qtbot.waitSignal(gallery.tagsSaved, timeout=10000):
            qtbot.keyClick(gallery.list, Qt.Key.Key_T)
        assert gallery.captions()[0].endswith("[bad]")
        saved = json.loads((root / "seqstudio-tags.json").read_text())
        assert saved["tags"] == {
            items[0].rel: ["bad"],
            items[1].rel: ["ambiguous", "note: 7 or 1?"],
        }
        # Pressing B again removes the tag.
        gallery.list.setCurrentRow(0)
        with qtbot.waitSignal(gallery.tagsSaved, timeout=10000):
            qtbot.keyClick(gallery.list, Qt.Key.Key_B)
        assert items[0].rel not in TagStore.load(root).tags
        with qtbot.waitSignal(gallery.tagsSaved, timeout=10000):
            qtbot.keyClick(gallery.list, Qt.Key.Key_B)
    finally:
        panel.shutdown()
    # A new inspector reads them back: captions and the tag filter.
    again = make_panel(qtbot, settings, [])
    try:
        scan(qtbot, again, root)
        gallery = again.gallery
        assert gallery.captions()[0].endswith("[bad]")
        assert gallery.captions()[1].endswith("[ambiguous, note: 7 or 1?]")
        wait_filtered(qtbot, gallery, lambda: gallery.filters.tag_combo.setCurrentIndex(
            gallery.filters.tag_combo.findData("ambiguous")))  # fmt: skip
        assert [i.rel for i in gallery.filtered] == [items[1].rel]
        wait_filtered(qtbot, gallery, lambda: gallery.filters.tag_combo.setCurrentIndex(
            gallery.filters.tag_combo.findData("(any tag)")))  # fmt: skip
        assert sorted(i.rel for i in gallery.filtered) == sorted([items[0].rel, items[1].rel])
    finally:
        again.shutdown()
    assert not again.is_any_running()
