"""Spacing panel: gap range (a slider pair kept consistent, plus spin boxes), mode, scope, crop."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QSlider,
    QSpinBox,
    QWidget,
)

from seqstudio.core.spec import MAX_SPACING_OVERLAP, MAX_WIDTH, SPACING_MODES, SPACING_SCOPES
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import SpecPanel, problem_label, signals_blocked

SLIDER_MIN = -14  # half an MNIST cell at height 28: digits overlapping by half
SLIDER_MAX = 64


class SpacingPanel(SpecPanel):
    """Edits ``spacing_min``, ``spacing_max``, ``spacing_mode``, ``spacing_scope`` and ``crop``.

    Dragging one slider past the other pushes the other along, so the slider pair always
    gives min ≤ max; the spin boxes accept any value in range and an inconsistent pair
    is reported inline.
    """

    FIELDS = ("spacing_min", "spacing_max", "spacing_mode", "spacing_scope", "crop")

    def __init__(self, model: GeneratorModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.min_slider = QSlider(Qt.Orientation.Horizontal)
        self.max_slider = QSlider(Qt.Orientation.Horizontal)
        self.min_spin = QSpinBox()
        self.max_spin = QSpinBox()
        for slider in (self.min_slider, self.max_slider):
            slider.setRange(SLIDER_MIN, SLIDER_MAX)
        for spin in (self.min_spin, self.max_spin):
            spin.setRange(-MAX_SPACING_OVERLAP, MAX_WIDTH)
            spin.setSuffix(" px")
        overlap = "negative: digits touch or overlap, down to half a digit"
        self.min_slider.setToolTip(
            f"Smallest gap in pixels (slider {SLIDER_MIN}–{SLIDER_MAX}, {overlap}; "
            "type other values)"
        )
        self.max_slider.setToolTip(
            f"Largest gap in pixels (slider {SLIDER_MIN}–{SLIDER_MAX}; type other values)"
        )
        self.min_spin.setToolTip(f"Smallest gap in pixels (≤ max; {overlap})")
        self.max_spin.setToolTip(f"Largest gap in pixels (≤ {MAX_WIDTH}, ≥ min)")
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(SPACING_MODES)
        self.mode_combo.setToolTip("variable: each gap drawn independently; fixed: one gap for all")
        self.scope_combo = QComboBox()
        self.scope_combo.addItems(SPACING_SCOPES)
        self.scope_combo.setToolTip(
            "between: gaps between digits only; edges: also before the first and after the last"
        )
        self.crop_check = QCheckBox("Crop glyphs to their ink")
        self.crop_check.setToolTip("Gaps measured ink to ink instead of cell to cell")

        self.problem_labels = {
            "spacing_min": problem_label(),
            "spacing_max": problem_label(),
            "spacing_mode": problem_label(),
            "spacing_scope": problem_label(),
            "crop": problem_label(),
        }
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for title, slider, spin, key in (
            ("Min gap", self.min_slider, self.min_spin, "spacing_min"),
            ("Max gap", self.max_slider, self.max_spin, "spacing_max"),
        ):
            row = QHBoxLayout()
            row.addWidget(slider, 1)
            row.addWidget(spin)
            form.addRow(title, row)
            form.addRow("", self.problem_labels[key])
        form.addRow("Mode", self.mode_combo)
        form.addRow("", self.problem_labels["spacing_mode"])
        form.addRow("Scope", self.scope_combo)
        form.addRow("", self.problem_labels["spacing_scope"])
        form.addRow("", self.crop_check)
        form.addRow("", self.problem_labels["crop"])

        self.min_slider.valueChanged.connect(self._on_min_slider)
        self.max_slider.valueChanged.connect(self._on_max_slider)
        self.min_spin.valueChanged.connect(lambda v: self.model.set_values(spacing_min=v))
        self.max_spin.valueChanged.connect(lambda v: self.model.set_values(spacing_max=v))
        self.mode_combo.currentTextChanged.connect(lambda v: self.model.set_values(spacing_mode=v))
        self.scope_combo.currentTextChanged.connect(
            lambda v: self.model.set_values(spacing_scope=v)
        )
        self.crop_check.toggled.connect(lambda v: self.model.set_values(crop=v))
        self.bind()

    def refresh(self) -> None:  # noqa: D102
        low, high = int(self.model.value("spacing_min")), int(self.model.value("spacing_max"))
        widgets = (
            self.min_slider,
            self.max_slider,
            self.min_spin,
            self.max_spin,
            self.mode_combo,
            self.scope_combo,
            self.crop_check,
        )
        with signals_blocked(*widgets):
            self.min_spin.setValue(low)
            self.max_spin.setValue(high)
            self.min_slider.setValue(min(max(low, SLIDER_MIN), SLIDER_MAX))
            self.max_slider.setValue(min(max(high, SLIDER_MIN), SLIDER_MAX))
            self.mode_combo.setCurrentText(str(self.model.value("spacing_mode")))
            self.scope_combo.setCurrentText(str(self.model.value("spacing_scope")))
            self.crop_check.setChecked(bool(self.model.value("crop")))

    def _on_min_slider(self, value: int) -> None:
        high = max(int(self.model.value("spacing_max")), value)
        self.model.set_values(spacing_min=value, spacing_max=high)

    def _on_max_slider(self, value: int) -> None:
        low = min(int(self.model.value("spacing_min")), value)
        self.model.set_values(spacing_min=low, spacing_max=value)
