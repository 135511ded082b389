"""pyproject's explicit package list covers every Python package in the source tree."""

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as the tomli package (a test dependency there)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in (ROOT / "seqstudio").rglob("*")
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py"))
    } | {"seqstudio"}
    assert on_disk | {"seqstudio.resources"} == listed
    assert config["tool"]["setuptools"]["package-dir"]["seqstudio.resources"] == "resources"
