"""Exports in units: ``export --shard I/N`` + ``merge`` equal a single-machine export byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from unit_helpers import stop_after_first_unit, tree

from seqstudio.cli import main
from seqstudio.core.errors import SpecError
from seqstudio.core.export import ExportError, ExportOptions, export_dataset, parse_splits
from seqstudio.core.export.merge import merge_export
from seqstudio.core.export.unit_export import export_in_units
from seqstudio.core.export.units import ShardSpec, parse_shard, plan_units, shard_units
from seqstudio.core.spec import GenerationSpec

SPEC = GenerationSpec(digits="14543", width=200, seed=11)
ARGS = [
    "--count", "700", "--digits", "14543", "--width", "200", "--seed", "11",
    "--split", "train=0.8,val=0.1,test=0.1", "--annotations", "coco,yolo", "--masks",
    "--workers", "1",
]  # fmt: skip


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("single") / "data"
    assert main(["export", "-o", str(folder), "-q", *ARGS]) == 0
    return folder


def test_three_shards_and_merge_equal_a_single_run(tmp_path, single, capsys):
    folder = tmp_path / "data"
    for i in (2, 0):  # any order, any machine
        assert main(["export", "-o", str(folder), *ARGS, "--shard", f"{i}/3"]) == 0
    out = capsys.readouterr().out
    assert "wrote shard 2/3" in out and "still to write" in out
    # merge refuses while a shard is missing, naming it, with one line and exit 2
    assert main(["merge", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "missing shards 1/3 " in err and "--shard I/3" in err
    assert not (folder / "train" / "metadata.jsonl").exists()
    assert json.loads((folder / "dataset.json").read_text())["status"] == "running"
    assert main(["export", "-o", str(folder), *ARGS, "--shard", "1/3"]) == 0
    assert "every shard is complete: seqstudio merge" in capsys.readouterr().out
    assert main(["merge", str(folder)]) == 0
    assert tree(folder) == tree(single)
    assert json.loads((folder / "dataset.json").read_text())["status"] == "complete"
    assert main(["merge", str(folder)]) == 0
    assert "already complete" in capsys.readouterr().out


def test_shard_ranges_are_contiguous_and_cover_every_unit():
    from seqstudio.core.export.plan import plan_job

    job = plan_job(
        SPEC, 700, Path("unused"), ExportOptions(splits=parse_splits("train=0.8,val=0.2"))
    )
    units = plan_units(job.plan, job.options)
    for n in (1, 2, 3, 7, len(units), len(units) + 5):
        parts = [shard_units(units, ShardSpec(i, n)) for i in range(n)]
        assert [u for p in parts for u in p] == units
    starts = [u.start for u in units]
    assert starts == sorted(starts) and starts[0] == 0
    assert sum(u.count for u in units) == 700


def test_a_cancelled_shard_finishes_identically(tmp_path, single):
    folder = tmp_path / "data"
    options = ExportOptions(
        splits=parse_splits("train=0.8,val=0.1,test=0.1"),
        annotations=("coco", "yolo"),
        masks=True,
        workers=1,
    )
    result = export_in_units(
        SPEC, 700, folder, options, shard=ShardSpec(0, 1), **stop_after_first_unit()
    )
    assert result.cancelled and 0 < result.written < 700
    parts = sorted((folder / ".seqstudio-parts").rglob("*.jsonl"))
    assert parts  # complete units are recorded, the cut one is not
    result = export_in_units(SPEC, 700, folder, options, shard=ShardSpec(0, 1))
    assert not result.cancelled and result.already_done + result.written == 700
    merge_export(folder)
    assert tree(folder) == tree(single)


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_a_resume_remakes_a_recorded_unit_whose_file_is_missing_or_damaged(
    tmp_path, single, damage
):
    # The plain export re-hashes its recorded files on --resume; a unit's part manifest
    # must not vouch for files that are gone or changed since (it said "complete" and
    # --verify then failed).
    folder = tmp_path / "data"
    options = ExportOptions(
        splits=parse_splits("train=0.8,val=0.1,test=0.1"),
        annotations=("coco", "yolo"),
        masks=True,
        workers=1,
    )
    export_in_units(SPEC, 700, folder, options, shard=ShardSpec(0, 1), **stop_after_first_unit())
    image = folder / "train" / "000001.png"
    assert image.exists() and (folder / ".seqstudio-parts").is_dir()
    if damage == "delete":
        image.unlink()
    else:
        data = bytearray(image.read_bytes())
        data[-20] ^= 0xFF
        image.write_bytes(bytes(data))
    result = export_in_units(SPEC, 700, folder, options, shard=ShardSpec(0, 1))
    assert result.already_done + result.written == 700 and result.written == 700
    merge_export(folder)
    assert tree(folder) == tree(single)


def test_shards_must_agree_on_n_and_settings(tmp_path, capsys):
    folder = tmp_path / "data"
    base = ["export", "-o", str(folder), "--count", "300", "--workers", "1"]
    assert main([*base, "--shard", "0/3", "-q"]) == 0
    assert main([*base, "--shard", "1/4"]) == 2
    err = capsys.readouterr().err
    assert "--shard: 1/4" in err and "3 shards" in err
    assert main([*base[:-4], "--count", "301", "--workers", "1", "--shard", "1/3"]) == 2
    assert "other settings" in capsys.readouterr().err
    assert main([*base, "--shard", "1/3", "--overwrite"]) == 2
    assert "--overwrite" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", "is not I/N"),
        ("3/3", "I=3 is outside the allowed range 0 to 2"),
        ("0/0", "N=0 is outside the allowed range"),
        ("-1/2", "is not I/N"),
    ],
)
def test_bad_shard_is_named(text, message):
    with pytest.raises(SpecError, match=message) as info:
        parse_shard(text)
    assert info.value.field == "shard"


def test_npz_cannot_be_sharded(tmp_path, capsys):
    out = str(tmp_path / "d")
    assert main(["export", "-o", out, "--count", "10", "--format", "npz", "--shard", "0/2"]) == 2
    assert "--format: npz writes one array file per split" in capsys.readouterr().err
    assert not Path(out).exists()


def test_merge_of_a_folder_without_dataset_json(tmp_path):
    with pytest.raises(ExportError, match="holds no dataset.json"):
        merge_export(tmp_path)


def test_units_run_equals_engine_for_jpg_random(tmp_path):
    from seqstudio.core.spec import RandomSequences

    spec = GenerationSpec(random=RandomSequences(2, 6), width=240, seed=5)
    options = ExportOptions(format="jpg", workers=1)
    export_dataset(spec, 150, tmp_path / "a", options)
    export_in_units(spec, 150, tmp_path / "b", ExportOptions(format="jpg", workers=2))
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
