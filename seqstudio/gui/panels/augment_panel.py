"""Augmentation panel, generated entirely from :data:`seqstudio.core.augment.schema.OPS`.

Per-digit and per-image operations sit in two separate groups; each op has an enable box,
a probability, an editor per parameter (unit, range and help in the tooltip) and "solo" /
"sweep" buttons. A preset menu loads ``none``, the bundled presets or a preset file (on the
task queue). The preset button always names what the current pipeline *is*: the preset it
equals, or "custom" once it differs from every preset (re-derived on every change, so an
opened spec that uses scan-like reads "scan-like").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from seqstudio.core.augment.presets import list_presets
from seqstudio.core.augment.schema import STAGES, ops_for_stage
from seqstudio.gui.comparisons import ops_as_dicts
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.augment_widgets import OpEditor
from seqstudio.gui.panels.base import SpecPanel, problem_label

STAGE_TITLES = {
    "digit": "Per digit — before layout (boxes follow the digit)",
    "image": "Per image — after composition",
}
_AUGMENT_INDEX = re.compile(r"^augment\[(\d+)\]")

FileChooser = Callable[[str, str], str]


def preset_names() -> list[str]:
    """Names of the bundled augmentation presets."""
    return [str(name) for name in list_presets()]


def _load_bundled_presets() -> dict[str, tuple]:
    """Every bundled preset's ops, by name (runs on the task queue)."""
    from seqstudio.core.augment.presets import load_preset

    return {name: load_preset(name) for name in preset_names()}


def _load_preset(name_or_path: str) -> list[dict[str, Any]]:
    """Load a preset's ops as JSON dicts (runs on the task queue)."""
    from seqstudio.core.augment.presets import load_preset

    return [op.to_dict() for op in load_preset(name_or_path)]


