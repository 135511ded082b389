"""Opening and saving presets and previews, all file work on the task queue.

A preset is the spec JSON that the CLI reads (``GenerationSpec.save``/``load``), so
``seqstudio generate --spec FILE`` reproduces the preview exactly. Saving a preview writes
the shown sample's image as PNG and its ``Sample.to_dict()`` as JSON next to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from seqstudio.core.fileio import write_atomic
from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.runners import QueuedRunner
from seqstudio.gui.settings import AppSettings


def write_preset(spec: GenerationSpec, path: str | Path) -> str:
    """Write ``spec`` as a preset file (task queue); return the path."""
    path = Path(path)
    write_atomic(path, (spec.to_json() + "\n").encode("utf-8"))
    return str(path)


def write_preview(image: np.ndarray, meta: dict[str, Any], path: str | Path) -> tuple[str, str]:
    """Write ``image`` as PNG and ``meta`` as JSON beside it (task queue)."""
    from seqstudio.core.cv import encode_png

    path = Path(path)
    if path.suffix.lower() != ".png":
        path = path.with_suffix(path.suffix + ".png") if path.suffix else path.with_suffix(".png")
    sidecar = path.with_suffix(".json")
    write_atomic(path, encode_png(image))
    write_atomic(sidecar, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
    return str(path), str(sidecar)


class FileActions(QObject):
    """Preset and preview files for one window.

    Signals
    -------
    presetOpened(str), presetSaved(str), previewSaved(str)
        The file that was opened or written.
    failed(str)
        A message naming the file and what went wrong.
    recentChanged(list)
        The recent-presets list changed.
    """

    presetOpened = Signal(str)
    presetSaved = Signal(str)
    previewSaved = Signal(str)
    failed = Signal(str)
    recentChanged = Signal(list)

    def __init__(
        self,
        model: GeneratorModel,
        tasks: QueuedRunner,
        settings: AppSettings,
        keep_seed: Callable[[], bool] = lambda: False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._tasks = tasks
        self._settings = settings
        self._keep_seed = keep_seed

    def recent(self) -> list[str]:
        """Recent preset files, newest first."""
        return self._settings.recent_presets()

    def _remember(self, path: str) -> None:
        self._settings.set_last_folder("preset", str(Path(path).parent))
        self.recentChanged.emit(self._settings.add_recent_preset(path))

    def open_preset(self, path: str | Path) -> None:
        """Load a preset file into the model (its seed is kept if the seed is locked)."""
        path = str(path)

        def done(spec: GenerationSpec) -> None:
            if self._keep_seed():
                spec = spec.replace(seed=self._model.value("seed"))
            self._model.set_spec(spec)
            self._remember(path)
            self.presetOpened.emit(path)

        self._tasks.run(
            lambda _job: GenerationSpec.load(path),
            done,
            lambda exc: self.failed.emit(f"open {path}: {exc}"),
        )

    def save_preset(self, path: str | Path) -> bool:
        """Write the current settings as a preset; ``False`` if they are invalid now."""
        if not self._model.is_good():
            problems = "; ".join(f"{f}: {m}" for f, m in self._model.problems.items())
            self.failed.emit(
                f"not saved: the settings are not valid yet ({problems or 'still rendering'})"
            )
            return False
        spec = self._model.spec

        def done(written: str) -> None:
            self._remember(written)
            self.presetSaved.emit(written)

        self._tasks.run(
            lambda _job: write_preset(spec, path),
            done,
            lambda exc: self.failed.emit(f"save {path}: {exc}"),
        )
        return True

    def save_preview(self, image: np.ndarray, meta: dict[str, Any], path: str | Path) -> None:
        """Write the shown sample's PNG and JSON."""

        def done(written: tuple[str, str]) -> None:
            self._settings.set_last_folder("preview", str(Path(written[0]).parent))
            self.previewSaved.emit(written[0])

        self._tasks.run(
            lambda _job: write_preview(image, meta, path),
            done,
            lambda exc: self.failed.emit(f"save {path}: {exc}"),
        )
