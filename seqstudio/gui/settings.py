"""Persistent user settings (window layout, last folders, recent presets) over ``QSettings``.

Values that Qt's INI backend would mangle (lists, which come back as a plain string when
they hold one item) are stored as JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "seqstudio"
APPLICATION = "seqstudio"
MAX_RECENT = 8


class AppSettings:
    """Typed access to the application's ``QSettings``.

    Parameters
    ----------
    path : str or Path, optional
        An explicit INI file (tests use one in a temporary folder). By default the
        user's ``seqstudio/seqstudio.conf`` in the platform's configuration folder.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._qsettings = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
            )
        else:
            self._qsettings = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> str:
        """The file the settings live in."""
        return self._qsettings.fileName()

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._qsettings.sync()

    # ------------------------------------------------------------------ raw values
    def _bytes(self, key: str) -> QByteArray | None:
        value = self._qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def _text(self, key: str, default: str = "") -> str:
        value = self._qsettings.value(key, default)
        return value if isinstance(value, str) else default

    def _json(self, key: str, default):
        text = self._text(key)
        if not text:
            return default
        from seqstudio.core.fileio import parse_json

        try:
            return parse_json(text)
        except ValueError:  # not JSON, nested too deep or huge numbers: keep the default
            return default

    # ------------------------------------------------------------------ window
    def window_geometry(self) -> QByteArray | None:
        """The saved main-window geometry, if any."""
        return self._bytes("window/geometry")

    def window_state(self) -> QByteArray | None:
        """The saved dock and toolbar layout, if any."""
        return self._bytes("window/state")

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        """Remember the main window's geometry and dock layout."""
        self._qsettings.setValue("window/geometry", geometry)
        self._qsettings.setValue("window/state", state)

    # ------------------------------------------------------------------ folders
    def last_folder(self, purpose: str) -> str:
        """The folder last used for ``purpose`` (``"source"``, ``"preset"``, ``"preview"``)."""
        return self._text(f"folders/{purpose}")

    def set_last_folder(self, purpose: str, folder: str | Path) -> None:
        """Remember ``folder`` for ``purpose``."""
        self._qsettings.setValue(f"folders/{purpose}", str(folder))

    # ------------------------------------------------------------------ presets
    def recent_presets(self) -> list[str]:
        """Recently opened or saved preset files, newest first."""
        value = self._json("presets/recent", [])
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def add_recent_preset(self, path: str | Path) -> list[str]:
        """Put ``path`` first in the recent presets; return the new list."""
        path = str(path)
        recent = [path] + [p for p in self.recent_presets() if p != path]
        recent = recent[:MAX_RECENT]
        self._qsettings.setValue("presets/recent", json.dumps(recent))
        return recent

    def clear_recent_presets(self) -> None:
        """Forget every recent preset."""
        self._qsettings.setValue("presets/recent", "[]")

    # ------------------------------------------------------------------ view options
    def view_option(self, name: str, default: str) -> str:
        """A small view option stored as text (zoom, overlay, ...)."""
        return self._text(f"view/{name}", default)

    def set_view_option(self, name: str, value: str) -> None:
        """Remember a view option."""
        self._qsettings.setValue(f"view/{name}", str(value))
