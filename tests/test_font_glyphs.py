"""Glyph sources beyond MNIST: fonts rendered with Pillow, weighted mixes, fingerprints."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seqstudio.core.cv import cv2
from seqstudio.core.errors import DataError, SpecError
from seqstudio.core.export import ExportOptions, export_dataset
from seqstudio.core.export.errors import ExportError
from seqstudio.core.font_glyphs import render_font
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.glyphs import open_source
from seqstudio.core.source_fingerprint import source_fingerprint
from seqstudio.core.spec import GenerationSpec

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")  # fonts-dejavu-core (CI installs it)
SANS = DEJAVU / "DejaVuSans.ttf"
pytestmark = pytest.mark.skipif(not SANS.is_file(), reason="fonts-dejavu-core not installed")


@pytest.fixture
def fonts(tmp_path):
    """A folder of five DejaVu fonts (the core package's)."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    names = sorted(p.name for p in DEJAVU.glob("DejaVu*.ttf"))[:5]
    for name in names:
        shutil.copy(DEJAVU / name, folder / name)
    return folder


def test_a_font_renders_mnist_like_digits():
    glyphs = render_font(SANS)
    assert glyphs.shape == (10, 28, 28) and glyphs.dtype == np.uint8
    for glyph in glyphs:
        x, y, w, h = cv2.boundingRect(glyph)
        assert max(w, h) in (20, 21)  # fitted into MNIST's 20 px box (+ a faint edge)
        m = cv2.moments(glyph)
        assert abs(m["m10"] / m["m00"] - 13.5) <= 1 and abs(m["m01"] / m["m00"] - 13.5) <= 1
    # Different digits really are different drawings.
    assert len({g.tobytes() for g in glyphs}) == 10


def test_font_folder_holds_out_fonts_for_the_test_pool(fonts):
    source = open_source(f"font:{fonts}")
    assert source.classes == tuple("0123456789")
    assert len(source.pool("train")) == 40 and len(source.pool("test")) == 10
    train = {g.tobytes() for g in source.pool("train").images}
    assert not train & {g.tobytes() for g in source.pool("test").images}
    one = open_source(f"font:{SANS}")
    assert len(one.pool("train")) == len(one.pool("test")) == 10


def test_font_source_generates_exact_labels():
    gen = SequenceGenerator(GenerationSpec(digits="2024", width=160, source=f"font:{SANS}", seed=3))
    s = gen.generate(0)
    assert s.label == "2024"
    for k, (x, y, w, h) in enumerate(s.boxes, start=1):
        ys, xs = np.nonzero(s.mask == k)
        assert (xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) == (
            x,
            y,
            w,
            h,
        )
    assert np.array_equal(s.mask > 0, s.image > 0)


@pytest.mark.parametrize("weight", [0.1, 0.3, 0.6])
def test_mix_weight_is_realised_per_label_and_in_draws(fonts, weight):
    source = open_source(f"bundled+font:{fonts}@{weight}")
    base = open_source("bundled").pool("train")
    pool = source.pool("train")
    assert np.array_equal(pool.images[: len(base)], base.images)  # base indices unchanged
    for members in pool.members.values():
        share = np.mean(members >= len(base))
        assert abs(share - weight) <= 1 / len(members)
    gen = SequenceGenerator(
        GenerationSpec(digits="0123456789", width=400, source=source.source, seed=1), source
    )
    drawn = np.concatenate([gen.generate(i).glyph_indices for i in range(60)])
    assert abs(np.mean(drawn >= len(base)) - weight) < 0.08


BAD_SOURCES = [
    ("bundled+font:X", "SOURCE@WEIGHT"),
    ("bundled+font:X@1.5", "SOURCE@WEIGHT"),
    ("bundled+font:X@0.6+font:Y@0.5", "add up to 1.1"),
    ("+font:X@0.2", "no base source"),
    ("fonts:X", "font:PATH"),
]


@pytest.mark.parametrize("source, text", BAD_SOURCES)
def test_bad_source_strings_name_the_field(source, text):
    with pytest.raises(SpecError) as info:
        GenerationSpec(source=source)
    assert info.value.field == "source" and text in info.value.message


def test_unreadable_fonts_are_named(tmp_path):
    with pytest.raises(DataError, match="not found"):
        open_source(f"font:{tmp_path / 'none.ttf'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no font files"):
        open_source(f"font:{tmp_path / 'empty'}")
    fake = tmp_path / "fake.ttf"
    fake.write_bytes(b"not a font at all")
    with pytest.raises(DataError, match="cannot read"):
        open_source(f"font:{fake}")
    text = tmp_path / "notes.txt"
    text.write_text("x")
    with pytest.raises(DataError, match="not a font file"):
        open_source(f"font:{text}")


def test_symbol_fonts_are_refused():
    dingbats = Path("/usr/share/fonts/opentype/urw-base35/D050000L.otf")
    if not dingbats.is_file():
        pytest.skip("fonts-urw-base35 not installed")
    with pytest.raises(DataError, match="not a digit"):
        render_font(dingbats)


def _glyph_folder(root: Path) -> Path:
    for label in "01":
        (root / label).mkdir(parents=True)
        for k in range(6):
            a = np.zeros((28, 20), np.uint8)
            a[4 + k : 22, 6 + int(label) * 4 : 12 + int(label) * 4] = 255
            Image.fromarray(a).save(root / label / f"{k}.png")
    return root


def test_fingerprint_follows_content_not_path(tmp_path, fonts):
    folder = _glyph_folder(tmp_path / "glyphs")
    first = source_fingerprint(f"folder:{folder}")
    assert first == source_fingerprint(f"folder:{folder}")
    copy = shutil.copytree(folder, tmp_path / "copy")
    assert source_fingerprint(f"folder:{copy}") == first  # same glyphs, other place
    Image.fromarray(np.full((28, 20), 9, np.uint8)).save(folder / "1" / "3.png")
    assert source_fingerprint(f"folder:{folder}") != first
    mix = source_fingerprint(f"bundled+font:{fonts}@0.3")
    assert mix != source_fingerprint(f"bundled+font:{fonts}@0.2")
    assert len({mix, source_fingerprint("bundled"), source_fingerprint(f"font:{fonts}")}) == 3


def test_export_records_the_fingerprint_and_refuses_a_changed_folder(tmp_path):
    folder = _glyph_folder(tmp_path / "glyphs")
    spec = GenerationSpec(digits="0110", width=120, source=f"folder:{folder}", seed=2)
    out = tmp_path / "data"
    result = export_dataset(spec, 30, out, ExportOptions(workers=1))
    assert result.complete
    import json

    doc = json.loads((out / "dataset.json").read_text())
    assert doc["settings"]["source_fingerprint"] == source_fingerprint(spec.source)
    export_dataset(spec, 30, out, ExportOptions(workers=1, resume=True))  # unchanged: fine
    Image.fromarray(np.full((28, 20), 200, np.uint8)).save(folder / "0" / "2.png")
    with pytest.raises(ExportError, match="source_fingerprint"):
        export_dataset(spec, 30, out, ExportOptions(workers=1, resume=True))


def test_cli_generates_from_a_mix_and_rejects_a_bad_weight(tmp_path):
    out = tmp_path / "mix.png"
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "seqstudio",
            "generate",
            "--digits",
            "4711",
            "--width",
            "160",
            "--source",
            f"bundled+font:{SANS}@0.5",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert np.asarray(Image.open(out)).shape == (28, 160)
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "seqstudio",
            "generate",
            "--digits",
            "47",
            "--width",
            "160",
            "--source",
            f"bundled+font:{SANS}@2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "--source" in bad.stderr
