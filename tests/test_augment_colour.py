"""Colour and backgrounds: RGB output with exact labels, through generator, export and CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from seqstudio.core.augment import output_channels, parse_pipeline
from seqstudio.core.augment.colour_ops import draw_colours, luminance
from seqstudio.core.export import ExportOptions, export_dataset
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec

COLOUR = [
    {"op": "colour", "params": {"palette": "signage", "contrast": [0.4, 0.8]}},
    {"op": "background", "params": {"strength": [0.1, 0.3]}},
    {"op": "illumination"},
]
MOVING = [
    {"op": "rotate", "params": {"angle": [-10, 10]}},
    {"op": "gaussian_blur", "params": {"sigma": [0.5, 1.0]}},
    {"op": "perspective", "params": {"strength": [0.03, 0.05]}},
]
PHOTO = [
    {"op": "gaussian_noise", "params": {"sigma": [5, 10]}},
    {"op": "salt_pepper", "params": {"amount": [0.01, 0.02]}},
    {"op": "jpeg", "params": {"quality": [40, 60]}},
    {"op": "dropout", "params": {"rate": [0.01, 0.02]}},
    {"op": "coarse_dropout", "params": {"rate": [0.02, 0.05]}},
    {"op": "brightness_contrast", "params": {"brightness": [0.8, 1.2], "contrast": [0.8, 1.2]}},
]


def _gen(ops, **kw):
    spec = GenerationSpec(digits="90210", width=240, fit="scale", seed=6, augment=ops, **kw)
    return SequenceGenerator(spec)


@pytest.mark.parametrize("palette", ["paper", "signage", "any"])
def test_colour_composes_ink_over_paper(palette):
    ops = [{"op": "colour", "params": {"palette": palette, "contrast": [0.5, 0.5]}}]
    gen, plain = _gen(ops), _gen([])
    for i in range(6):
        s, p = gen.generate(i), plain.generate(i)
        assert s.image.shape == p.image.shape + (3,) and s.image.dtype == np.uint8
        assert np.array_equal(s.mask, p.mask) and np.array_equal(s.boxes, p.boxes)
        record = s.params["augment"][0]
        ink, paper = np.array(record["ink_rgb"]), np.array(record["paper_rgb"])
        assert abs(luminance(ink / 255) - luminance(paper / 255)) >= 0.5 - 1e-3
        assert np.abs(s.image[p.image == 0] - paper).max() <= 0.5  # paper where no ink
        assert np.abs(s.image[p.image == 255] - ink).max() <= 0.5  # ink where fully inked
        alpha = p.image.astype(float)[..., None] / 255
        assert np.abs(s.image - (paper + alpha * (ink - paper))).max() <= 0.5


def test_contrast_is_reached_for_every_palette_draw():
    gen = np.random.default_rng(0)
    for palette in ("paper", "signage", "any"):
        for _ in range(300):
            draws = gen.random(8)
            ink, paper = draw_colours(palette, 0.7, lambda k, d=draws: d[k])
            assert abs(luminance(ink) - luminance(paper)) >= 0.7 - 1e-9
            assert all(0 <= c <= 1 for c in ink + paper)


def test_rgb_pipeline_keeps_masks_and_boxes_of_the_clean_ink():
    """Photometric colour ops change no label; moving ops after colour move RGB and labels alike."""
    full = _gen(COLOUR + MOVING + PHOTO)
    # The same pipeline with every photometric op disabled (same op indices, same draws).
    moving_only = [dict(op, enabled=op in MOVING) for op in COLOUR + MOVING + PHOTO]
    reference = _gen(moving_only)
    for i in range(8):
        s, r = full.generate(i), reference.generate(i)
        assert s.image.shape == (28, 240, 3)
        assert np.array_equal(s.mask, r.mask) and np.array_equal(s.boxes, r.boxes)
        assert np.array_equal(r.image > 0, r.mask > 0)
        assert (s.boxes[:, 2] > 0).all()


def test_background_kinds_and_ink_on_top():
    plain = _gen([{"op": "colour", "params": {"palette": "paper"}}])
    for kind in ("gradient", "grain", "lines"):
        ops = plain.spec.augment + parse_pipeline(
            [{"op": "background", "params": {"kind": kind, "strength": [0.4, 0.4]}}]
        )
        gen = _gen(ops)
        for i in range(3):
            s, p = gen.generate(i), plain.generate(i)
            assert s.params["augment"][1]["kind"] == kind
            paper = p.mask == 0
            changed = np.abs(s.image.astype(int) - p.image).max(axis=2) > 2
            assert changed[paper].mean() > (0.02 if kind == "lines" else 0.3)
            inked = _gen([]).generate(i).image == 255
            assert not changed[inked].any()  # full ink keeps its colour


def test_channels_and_invert():
    assert output_channels(parse_pipeline(COLOUR)) == 3
    assert output_channels(parse_pipeline([dict(COLOUR[0], enabled=False)])) == 1
    a = _gen(COLOUR).generate(2)
    b = SequenceGenerator(_gen(COLOUR).spec.replace(invert=True)).generate(2)
    assert np.array_equal(b.image, 255 - a.image)


def test_rgb_export_is_identical_for_one_and_two_workers_and_reads_back(tmp_path):
    spec = _gen(COLOUR + MOVING + PHOTO).spec
    trees = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        opts = ExportOptions(workers=workers, chunk_size=7, masks=True)
        assert export_dataset(spec, 30, out, opts).complete
        trees.append(
            {
                p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and p.name != "dataset.json"
            }
        )
    assert trees[0] == trees[1]
    gen = SequenceGenerator(spec)
    records = [json.loads(line) for line in (tmp_path / "w1" / "train" / "metadata.jsonl").open()]
    for record in records[:5]:
        image = Image.open(tmp_path / "w1" / "train" / record["file_name"])
        assert image.mode == "RGB"
        assert np.array_equal(np.asarray(image), gen.generate(record["index"]).image)


def test_rgb_npz_export(tmp_path):
    spec = _gen(COLOUR).spec
    assert export_dataset(spec, 12, tmp_path / "npz", ExportOptions(format="npz")).complete
    images = np.load(tmp_path / "npz" / "train" / "images.npy")
    assert images.shape == (12, 28, 240, 3)
    gen = SequenceGenerator(spec)
    assert all(np.array_equal(images[k], gen.generate(k).image) for k in range(12))


def test_cli_writes_rgb_png(tmp_path):
    preset = tmp_path / "colour.json"
    preset.write_text(json.dumps({"augment": COLOUR}))
    out = tmp_path / "out.png"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "seqstudio",
            "generate",
            "--digits",
            "4711",
            "--width",
            "160",
            "--augment",
            str(preset),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    image = Image.open(out)
    assert image.mode == "RGB" and image.size == (160, 28)
    assert len(np.unique(np.asarray(image).reshape(-1, 3), axis=0)) > 50


def test_torch_items_are_channels_first_for_rgb():
    torch = pytest.importorskip("torch")
    from seqstudio.torch import SequenceDataset, ctc_collate

    spec = _gen(COLOUR).spec
    data = SequenceDataset(spec, 3)
    batch = ctc_collate([data[i] for i in range(3)])
    assert batch["images"].shape == (3, 3, 28, 240) and batch["images"].dtype == torch.uint8
    image = SequenceGenerator(spec).generate(1).image
    assert np.array_equal(batch["images"][1].permute(1, 2, 0).numpy(), image)


def _photos(folder):
    folder.mkdir()
    gen = np.random.default_rng(5)
    for k in range(3):
        pixels = gen.integers(0, 256, (60 + 10 * k, 90, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"bg{k}.png")
    return folder


def test_texture_from_a_folder_is_seeded_recorded_and_under_the_ink(tmp_path):
    folder = _photos(tmp_path / "photos")
    ops = COLOUR[:1] + [{"op": "texture", "params": {"folder": str(folder), "strength": [1, 1]}}]
    gen, plain, again = _gen(ops), _gen(COLOUR[:1]), _gen(ops)
    files = set()
    for i in range(8):
        s, p = gen.generate(i), plain.generate(i)
        record = s.params["augment"][1]
        files.add(record["file"])
        assert again.generate(i).image.tobytes() == s.image.tobytes()  # seeded
        assert np.array_equal(s.mask, p.mask) and np.array_equal(s.boxes, p.boxes)
        inked = _gen([]).generate(i).image == 255
        assert np.array_equal(s.image[inked], p.image[inked])  # full ink keeps its colour
        assert np.abs(s.image.astype(int) - p.image)[~inked].max() > 60  # the photo shows
    assert files <= {"bg0.png", "bg1.png", "bg2.png"} and len(files) >= 2


def test_texture_folder_errors_and_off_by_default(tmp_path):
    from seqstudio.core.errors import SpecError

    with pytest.raises(SpecError) as info:
        GenerationSpec(augment=[{"op": "texture", "params": {"folder": str(tmp_path / "no")}}])
    assert info.value.field == "augment[0].params.folder" and "not a folder" in info.value.message
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpecError, match="holds no images"):
        GenerationSpec(augment=[{"op": "texture", "params": {"folder": str(tmp_path / "empty")}}])
    with pytest.raises(SpecError, match="augment\\[0\\].params.folder"):
        GenerationSpec(augment=[{"op": "texture", "params": {"folder": 3}}])
    plain, off = _gen([]), _gen([{"op": "texture"}])  # no folder: nothing changes
    assert off.generate(1).image.tobytes() == plain.generate(1).image.tobytes()


def test_export_refuses_to_resume_after_the_photos_changed(tmp_path):
    from seqstudio.core.export.errors import ExportError

    folder = _photos(tmp_path / "photos")
    spec = _gen(COLOUR[:1] + [{"op": "texture", "params": {"folder": str(folder)}}]).spec
    out = tmp_path / "data"
    assert export_dataset(spec, 10, out, ExportOptions()).complete
    assert "texture_fingerprint" in json.loads((out / "dataset.json").read_text())["settings"]
    Image.fromarray(np.zeros((50, 50, 3), np.uint8)).save(folder / "bg1.png")
    with pytest.raises(ExportError, match="texture_fingerprint"):
        export_dataset(spec, 10, out, ExportOptions(resume=True))
