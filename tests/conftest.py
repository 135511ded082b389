"""Suite-wide set-up: headless Qt, and no test ever reads or writes the user's settings."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Exports and scans with workers > 1 use the process pool even when they are small
# (left to itself, the engine runs work that a pool would not speed up in-process).
os.environ.setdefault("SEQSTUDIO_POOL_START_SECONDS", "0")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point HOME and the XDG folders at a fresh temporary folder for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    yield
