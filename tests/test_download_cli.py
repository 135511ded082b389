"""``seqstudio data download|import|info`` and the data store, end to end through main()."""

from __future__ import annotations

import json
import os

import pytest
from download_server import FILE_NAMES, MirrorServer, closed_port_url, make_idx_files, manifest_for

from seqstudio.cli import main
from seqstudio.core.datasets import (
    DEFAULT_MIRRORS,
    MIRRORS_ENV,
    available_sources,
    full_mnist_source,
    imported_idx_folder,
    mnist_download_dir,
    resolve_mirrors,
)
from seqstudio.core.datasets.store import config_path, write_config
from seqstudio.core.errors import DataError
from seqstudio.core.glyphs import open_source


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_idx_files(tmp_path_factory.mktemp("idx"), train=100, test=30)


@pytest.fixture
def idx_folder(tmp_path, files):
    folder = tmp_path / "my-mnist"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_import_validates_remembers_and_info_lists_it(idx_folder, capsys):
    assert main(["data", "import", str(idx_folder)]) == 0
    out = capsys.readouterr().out
    assert f"idx:{idx_folder}" in out and "train 100, test 30" in out
    assert imported_idx_folder() == idx_folder
    assert json.loads(config_path().read_text())["imported_idx"] == str(idx_folder)
    assert full_mnist_source() == f"idx:{idx_folder}"
    assert len(open_source(full_mnist_source()).pools["train"]) == 100

    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "bundled: source 'bundled'" in out
    assert "0:400 1:400" in out  # bundled train pool, per class
    assert f"imported: source 'idx:{idx_folder}' at {idx_folder}" in out
    assert "train    100  0:10 1:10" in out and "test      30  0:3 1:3" in out
    assert "downloaded: none yet" in out


def test_import_folder_missing_one_file_is_refused(idx_folder, capsys):
    (idx_folder / "t10k-labels-idx1-ubyte.gz").unlink()
    assert main(["data", "import", str(idx_folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "missing MNIST IDX file(s): t10k-labels-idx1-ubyte[.gz]" in captured.err
    assert not config_path().exists()  # nothing remembered


def test_import_corrupt_file_is_refused_and_old_choice_kept(idx_folder, tmp_path, files, capsys):
    good = tmp_path / "good"
    good.mkdir()
    for name, data in files.items():
        (good / name).write_bytes(data)
    assert main(["data", "import", str(good)]) == 0
    (idx_folder / "train-images-idx3-ubyte.gz").write_bytes(
        files["train-images-idx3-ubyte.gz"][:-50]
    )
    assert main(["data", "import", str(idx_folder)]) == 2
    assert "train-images-idx3-ubyte.gz" in capsys.readouterr().err
    assert imported_idx_folder() == good


def test_import_missing_folder(tmp_path, capsys):
    assert main(["data", "import", str(tmp_path / "nope")]) == 2
    assert "folder not found" in capsys.readouterr().err


def test_info_reports_a_vanished_import(idx_folder, capsys):
    assert main(["data", "import", str(idx_folder)]) == 0
    for name in FILE_NAMES:
        (idx_folder / name).unlink()
    assert main(["data", "info"]) == 0
    out = capsys.readouterr().out
    assert "imported:" in out and "NOT USABLE" in out and "missing MNIST IDX file(s)" in out
    assert [s.available for s in available_sources()] == [True, False]


def test_download_with_manifest_into_user_data_dir(files, tmp_path, capsys):
    manifest_file = tmp_path / "manifest.json"
    manifest_file.write_text(json.dumps(manifest_for(files).to_dict()))
    with MirrorServer(files) as server:
        bad = server.add("html", kind="html")
        good = server.add("good")
        code = main(
            [
                "data",
                "download",
                "--mirror",
                bad,
                "--mirror",
                good,
                "--manifest",
                str(manifest_file),
            ]
        )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    folder = mnist_download_dir()
    assert f"in {folder}" in captured.out
    assert "HTML page" in captured.err  # the failed mirror is reported, then the next one used
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILE_NAMES)
    assert main(["data", "info"]) == 0
    assert f"downloaded: source 'idx:{folder}'" in capsys.readouterr().out
    assert full_mnist_source() == f"idx:{folder}"


def test_download_without_network_is_one_clear_line(tmp_path, capsys):
    dest = tmp_path / "dest"
    mirrors = ["--mirror", closed_port_url(), "--mirror", closed_port_url()]
    assert main(["data", "download", "--dest", str(dest), *mirrors, "--timeout", "2"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("seqstudio: error: cannot reach any MNIST mirror") and err.count("\n") == 1
    )
    assert "bundled 5,000-digit subset still works" in err
    assert not dest.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--mirror", "ftp://example.org/"], "--mirror: 'ftp://example.org/' is not an http"),
        (["--timeout", "0"], "--timeout: 0.0 is outside the allowed range"),
        (["--manifest", "/nonexistent.json"], "manifest file not found"),
    ],
)
def test_download_bad_options(argv, message, capsys):
    assert main(["data", "download", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not mnist_download_dir().exists()


def test_mirror_list_sources_in_order(monkeypatch):
    assert resolve_mirrors() == DEFAULT_MIRRORS
    write_config({"mnist_mirrors": ["https://cfg.example/mnist"]})
    assert resolve_mirrors() == ("https://cfg.example/mnist/",)
    monkeypatch.setenv(MIRRORS_ENV, "https://a.example/x, https://b.example/y/")
    assert resolve_mirrors() == ("https://a.example/x/", "https://b.example/y/")
    assert resolve_mirrors(["http://127.0.0.1:8/m"]) == ("http://127.0.0.1:8/m/",)
    monkeypatch.setenv(MIRRORS_ENV, "notaurl")
    with pytest.raises(DataError, match=f"{MIRRORS_ENV}: 'notaurl'"):
        resolve_mirrors()


def test_corrupt_config_is_named_and_left_alone(capsys):
    config_path().parent.mkdir(parents=True)
    config_path().write_text("{not json")
    assert main(["data", "info"]) == 0  # bundled still listed; the import line names the file
    out = capsys.readouterr().out
    assert "bundled: source 'bundled'" in out and str(config_path()) in out
    assert config_path().read_text() == "{not json"
    assert os.environ["XDG_CONFIG_HOME"] in str(config_path())
