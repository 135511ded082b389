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

from seqstudio.core.spec import ALIGNMENTS, FIT_MODES, MAX_HEIGHT, MAX_WIDTH, GenerationSpec
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import SpecPanel, problem_label, signals_blocked

WIDTH_SLIDER_RANGE = (8, 1024)


class SizePanel(SpecPanel):
    """Edits ``width``, ``height``, ``fit``, ``align`` and ``invert``.

    The feasible width range (:func:`seqstudio.core.widths.feasible_width_range`) comes
    from the preview worker, with the spec it belongs to, through :meth:`set_width_range`
    — for a spec it rejects too. It is shown only while it belongs to the current
    settings (any width): an edit that changes it shows "feasible: …" until the worker
    answers, so the hint is never stale.
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
            "Widths that work for the current digits, spacing, scope, crop, height, fit "
            "and augmentation"
        )
        self._range_text = ""
        self._range_key: GenerationSpec | None = None
        self.height_spin = QSpinBox()
        self.height_spin.setRange(1, MAX_HEIGHT)
        self.height_spin.setSuffix(" px")
        self.height_spin.setToolTip(
            f"Output height in pixels (1–{MAX_HEIGHT}); glyphs are scaled to it"
        )
        self.fit_combo = QComboBox()
        self.fit_combo.addItems(FIT_MODES)
        self.fit_combo.setToolTip(
            "pad: any width from the minimum; glyphs untouched, gaps in range (drawn again "
            "uniformly over what fits when needed), padded at align; strict: pad, but only "
            "widths that hold the largest gaps (gaps always independent); exact: choose gaps "
            "that fill it; scale: shrink when too wide; stretch: resize to the width"
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
        self.model.valuesChanged.connect(self._show_width_range)
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

    def set_width_range(self, text: str, spec: GenerationSpec | None = None) -> None:
        """Show the feasible widths (``WidthRange.describe()``) the worker found for ``spec``.

        ``spec`` ``None`` means "for the current settings".
        """
        self._range_text = text
        self._range_key = _range_key(spec if spec is not None else self.model.candidate)
        self._show_width_range()

    def _show_width_range(self) -> None:
        current = self.model.candidate
        fresh = current is not None and _range_key(current) == self._range_key
        text = self._range_text if fresh else ""
        self.width_range_label.setText(f"feasible: {text}" if text else "feasible: …")

    def width_range_text(self) -> str:
        """The feasible-width text shown."""
        return self.width_range_label.text()


def _range_key(spec: GenerationSpec | None) -> GenerationSpec | None:
    """What the feasible widths depend on: the spec, whatever its width and seed."""
    return None if spec is None else spec.replace(width=1, seed=0, invert=False, align="left")
