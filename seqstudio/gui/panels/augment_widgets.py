"""Widgets generated from the augmentation schema: one editor per parameter, one box per op.

Ranges are superqt range sliders (the labelled ones napari uses): both ends on one
track, each with an editable value label, so a range never reads "lo > hi" and needs no
horizontal room for two spin boxes. Every editor's tooltip states the unit and the
allowed range. Each op row has "solo" and "sweep" buttons (see
:mod:`seqstudio.gui.comparisons`).
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleRangeSlider, QLabeledRangeSlider

from seqstudio.gui.panels.base import problem_label, signals_blocked


def _decimals(schema) -> int:
    span = float(schema.maximum) - float(schema.minimum)
    if span <= 0:
        return 2
    return max(1, min(4, 2 - math.floor(math.log10(span)) + 1))


def _number_box(schema, integer: bool) -> QSpinBox | QDoubleSpinBox:
    if integer:
        box = QSpinBox()
        box.setRange(int(schema.minimum), int(schema.maximum))
    else:
        box = QDoubleSpinBox()
        box.setDecimals(_decimals(schema))
        box.setRange(float(schema.minimum), float(schema.maximum))
        box.setSingleStep(10 ** -(box.decimals() - 1))
    box.setMinimumWidth(64)
    return box


def _range_slider(schema, integer: bool) -> QLabeledRangeSlider:
    if integer:
        slider = QLabeledRangeSlider(Qt.Orientation.Horizontal)
        slider.setRange(int(schema.minimum), int(schema.maximum))
    else:
        slider = QLabeledDoubleRangeSlider(Qt.Orientation.Horizontal)
        slider.setDecimals(_decimals(schema))
        slider.setRange(float(schema.minimum), float(schema.maximum))
        slider.setSingleStep(10 ** -(_decimals(schema) - 1))
    slider.setEdgeLabelMode(slider.EdgeLabelMode.LabelIsValue)
    slider.setHandleLabelPosition(slider.LabelPosition.NoLabel)
    slider.setMinimumWidth(120)
    slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    for label in slider.findChildren(QLineEdit):  # the editable end values
        label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return slider


class ParamEditor(QWidget):
    """An editor for one :class:`ParamSchema`, its range and help in the tooltip.

    Signals
    -------
    edited
        The user changed the value.
    """

    edited = Signal()

    def __init__(self, schema, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schema = schema
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        kind = schema.kind
        self._boxes: list[QWidget] = []
        self._loaded: Any = None
        self._shown: Any = None
        if kind == "bool":
            box = QCheckBox()
            box.toggled.connect(self.edited)
            self._boxes = [box]
        elif kind == "choice":
            box = QComboBox()
            for choice in schema.choices:
                box.addItem(str(choice), choice)
            box.currentIndexChanged.connect(self.edited)
            self._boxes = [box]
        elif kind in ("float", "int"):
            box = _number_box(schema, kind == "int")
            box.valueChanged.connect(self.edited)
            self._boxes = [box]
        elif kind == "folder":
            box = QLineEdit()
            box.setPlaceholderText("folder of images (empty: off)")
            box.editingFinished.connect(self.edited)
            self._boxes = [box]
        elif kind in ("float_range", "int_range"):
            self._decimals = _decimals(schema)
            box = _range_slider(schema, kind == "int_range")
            box.valueChanged.connect(self.edited)
            self._boxes = [box]
        else:
            raise ValueError(f"unknown parameter kind {kind!r}")
        for box in self._boxes:
            layout.addWidget(box, 1)
        unit = f"Unit: {schema.unit}\n" if schema.unit else ""
        tip = f"{schema.help}\n{unit}Allowed: {schema.describe_allowed()}".strip()
        self.setToolTip(tip)
        for box in self._boxes:
            box.setToolTip(tip)
        self.set_value(schema.default)

    def spec_value(self) -> Any:
        """The value to put in the spec: the loaded value itself while the widget still shows it.

        Spin boxes round to their decimals; a value loaded from a preset (e.g. 0.009464)
        is kept exactly unless this parameter is edited.
        """
        current = self.value()
        if self._loaded is not None and current == self._shown:
            return self._loaded
        return current

    def value(self) -> Any:
        """The edited value in its JSON form (``[lo, hi]`` for ranges)."""
        kind = self.schema.kind
        if kind == "bool":
            return self._boxes[0].isChecked()
        if kind == "choice":
            return self._boxes[0].currentData()
        if kind in ("float", "int"):
            return self._boxes[0].value()
        if kind == "folder":
            return self._boxes[0].text().strip()
        lo, hi = self._boxes[0].value()
        if kind == "int_range":
            return [int(lo), int(hi)]
        return [round(float(lo), self._decimals), round(float(hi), self._decimals)]

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting :attr:`edited`."""
        self._show(value)
        self._loaded = list(value) if isinstance(value, (list, tuple)) else value
        self._shown = self.value()

    def _show(self, value: Any) -> None:
        kind = self.schema.kind
        with signals_blocked(*self._boxes):
            if kind == "bool":
                self._boxes[0].setChecked(bool(value))
            elif kind == "choice":
                index = self._boxes[0].findData(value)
                self._boxes[0].setCurrentIndex(max(index, 0))
            elif kind in ("float", "int"):
                self._boxes[0].setValue(value)
            elif kind == "folder":
                self._boxes[0].setText(str(value))
            else:
                lo, hi = value
                self._boxes[0].setValue((lo, hi))

    def editors(self) -> list[QWidget]:
        """The input widgets (one; a range slider for a range)."""
        return list(self._boxes)


