"""seqstudio.torch: on-the-fly items equal the exported images byte for byte, any
num_workers gives the same items, collate functions, reading exports (PNG and npz)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from export_readers import read_jsonl, read_png

from seqstudio.core.export import ExportOptions, export_dataset, parse_splits
from seqstudio.core.spec import GenerationSpec, RandomSequences

torch = pytest.importorskip("torch")
from seqstudio.torch import (  # noqa: E402
    SequenceDataset,
    ctc_collate,
    detection_collate,
)

RANDOM = GenerationSpec(
    random=RandomSequences(1, 5), digits="", width=200, spacing_min=0, spacing_max=8, seed=3
)
FIXED = GenerationSpec(digits="01203", width=200, seed=4)


@pytest.mark.parametrize("spec", [RANDOM, FIXED], ids=["random", "fixed"])
def test_item_i_is_exported_image_i_byte_for_byte(tmp_path, spec):
    export_dataset(spec, 40, tmp_path / "d", ExportOptions(masks=True, workers=1))
    dataset = SequenceDataset(spec, 40, masks=True)
    records = read_jsonl(tmp_path / "d" / "train" / "metadata.jsonl")
    batch = dataset.__getitems__(list(range(10, 30)))  # the DataLoader's batched path
    for k, record in enumerate(records):
        item = dataset[k]
        image = read_png(tmp_path / "d" / "train" / record["file_name"])
        assert item["image"].dtype == torch.uint8 and item["image"].shape == (1, 28, 200)
        assert item["image"][0].numpy().tobytes() == image.tobytes()
        mask = read_png(tmp_path / "d" / "train" / record["mask_file_name"])
        np.testing.assert_array_equal(item["mask"].numpy(), mask)
        assert item["label"] == record["label"] and item["index"] == record["index"] == k
        assert item["target"].tolist() == [int(d) for d in record["digits"]]
        assert item["length"] == len(record["digits"])
        assert item["boxes"].tolist() == record["boxes"]
        if 10 <= k < 30:
            other = batch[k - 10]
            assert other["image"].numpy().tobytes() == item["image"].numpy().tobytes()
            assert other["boxes"].tolist() == record["boxes"]
            assert torch.equal(other["mask"], item["mask"])


def _loaded(dataset, workers: int, collate):
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=16, num_workers=workers, collate_fn=collate
    )
    return list(loader)


def test_same_items_with_zero_and_two_workers():
    dataset = SequenceDataset(RANDOM, 100)
    zero, two = _loaded(dataset, 0, ctc_collate), _loaded(dataset, 2, ctc_collate)
    assert len(zero) == len(two) == 7
    for a, b in zip(zero, two):
        assert torch.equal(a["images"], b["images"]) and torch.equal(a["targets"], b["targets"])
        assert a["labels"] == b["labels"]
    assert torch.cat([b["indices"] for b in two]).tolist() == list(range(100))


def test_ctc_collate_pads_targets_with_the_blank():
    dataset = SequenceDataset(RANDOM, 50)
    items = [dataset[k] for k in range(8)]
    batch = ctc_collate(items)
    lengths = [item["length"] for item in items]
    assert batch["images"].shape == (8, 1, 28, 200)
    assert batch["target_lengths"].tolist() == lengths
    assert batch["targets"].shape == (8, max(lengths))
    for row, item in zip(batch["targets"], items):
        assert row[: item["length"]].tolist() == (item["target"] + 1).tolist()
        assert (row[item["length"] :] == 0).all()
    log_probs = torch.randn(50, 8, 11).log_softmax(2)
    loss = torch.nn.CTCLoss()(
        log_probs, batch["targets"], torch.full((8,), 50), batch["target_lengths"]
    )
    assert torch.isfinite(loss)


def test_detection_collate_keeps_boxes_per_image():
    dataset = SequenceDataset(RANDOM, 10, masks=True)
    items = [dataset[k] for k in range(4)]
    batch = detection_collate(items)
    assert [b.tolist() for b in batch["boxes"]] == [item["boxes"].tolist() for item in items]
    assert [c.tolist() for c in batch["classes"]] == [item["target"].tolist() for item in items]
    assert len(batch["masks"]) == 4 and batch["masks"][0].shape == (28, 200)


@pytest.mark.parametrize("fmt", ["png", "npz"])
def test_from_export_reads_the_same_items(tmp_path, fmt):
    splits = parse_splits("train=0.5,test=0.5")
    export_dataset(
        RANDOM, 30, tmp_path / "d", ExportOptions(splits=splits, format=fmt, masks=True, workers=1)
    )
    exported = SequenceDataset.from_export(tmp_path / "d", "test", masks=True)
    assert len(exported) == 15 and exported.classes == tuple("0123456789")
    generated = SequenceDataset(RANDOM.replace(pool="test"), 30, masks=True)
    first = exported[0]
    assert first["index"] == 15
    batches = _loaded(exported, 2, detection_collate)
    assert torch.cat([b["indices"] for b in batches]).tolist() == list(range(15, 30))
    for k in range(15):
        item = exported[k]
        assert item["label"] == generated[item["index"]]["label"]
        assert item["boxes"].shape == (item["length"], 4) and item["mask"].shape == (28, 200)
    if fmt == "png":
        record = read_jsonl(tmp_path / "d" / "test" / "metadata.jsonl")[3]
        png = read_png(tmp_path / "d" / "test" / record["file_name"])
        assert exported[3]["image"][0].numpy().tobytes() == png.tobytes()


def test_bad_arguments_name_the_field(tmp_path):
    from seqstudio.core.errors import SpecError

    with pytest.raises(SpecError, match="length"):
        SequenceDataset(RANDOM, -1)
    export_dataset(RANDOM, 6, tmp_path / "d", ExportOptions(workers=1))
    with pytest.raises(SpecError, match="masks"):
        SequenceDataset.from_export(tmp_path / "d", masks=True)
    with pytest.raises(SpecError, match="'val' is not a split"):
        SequenceDataset.from_export(tmp_path / "d", "val")
    with pytest.raises(IndexError):
        SequenceDataset(RANDOM, 3)[3]
    doc = (
        (tmp_path / "d" / "dataset.json")
        .read_text()
        .replace('"format": "png"', '"format": "parquet"')
    )
    (tmp_path / "d" / "dataset.json").write_text(doc)
    with pytest.raises(SpecError, match="parquet export"):
        SequenceDataset.from_export(tmp_path / "d")


def test_core_and_numpy_reading_work_without_torch(tmp_path):
    """With torch hidden, the core imports, exports and reads; seqstudio.torch says why not."""
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from seqstudio.core.export import ExportOptions, export_dataset\n"
        "from seqstudio.core.spec import GenerationSpec\n"
        f"export_dataset(GenerationSpec(), 3, {str(tmp_path / 'n')!r}, "
        "ExportOptions(format='npz', workers=1))\n"
        "import numpy as np\n"
        f"assert np.load({str(tmp_path / 'n' / 'train' / 'images.npy')!r}).shape == (3, 28, 200)\n"
        "try:\n    import seqstudio.torch\nexcept ImportError as e:\n    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "seqstudio[torch]" in done.stdout
