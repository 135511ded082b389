"""Each panel is a two-way view of the model: model → widgets, widget edits → model."""

from PySide6.QtCore import Qt

from seqstudio.core.spec import GenerationSpec, RandomSequences
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.sequence_panel import SequencePanel
from seqstudio.gui.panels.size_panel import SizePanel
from seqstudio.gui.panels.spacing_panel import SLIDER_MAX, SpacingPanel


def _model() -> GeneratorModel:
    return GeneratorModel(GenerationSpec())


def test_sequence_panel_model_to_widgets(qtbot):
    model = _model()
    panel = SequencePanel(model)
    qtbot.addWidget(panel)
    model.set_spec(GenerationSpec(digits="2024", pool="test", random=None))
    assert panel.digits_edit.text() == "2024"
    assert panel.pool_combo.currentText() == "test"
    assert not panel.random_check.isChecked()
    model.set_spec(GenerationSpec(random=RandomSequences(2, 7, ("1", "2", "3"))))
    assert panel.random_check.isChecked()
    assert (panel.min_length.value(), panel.max_length.value()) == (2, 7)
    assert panel.labels_edit.text() == "123"
    assert not panel.digits_edit.isEnabled()
    model.set_spec(GenerationSpec(source="folder:/data/letters"))
    assert panel.source_combo.currentData() == "folder"
    assert panel.source_path.text() == "/data/letters"


def test_sequence_panel_widgets_to_model(qtbot):
    model = _model()
    panel = SequencePanel(model)
    qtbot.addWidget(panel)
    panel.digits_edit.clear()
    qtbot.keyClicks(panel.digits_edit, "907")
    assert model.candidate.digits == ("9", "0", "7")
    panel.pool_combo.setCurrentText("test")
    assert model.candidate.pool == "test"
    panel.random_check.setChecked(True)
    assert model.candidate.random == RandomSequences(1, 5, None)
    panel.max_length.setValue(8)
    panel.labels_edit.setText("")
    qtbot.keyClicks(panel.labels_edit, "35")
    assert model.candidate.random == RandomSequences(1, 8, ("3", "5"))
    panel.random_check.setChecked(False)
    assert model.candidate.random is None


def test_sequence_panel_flags_invalid_characters_in_place(qtbot):
    model = _model()
    panel = SequencePanel(model)
    qtbot.addWidget(panel)
    panel.show()
    panel.digits_edit.clear()
    qtbot.keyClicks(panel.digits_edit, "12a4 ")
    assert panel.invalid_positions() == [2, 4]
    assert panel.digits_marks.isVisible()
    assert "'a' at position 3" in panel.problem_text("digits")
    panel.digits_edit.clear()
    qtbot.keyClicks(panel.digits_edit, "124")
    assert panel.invalid_positions() == []
    assert not panel.digits_marks.isVisible() and panel.problem_text("digits") == ""


def test_sequence_panel_source_folder_is_chosen_and_remembered(qtbot, settings, tmp_path):
    starts = []

    def chooser(title, start):
        starts.append(start)
        return str(tmp_path)

    model = _model()
    panel = SequencePanel(model, settings, chooser)
    qtbot.addWidget(panel)
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("idx"))
    panel.source_combo.activated.emit(panel.source_combo.currentIndex())
    assert model.candidate.source == f"idx:{tmp_path}"
    assert settings.last_folder("source") == str(tmp_path)
    panel.source_button.click()
    assert starts[-1] == str(tmp_path)  # the dialog starts in the remembered folder


def test_spacing_panel_both_ways(qtbot):
    model = _model()
    panel = SpacingPanel(model)
    qtbot.addWidget(panel)
    model.set_spec(
        GenerationSpec(
            spacing_min=3, spacing_max=12, spacing_mode="fixed", spacing_scope="edges", crop=True
        )
    )
    assert (panel.min_spin.value(), panel.max_spin.value()) == (3, 12)
    assert (panel.min_slider.value(), panel.max_slider.value()) == (3, 12)
    assert panel.mode_combo.currentText() == "fixed" and panel.scope_combo.currentText() == "edges"
    assert panel.crop_check.isChecked()
    panel.mode_combo.setCurrentText("variable")
    panel.scope_combo.setCurrentText("between")
    panel.crop_check.setChecked(False)
    panel.max_spin.setValue(20)
    spec = model.candidate
    assert (spec.spacing_mode, spec.spacing_scope, spec.crop, spec.spacing_max) == (
        "variable",
        "between",
        False,
        20,
    )
    assert panel.max_slider.value() == 20  # the slider follows the spin box


def test_spacing_slider_pair_stays_consistent(qtbot):
    model = GeneratorModel(GenerationSpec(spacing_min=5, spacing_max=10))
    panel = SpacingPanel(model)
    qtbot.addWidget(panel)
    panel.min_slider.setValue(30)  # past max: max is pushed along
    assert (model.candidate.spacing_min, model.candidate.spacing_max) == (30, 30)
    assert panel.max_slider.value() == 30 and panel.max_spin.value() == 30
    panel.max_slider.setValue(2)  # below min: min is pushed along
    assert (model.candidate.spacing_min, model.candidate.spacing_max) == (2, 2)
    panel.max_slider.triggerAction(panel.max_slider.SliderAction.SliderToMaximum)
    assert model.candidate.spacing_max == SLIDER_MAX


def test_spacing_spin_boxes_report_an_inconsistent_pair_inline(qtbot):
    model = GeneratorModel(GenerationSpec(spacing_min=5, spacing_max=10))
    panel = SpacingPanel(model)
    qtbot.addWidget(panel)
    panel.show()
    panel.min_spin.setValue(15)
    assert model.candidate is None and model.spec.spacing_min == 5
    assert panel.min_spin.value() == 15  # the pending value stays in the widget
    assert "below spacing_min 15" in panel.problem_text("spacing_max")
    panel.max_spin.setValue(16)
    assert panel.problem_text("spacing_max") == ""
    assert (model.candidate.spacing_min, model.candidate.spacing_max) == (15, 16)


def test_size_panel_both_ways(qtbot):
    model = _model()
    panel = SizePanel(model)
    qtbot.addWidget(panel)
    model.set_spec(GenerationSpec(width=333, height=40, fit="scale", align="left", invert=True))
    assert panel.width_spin.value() == 333 and panel.width_slider.value() == 333
    assert panel.height_spin.value() == 40
    assert panel.fit_combo.currentText() == "scale" and panel.align_combo.currentText() == "left"
    assert panel.invert_check.isChecked()
    panel.width_slider.setValue(250)
    assert model.candidate.width == 250 and panel.width_spin.value() == 250
    panel.height_spin.setValue(32)
    panel.fit_combo.setCurrentText("exact")
    panel.align_combo.setCurrentText("right")
    panel.invert_check.setChecked(False)
    spec = model.candidate
    assert (spec.height, spec.fit, spec.align, spec.invert) == (32, "exact", "right", False)
    panel.set_width_range("≥ 180")
    assert panel.width_range_text() == "feasible: ≥ 180"


def test_model_refresh_does_not_echo_back(qtbot):
    model = _model()
    panel = SizePanel(model)
    qtbot.addWidget(panel)
    edits = []
    model.candidateChanged.connect(edits.append)
    model.set_values(width=260)
    assert len(edits) == 1  # the panel's widget update was silent
    assert panel.width_spin.value() == 260
    assert panel.width_spin.hasFocus() is False or Qt
