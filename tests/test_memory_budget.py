"""Every entry point estimates its peak memory from the spec and refuses up front, naming
the figure and the limit; batched export work is chunked so memory does not grow with count.
"""

from __future__ import annotations

import time

import pytest
from test_export_resume_cli import run_cli

from seqstudio.core import memory
from seqstudio.core.export import ExportOptions, prepare_export
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.memory import MemoryLimitError, parse_size
from seqstudio.core.spec import GenerationSpec

HUGE = GenerationSpec(digits="12", width=16384, height=1024, seed=1)


def test_limit_comes_from_the_environment_or_a_fraction_of_ram(monkeypatch):
    monkeypatch.delenv(memory.ENV_VAR, raising=False)
    assert memory.memory_limit() == int(memory.machine_memory() * memory.DEFAULT_FRACTION)
    monkeypatch.setenv(memory.ENV_VAR, "3G")
    assert memory.memory_limit() == 3 << 30
    assert parse_size("512M") == 512 << 20 and parse_size("1.5k") == 1536
    assert parse_size("50%") == memory.machine_memory() // 2
    for bad in ("", "x", "-1G", "0", "200%", "1e400G", "9" * 5000):
        with pytest.raises(memory.SpecError):
            parse_size(bad)


def test_a_huge_batch_is_refused_before_anything_is_allocated(monkeypatch):
    monkeypatch.setenv(memory.ENV_VAR, "6G")
    gen = SequenceGenerator(HUGE.replace(height=28))
    with pytest.raises(MemoryLimitError) as info:
        gen.batch(0, 100_000)
    assert info.value.field == "count" and "6.0 GB" in str(info.value)
    assert info.value.needed > 100_000 * 16384 * 28


def test_a_height_whose_scaled_glyphs_do_not_fit_is_refused_fast(monkeypatch):
    monkeypatch.setenv(memory.ENV_VAR, "2G")
    start = time.perf_counter()
    with pytest.raises(MemoryLimitError) as info:
        SequenceGenerator(HUGE)
    assert time.perf_counter() - start < 2
    assert info.value.field == "height" and "limit 2.0 GB" in str(info.value)


@pytest.mark.parametrize(
    "extra", [["--count", "120", "--format", "npz"], ["--count", "40", "--masks"]]
)
def test_export_cli_refuses_up_front_with_the_figure_and_the_limit(tmp_path, capsys, extra):
    out = tmp_path / "data"
    start = time.perf_counter()
    code, _, err = run_cli(
        [
            "export",
            "-o",
            str(out),
            "--digits",
            "12",
            "--width",
            "16384",
            "--height",
            "1024",
            "--memory-limit",
            "3G",
            *extra,
        ],
        capsys,
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "needs about" in err and "limit 3.0 GB" in err
    assert time.perf_counter() - start < 10
    assert not out.exists()


def test_export_chunks_follow_the_budget_not_the_count(tmp_path, monkeypatch):
    monkeypatch.setenv(memory.ENV_VAR, "2G")
    spec = GenerationSpec(digits="12", width=8192, height=28, seed=1)
    jobs = [
        prepare_export(spec, count, tmp_path / f"d{count}", ExportOptions(workers=2, format="npz"))
        for count in (100, 100_000)
    ]
    assert jobs[0].peak_memory == jobs[1].peak_memory <= 2 << 30
    assert jobs[0].max_chunk * 8192 * 28 * 2 <= memory.CHUNK_BYTES


def test_default_workers_shrink_to_fit_the_budget(tmp_path, monkeypatch):
    spec = GenerationSpec(digits="12", width=4096, height=256, seed=1)
    monkeypatch.setenv(memory.ENV_VAR, "3G")
    job = prepare_export(spec, 10, tmp_path / "d", ExportOptions(workers=None))
    monkeypatch.setattr("os.cpu_count", lambda: 64)
    many = prepare_export(spec, 10, tmp_path / "d", ExportOptions(workers=None))
    assert 1 <= many.workers < 64 and many.peak_memory <= 3 << 30
    assert job.workers >= 1
    with pytest.raises(MemoryLimitError) as info:
        prepare_export(spec, 10, tmp_path / "d", ExportOptions(workers=64))
    assert info.value.field == "workers" and "fewer --workers" in str(info.value)