class OpEditor(QFrame):
    """Enable box, probability and parameter editors of one :class:`OpSchema`.

    Signals
    -------
    edited
        The user changed something of this op.
    compareRequested(str)
        ``"solo"`` or ``"sweep"`` was pressed.
    """

    edited = Signal()
    compareRequested = Signal(str)

    def __init__(self, schema, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schema = schema
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.solo_button = QToolButton()
        self.solo_button.setText("solo")
        self.solo_button.setToolTip(
            f"Show the same samples with only {schema.title} applied, "
            "beside the clean original (Solo / sweep tab)"
        )
        self.sweep_button = QToolButton()
        self.sweep_button.setText("sweep")
        self.sweep_button.setToolTip(
            f"Show {schema.title} alone, always applied, with its ranges pinned at their "
            "min, middle and max values (Solo / sweep tab)"
        )
        for button, kind in ((self.solo_button, "solo"), (self.sweep_button, "sweep")):
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.clicked.connect(lambda _=False, k=kind: self.compareRequested.emit(k))
        self.enable_check = QCheckBox(schema.title)
        self.enable_check.setToolTip(schema.help)
        self.probability = QDoubleSpinBox()
        self.probability.setRange(0.0, 1.0)
        self.probability.setDecimals(2)
        self.probability.setSingleStep(0.05)
        self.probability.setValue(1.0)
        self.probability.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.probability.setToolTip(
            "Probability (0 to 1, steps of 0.05) that the op is applied to a given "
            + ("digit" if schema.stage == "digit" else "image")
        )
        self.params = {p.name: ParamEditor(p) for p in schema.params}
        self.problem = problem_label()

        header = QHBoxLayout()
        header.setSpacing(2)
        header.addWidget(self.enable_check, 1)
        header.addWidget(self.solo_button)
        header.addWidget(self.sweep_button)
        self._body = QWidget()
        form = QFormLayout(self._body)
        form.setContentsMargins(18, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        p_label = QLabel("probability")
        p_label.setToolTip(self.probability.toolTip())
        p_label.setBuddy(self.probability)
        form.addRow(p_label, self.probability)
        for name, editor in self.params.items():
            unit = editor.schema.unit
            label = QLabel(name.replace("_", " ") + (f" ({unit})" if unit else ""))
            label.setWordWrap(True)
            label.setToolTip(editor.toolTip())
            form.addRow(label, editor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self._body)
        layout.addWidget(self.problem)
        self._body.setVisible(False)

        self.enable_check.toggled.connect(self._on_enabled)
        self.probability.valueChanged.connect(self.edited)
        for editor in self.params.values():
            editor.edited.connect(self.edited)

    def _on_enabled(self, on: bool) -> None:
        self._show_enabled(on)
        self.edited.emit()

    def _show_enabled(self, on: bool) -> None:
        self._body.setVisible(on)

    def to_dict(self) -> dict[str, Any]:
        """The op as the JSON dict of an ``AugmentOp``."""
        return {
            "op": self.schema.op,
            "enabled": self.enable_check.isChecked(),
            "probability": self.probability.value(),
            "params": {name: editor.spec_value() for name, editor in self.params.items()},
        }

    def set_from(self, data: dict[str, Any] | None) -> None:
        """Show an op's JSON dict (``None``: not in the pipeline — disabled, defaults)."""
        with signals_blocked(self.enable_check, self.probability):
            if data is None:
                self.enable_check.setChecked(False)
                params: dict[str, Any] = {}
            else:
                self.enable_check.setChecked(bool(data.get("enabled", True)))
                self.probability.setValue(float(data.get("probability", 1.0)))
                params = dict(data.get("params") or {})
        for name, editor in self.params.items():
            value = params.get(name, editor.schema.default)
            try:
                editor.set_value(value)
            except (TypeError, ValueError):
                editor.set_value(editor.schema.default)
        self._show_enabled(self.enable_check.isChecked())

    def show_problem(self, text: str) -> None:
        """Show (or clear) this op's inline problem."""
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
