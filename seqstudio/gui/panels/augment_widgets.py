"""Widgets generated from the augmentation schema: one editor per parameter, one box per op."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

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
        elif kind in ("float_range", "int_range"):
            integer = kind == "int_range"
            self._boxes = [_number_box(schema, integer), _number_box(schema, integer)]
            for box in self._boxes:
                box.valueChanged.connect(self.edited)
        else:
            raise ValueError(f"unknown parameter kind {kind!r}")
        for k, box in enumerate(self._boxes):
            if k:
                layout.addWidget(QLabel("to"))
            layout.addWidget(box, 1)
        if schema.unit:
            layout.addWidget(QLabel(schema.unit))
        tip = f"{schema.help}\nAllowed: {schema.describe_allowed()}".strip()
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
        return [box.value() for box in self._boxes]

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
            else:
                lo, hi = value
                self._boxes[0].setValue(lo)
                self._boxes[1].setValue(hi)

    def editors(self) -> list[QWidget]:
        """The input widgets (one, or two for a range)."""
        return list(self._boxes)


class OpEditor(QFrame):
    """Enable box, probability and parameter editors of one :class:`OpSchema`.

    Signals
    -------
    edited
        The user changed something of this op.
    """

    edited = Signal()

    def __init__(self, schema, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schema = schema
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.enable_check = QCheckBox(schema.title)
        self.enable_check.setToolTip(schema.help)
        self.probability = QDoubleSpinBox()
        self.probability.setRange(0.0, 1.0)
        self.probability.setDecimals(2)
        self.probability.setSingleStep(0.05)
        self.probability.setValue(1.0)
        self.probability.setPrefix("p = ")
        self.probability.setToolTip(
            "Chance (0–1) that the op is applied to a given "
            + ("digit" if schema.stage == "digit" else "image")
        )
        self.params = {p.name: ParamEditor(p) for p in schema.params}
        self.problem = problem_label()

        header = QHBoxLayout()
        header.addWidget(self.enable_check, 1)
        header.addWidget(self.probability)
        self._body = QWidget()
        form = QFormLayout(self._body)
        form.setContentsMargins(18, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, editor in self.params.items():
            label = QLabel(name.replace("_", " "))
            label.setToolTip(editor.toolTip())
            form.addRow(label, editor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self._body)
        layout.addWidget(self.problem)
        self._body.setVisible(False)
        self.probability.setEnabled(False)

        self.enable_check.toggled.connect(self._on_enabled)
        self.probability.valueChanged.connect(self.edited)
        for editor in self.params.values():
            editor.edited.connect(self.edited)

    def _on_enabled(self, on: bool) -> None:
        self._show_enabled(on)
        self.edited.emit()

    def _show_enabled(self, on: bool) -> None:
        self._body.setVisible(on and bool(self.params))
        self.probability.setEnabled(on)

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
