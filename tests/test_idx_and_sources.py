"""IDX reading/writing, and the three glyph sources."""

import gzip
import struct

import numpy as np
import pytest
from PIL import Image

from seqstudio.core.errors import DataError
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.glyphs import load_folder_pools, open_source
from seqstudio.core.idx import read_idx, write_idx
from seqstudio.core.spec import GenerationSpec


@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_idx_round_trip(tmp_path, name):
    data = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / name, data)
    assert np.array_equal(read_idx(tmp_path / name, expected_ndim=3), data)
    is_gz = (tmp_path / name).read_bytes()[:2] == b"\x1f\x8b"
    assert is_gz == name.endswith(".gz")


def _header(ndim, *shape, dtype=0x08):
    return struct.pack(">HBB", 0, dtype, ndim) + struct.pack(f">{ndim}I", *shape)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "too short"),
        (b"\x12\x34\x08\x03" + b"\x00" * 12, "bad IDX magic"),
        (_header(3, 2, 28, 28, dtype=0x0D) + b"\x00" * 10, "not supported"),
        (_header(1, 5), "has 1 dimensions, expected 3"),
        (_header(3, 2, 28, 28) + b"\x00" * 100, "truncated"),
        (_header(3, 1, 2, 2) + b"\x00" * 5, "trailing data"),
        (b"\x1f\x8b" + b"junk" * 5, "corrupt gzip"),
    ],
)
def test_idx_reader_rejects_corrupt_files_naming_file_and_problem(tmp_path, content, expected):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        read_idx(path, expected_ndim=3)
    assert expected in str(info.value) and str(path) in str(info.value)


def _write_mnist_dir(folder, per_class=3, gz=True, skip=None):
    rng = np.random.default_rng(1)
    suffix = ".gz" if gz else ""
    for prefix in ("train", "t10k"):
        labels = np.repeat(np.arange(10, dtype=np.uint8), per_class)
        images = rng.integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
        images[:, :4] = 0  # some background
        for what, arr, dims in (("images", images, 3), ("labels", labels, 1)):
            name = f"{prefix}-{what}-idx{dims}-ubyte{suffix}"
            if name != skip:
                write_idx(folder / name, arr)
    return folder


def test_idx_folder_source_feeds_the_generator(tmp_path):
    _write_mnist_dir(tmp_path)
    source = open_source(f"idx:{tmp_path}")
    assert len(source.pools["train"]) == 30 and len(source.pools["test"]) == 30
    sample = SequenceGenerator(GenerationSpec(source=f"idx:{tmp_path}", digits="907")).generate(0)
    pool = source.pools["train"]
    assert [pool.label_ids[g] for g in sample.glyph_indices] == [9, 0, 7]


def test_idx_folder_missing_a_file_is_named(tmp_path):
    _write_mnist_dir(tmp_path, gz=False, skip="t10k-labels-idx1-ubyte")
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        open_source(f"idx:{tmp_path}")


def test_idx_count_mismatch_is_reported(tmp_path):
    _write_mnist_dir(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(DataError, match="30 images but train-labels-idx1-ubyte.gz holds 5 labels"):
        open_source(f"idx:{tmp_path}")


def test_folder_source_normalises_polarity_and_height(tmp_path):
    # Dark ink on white paper, 60 px tall, labels that are letters.
    for label in ("A", "B"):
        (tmp_path / label).mkdir()
        for k in range(5):
            paper = np.full((60, 40), 250, np.uint8)
            paper[10:50, 10 + k : 20 + k] = 20
            Image.fromarray(paper).save(tmp_path / label / f"{k}.png")
    pools = load_folder_pools(tmp_path, height=28)
    train, test = pools["train"], pools["test"]
    assert (len(train), len(test)) == (8, 2)  # every fifth file held out
    assert train.height == 28 and train.classes == ("A", "B")
    glyph = train.glyph(0)
    assert glyph.shape == (28, 19)  # 40 * 28 / 60 rounded
    assert glyph[0].max() == 0 and glyph[14].max() > 200  # background 0, ink bright
    sample = SequenceGenerator(
        GenerationSpec(source=f"folder:{tmp_path}", digits=["B", "A"], width=60)
    ).generate(0)
    assert sample.label == "BA"


def test_folder_source_without_images_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images found"):
        open_source(f"folder:{tmp_path}")


def test_bundled_source_is_the_real_subset():
    source = open_source("bundled")
    train = source.pools["train"]
    assert train.images.shape == (4000, 28, 28) and train.images.dtype == np.uint8
    assert [train.count(str(d)) for d in range(10)] == [400] * 10
    assert [source.pools["test"].count(str(d)) for d in range(10)] == [100] * 10
    # Real handwriting: ink in the middle, background at the border, a range of grey levels.
    assert train.images[:, :, 0].max() == 0 or train.images[:, :, 0].mean() < 1
    assert len(np.unique(train.images)) > 200


def test_idx_gz_reader_matches_plain(tmp_path):
    data = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "x", data)
    (tmp_path / "x.gz").write_bytes(gzip.compress((tmp_path / "x").read_bytes()))
    assert np.array_equal(read_idx(tmp_path / "x.gz"), read_idx(tmp_path / "x"))