class AugmentPanel(SpecPanel):
    """Edits ``augment``.

    Parameters
    ----------
    model : GeneratorModel
    tasks : QueuedRunner
        Runs preset loading off the GUI thread.
    choose_file : callable, optional
        ``(title, start_folder) -> path or ""`` for "from file…"; a file dialog by default.

    Signals
    -------
    presetApplied(str)
        A preset was loaded into the model (its name or path).
    presetFailed(str)
        A preset could not be loaded (the message).
    compareRequested(str, dict)
        "solo" or "sweep" was pressed on an op: the kind and the op's JSON dict.
    """

    FIELDS = ("augment",)
    presetApplied = Signal(str)
    presetFailed = Signal(str)
    compareRequested = Signal(str, dict)

    def __init__(
        self,
        model: GeneratorModel,
        tasks,
        choose_file: FileChooser | None = None,
        settings=None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(model, parent)
        self._tasks = tasks
        self._settings = settings
        self._choose_file = choose_file or self._file_dialog
        self.editors: dict[str, OpEditor] = {}
        self._known: dict[str, tuple] = {"none": ()}  # preset name → its ops
        self.problem_labels = {"augment": problem_label()}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        preset_row = QHBoxLayout()
        preset_row.addWidget(QLabel("Preset"))
        self.preset_button = QToolButton()
        self.preset_button.setText("none")
        self.preset_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.preset_button.setMinimumWidth(110)
        self.preset_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.preset_menu = QMenu(self.preset_button)
        self.preset_button.setMenu(self.preset_menu)
        self.preset_button.setToolTip(
            'The preset the current ops equal ("custom" when they match none); '
            "click to load one (replaces the current ops)"
        )
        preset_row.addWidget(self.preset_button, 1)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every augmentation op")
        self.clear_button.clicked.connect(lambda: self.apply_preset("none"))
        preset_row.addWidget(self.clear_button)
        outer.addLayout(preset_row)
        outer.addWidget(self.problem_labels["augment"])

        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        for stage in STAGES:
            group = QGroupBox(STAGE_TITLES.get(stage, stage))
            group.setObjectName(f"stage_{stage}")
            group_layout = QVBoxLayout(group)
            group_layout.setSpacing(3)
            for schema in ops_for_stage(stage):
                editor = OpEditor(schema)
                editor.edited.connect(lambda name=schema.op: self._on_op_edited(name))
                editor.compareRequested.connect(
                    lambda kind, name=schema.op: self.compareRequested.emit(
                        kind, self.editors[name].to_dict()
                    )
                )
                self.editors[schema.op] = editor
                group_layout.addWidget(editor)
            body.addWidget(group)
        body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # never narrower than its content: the dock grows instead of clipping the ops
        extent = scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        scroll.setMinimumWidth(content.minimumSizeHint().width() + extent + 4)
        outer.addWidget(scroll, 1)
        self._build_preset_menu()
        self.bind()
        if self._tasks is not None:
            self._tasks.run(
                lambda _job: _load_bundled_presets(),
                self._on_presets_loaded,
                lambda exc: self._preset_failed(f"bundled presets: {exc}"),
            )

    def _on_presets_loaded(self, presets: dict[str, tuple]) -> None:
        self._known.update(presets)
        self._show_preset_name()

    def preset_name(self) -> str:
        """What the preset button says: a preset's name, or ``"custom"``."""
        return self.preset_button.text()

    def _show_preset_name(self) -> None:
        from seqstudio.core.augment.spec import parse_pipeline
        from seqstudio.core.errors import SpecError

        try:
            ops = parse_pipeline(ops_as_dicts(self.model.value("augment")))
        except SpecError:
            ops = None
        name = next((n for n, known in self._known.items() if ops == known), None)
        if name is None:
            name = "none" if ops == () else "custom"
        self.preset_button.setText(name if len(name) < 24 else "…" + name[-22:])
        self.preset_button.setToolTip(
            f"Current ops: {name}. Click to load a preset (replaces the current ops)"
        )

    # ------------------------------------------------------------------ presets
    def _build_preset_menu(self) -> None:
        self.preset_menu.clear()
        self.preset_actions: dict[str, QAction] = {}
        names = ["none", *(n for n in preset_names() if n != "none")]
        for name in names:
            action = self.preset_menu.addAction(name)
            action.triggered.connect(lambda _=False, n=name: self.apply_preset(n))
            self.preset_actions[name] = action
        self.preset_menu.addSeparator()
        action = self.preset_menu.addAction("From file…")
        action.triggered.connect(self._on_preset_from_file)
        self.preset_actions["from file"] = action

    def apply_preset(self, name_or_path: str) -> None:
        """Replace the pipeline with a preset (``"none"`` clears it); loads on the task queue."""
        if name_or_path == "none":
            self.model.set_values(augment=())
            self.presetApplied.emit("none")
            return

        def done(ops: list[dict[str, Any]]) -> None:
            from seqstudio.core.augment.spec import parse_pipeline

            if name_or_path not in self._known:  # a file: its name while the ops equal it
                self._known[Path(name_or_path).name] = parse_pipeline(ops)
            self.model.set_values(augment=ops)
            self._show_preset_name()
            self.presetApplied.emit(name_or_path)

        self._tasks.run(
            lambda _job: _load_preset(name_or_path),
            done,
            lambda exc: self._preset_failed(f"preset {name_or_path}: {exc}"),
        )

    def _preset_failed(self, message: str) -> None:
        self.problem_labels["augment"].setText(message)
        self.problem_labels["augment"].setVisible(True)
        self.presetFailed.emit(message)

    def _file_dialog(self, title: str, start: str) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self, title, start, "Augmentation presets (*.json);;All files (*)"
        )
        return path

    def _on_preset_from_file(self) -> None:
        start = self._settings.last_folder("augment") if self._settings is not None else ""
        path = self._choose_file("Augmentation preset", start)
        if path:
            if self._settings is not None:
                self._settings.set_last_folder("augment", str(Path(path).parent))
            self.apply_preset(path)

    # ------------------------------------------------------------------ model ↔ widgets
    def refresh(self) -> None:  # noqa: D102
        ops = ops_as_dicts(self.model.value("augment"))
        first: dict[str, dict[str, Any]] = {}
        for data in ops:
            first.setdefault(data.get("op"), data)
        for name, editor in self.editors.items():
            editor.set_from(first.get(name))
        self._show_preset_name()

    def _on_op_edited(self, name: str) -> None:
        ops = ops_as_dicts(self.model.value("augment"))
        data = self.editors[name].to_dict()
        for k, existing in enumerate(ops):
            if existing.get("op") == name:
                ops[k] = data
                break
        else:
            if not data["enabled"]:
                return
            ops.append(data)
        self.model.set_values(augment=ops)

    # ------------------------------------------------------------------ problems
    def show_problems(self, problems: dict[str, str]) -> None:  # noqa: D102
        ops = ops_as_dicts(self.model.value("augment"))
        per_op: dict[str, str] = {}
        general = ""
        for field, message in problems.items():
            if not field.startswith("augment"):
                continue
            match = _AUGMENT_INDEX.match(field)
            if (
                match
                and int(match.group(1)) < len(ops)
                and ops[int(match.group(1))].get("op") in self.editors
            ):
                per_op[ops[int(match.group(1))]["op"]] = f"{field}: {message}"
            else:
                general = f"{field}: {message}"
        for name, editor in self.editors.items():
            editor.show_problem(per_op.get(name, ""))
        label = self.problem_labels["augment"]
        label.setText(general)
        label.setVisible(bool(general))

    def op_problem(self, name: str) -> str:
        """The inline problem shown for op ``name``."""
        editor = self.editors[name]
        return editor.problem.text() if not editor.problem.isHidden() else ""
