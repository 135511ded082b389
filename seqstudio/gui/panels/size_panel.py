"""Size panel: width (with the feasible range for the current settings), height, fit, invert."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QWidget,
)

from seqstudio.core.spec import ALIGNMENTS, FIT_MODES, MAX_HEIGHT, MAX_WIDTH
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import SpecPanel, problem_label, signals_blocked

WIDTH_SLIDER_RANGE = (8, 1024)


class SizePanel(SpecPanel):
    """Edits ``width``, ``height``, ``fit``, ``align`` and ``invert``.

    The feasible width range comes from the preview worker
    (``SequenceGenerator(spec).width_range.describe()``) through :meth:`set_width_range`.
    """

    FIELDS = ("width", "height", "fit", "align", "invert")

    def __init__(self, model: GeneratorModel, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.width_slider = QSlider(Qt.Orientation.Horizontal)
        self.width_slider.setRange(*WIDTH_SLIDER_RANGE)
        self.width_slider.setToolTip(
            f"Output width in pixels (slider {WIDTH_SLIDER_RANGE[0]}–{WIDTH_SLIDER_RANGE[1]})"
        )
        self.width_spin = QSpinBox()
        self.width_spin.setRange(1, MAX_WIDTH)
        self.width_spin.setSuffix(" px")
        self.width_spin.setToolTip(f"Output width in pixels (1–{MAX_WIDTH})")
        self.width_range_label = QLabel("feasible: …")
        self.width_range_label.setToolTip(
            "Widths that work for the current digits, spacing and fit"
        )
        self.height_spin = QSpinBox()
        self.height_spin.setRange(1, MAX_HEIGHT)
        self.height_spin.setSuffix(" px")
        self.height_spin.setToolTip(
            f"Output height in pixels (1–{MAX_HEIGHT}); glyphs are scaled to it"
        )
        self.fit_combo = QComboBox()
        self.fit_combo.addItems(FIT_MODES)
        self.fit_combo.setToolTip(
            "pad: keep glyphs and gaps, pad to the width; exact: choose gaps that fill it; "
            "scale: shrink when too wide; stretch: resize to the width"
        )
        self.align_combo = QComboBox()
        self.align_combo.addItems(ALIGNMENTS)
        self.align_combo.setToolTip("Where a padded sequence sits")
        self.invert_check = QCheckBox("Invert (black ink on white)")

        self.problem_labels = {key: problem_label() for key in self.FIELDS}
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        row = QHBoxLayout()
        row.addWidget(self.width_slider, 1)
        row.addWidget(self.width_spin)
        form.addRow("Width", row)
        form.addRow("", self.width_range_label)
        form.addRow("", self.problem_labels["width"])
        form.addRow("Height", self.height_spin)
        form.addRow("", self.problem_labels["height"])
        form.addRow("Fit", self.fit_combo)
        form.addRow("", self.problem_labels["fit"])
        form.addRow("Align", self.align_combo)
        form.addRow("", self.problem_labels["align"])
        form.addRow("", self.invert_check)
        form.addRow("", self.problem_labels["invert"])

        self.width_slider.valueChanged.connect(lambda v: self.model.set_values(width=v))
        self.width_spin.valueChanged.connect(lambda v: self.model.set_values(width=v))
        self.height_spin.valueChanged.connect(lambda v: self.model.set_values(height=v))
        self.fit_combo.currentTextChanged.connect(lambda v: self.model.set_values(fit=v))
        self.align_combo.currentTextChanged.connect(lambda v: self.model.set_values(align=v))
        self.invert_check.toggled.connect(lambda v: self.model.set_values(invert=v))
        self.bind()

    def refresh(self) -> None:  # noqa: D102
        width = int(self.model.value("width"))
        widgets = (
            self.width_slider,
            self.width_spin,
            self.height_spin,
            self.fit_combo,
            self.align_combo,
            self.invert_check,
        )
        with signals_blocked(*widgets):
            self.width_spin.setValue(width)
            self.width_slider.setValue(
                min(max(width, WIDTH_SLIDER_RANGE[0]), WIDTH_SLIDER_RANGE[1])
            )
            self.height_spin.setValue(int(self.model.value("height")))
            self.fit_combo.setCurrentText(str(self.model.value("fit")))
            self.align_combo.setCurrentText(str(self.model.value("align")))
            self.invert_check.setChecked(bool(self.model.value("invert")))

    def set_width_range(self, text: str) -> None:
        """Show the feasible widths (``WidthRange.describe()`` from the worker)."""
        self.width_range_label.setText(f"feasible: {text}" if text else "feasible: …")

    def width_range_text(self) -> str:
        """The feasible-width text shown."""
        return self.width_range_label.text()
