"""Desktop integration: the launcher, the icons, the AppStream metainfo, install-desktop."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seqstudio._version import __version__
from seqstudio.cli import main
from seqstudio.cli.desktop_cmd import ICON_SIZES, desktop_entry_text

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def test_packaged_entry_is_the_generated_one_with_a_plain_command():
    assert (PACKAGING / "seqstudio.desktop").read_text() == desktop_entry_text(["seqstudio"])
    entry = read_entry(PACKAGING / "seqstudio.desktop")
    assert entry["Type"] == "Application" and entry["Icon"] == "seqstudio"
    assert entry["Terminal"] == "false"


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed"
)
def test_packaged_entry_passes_desktop_file_validate():
    result = subprocess.run(
        ["desktop-file-validate", str(PACKAGING / "seqstudio.desktop")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_exec_quoting_follows_the_desktop_entry_spec():
    text = desktop_entry_text(["/opt/my venv/bin/python", "-m", "seqstudio", 'a"b$c', "50%"])
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line == 'Exec="/opt/my venv/bin/python" -m seqstudio "a\\\\"b\\\\$c" "50%%"'


def test_metainfo_structure_matches_the_app():
    root = ET.parse(PACKAGING / "io.github.seqstudio.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == "io.github.seqstudio"
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("name") == "seqstudio"
    assert 10 < len(root.findtext("summary")) < 100 and not root.findtext("summary").endswith(".")
    assert root.find("description/p") is not None
    launchable = root.find("launchable")
    assert launchable.get("type") == "desktop-id" and launchable.text == "seqstudio.desktop"
    assert root.findtext("provides/binary") == "seqstudio"
    assert root.find("content_rating").get("type") == "oars-1.1"
    assert root.find("releases/release").get("version") == __version__


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli not installed")
def test_metainfo_passes_appstreamcli_validate():
    result = subprocess.run(
        [
            "appstreamcli",
            "validate",
            "--no-net",
            str(PACKAGING / "io.github.seqstudio.metainfo.xml"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "E:" not in result.stdout and "W:" not in result.stdout, result.stdout


def test_icons_are_renders_of_the_svg_at_every_size():
    svg = ET.parse(ICONS / "seqstudio.svg").getroot()
    assert svg.get("viewBox") == "0 0 256 256"
    for size in ICON_SIZES:
        path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "seqstudio.png"
        assert path.stat().st_size < 20_000
        with Image.open(path) as image:
            assert image.size == (size, size) and image.mode == "RGBA"
            alpha = np.asarray(image)[..., 3]
        assert alpha[0, 0] == 0 and alpha[size // 2, size // 2] == 255  # rounded corner, body


def test_install_desktop_for_the_user_then_uninstall(capsys):
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert str(data_home).startswith(os.environ["HOME"])  # the conftest's temporary HOME
    assert main(["install-desktop"]) == 0
    out = capsys.readouterr().out
    entry_path = data_home / "applications" / "seqstudio.desktop"
    assert f"installed {entry_path}" in out
    entry = read_entry(entry_path)
    command = entry["Exec"].split()
    assert Path(command[0]).is_absolute() and os.access(command[0], os.X_OK)
    assert command == [sys.executable, "-m", "seqstudio"] or Path(command[0]).name == "seqstudio"
    for size in ICON_SIZES:
        installed = data_home / f"icons/hicolor/{size}x{size}/apps/seqstudio.png"
        assert (
            installed.read_bytes()
            == (ICONS / f"hicolor/{size}x{size}/apps/seqstudio.png").read_bytes()
        )
    svg = data_home / "icons/hicolor/scalable/apps/seqstudio.svg"
    assert svg.read_bytes() == (ICONS / "seqstudio.svg").read_bytes()
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(
            ["desktop-file-validate", str(entry_path)], capture_output=True, text=True
        )
        assert result.returncode == 0 and result.stdout == "", result.stdout
    # The launcher's command really starts this seqstudio.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT)}
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, env=env)
    assert version.stdout.startswith(f"seqstudio {__version__} (Python ")

    assert main(["install-desktop"]) == 0  # again: replaces in place, no temporary files left
    assert len([p for p in data_home.rglob("*") if p.is_file()]) == 2 + len(ICON_SIZES)
    assert main(["install-desktop", "--uninstall"]) == 0
    out = capsys.readouterr().out
    assert out.count("removed ") == 2 + len(ICON_SIZES)
    assert [p for p in data_home.rglob("*") if p.is_file()] == []
    assert main(["install-desktop", "--uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_install_desktop_into_an_unwritable_place_is_one_line(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert main(["install-desktop"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("seqstudio: error:") and "cannot install the launcher" in err
    assert err.count("\n") == 1
    assert blocker.read_text() == "not a folder"
