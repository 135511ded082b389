"""The augmentation panel is generated from the schema and drives the preview."""

import numpy as np
import pytest
from PySide6.QtWidgets import QDoubleSpinBox, QGroupBox, QSpinBox
from qt_helpers import assert_canvas_matches_core, wait_good
from superqt import QLabeledRangeSlider

schema = pytest.importorskip("seqstudio.core.augment.schema")
presets = pytest.importorskip("seqstudio.core.augment.presets")

from seqstudio.core.augment.spec import AugmentOp  # noqa: E402
from seqstudio.core.spec import GenerationSpec  # noqa: E402
from seqstudio.gui.model import GeneratorModel  # noqa: E402
from seqstudio.gui.panels.augment_panel import AugmentPanel  # noqa: E402
from seqstudio.gui.runners import QueuedRunner  # noqa: E402


@pytest.fixture
def panel(qtbot):
    model = GeneratorModel(GenerationSpec())
    tasks = QueuedRunner()
    panel = AugmentPanel(model, tasks)
    qtbot.addWidget(panel)
    yield panel
    tasks.shutdown()


def test_every_schema_op_and_param_has_an_editor_in_its_stage(panel):
    assert list(panel.editors) == list(schema.OPS)
    for stage in schema.STAGES:
        group = panel.findChild(QGroupBox, f"stage_{stage}")
        assert group is not None
        names = [op.op for op in schema.ops_for_stage(stage)]
        for name in names:
            assert group.isAncestorOf(panel.editors[name])
    for name, op in schema.OPS.items():
        editor = panel.editors[name]
        assert editor.enable_check.text() == op.title
        assert set(editor.params) == {p.name for p in op.params}
        for p in op.params:
            param_editor = editor.params[p.name]
            assert p.help in param_editor.toolTip()
            assert p.describe_allowed() in param_editor.toolTip()
            for box in param_editor.editors():
                if isinstance(box, (QSpinBox, QDoubleSpinBox, QLabeledRangeSlider)):
                    assert (box.minimum(), box.maximum()) == (p.minimum, p.maximum)
            if p.unit:
                assert f"Unit: {p.unit}" in param_editor.toolTip()
            assert param_editor.value() == (list(p.default) if p.is_range else p.default)


def test_panel_edits_reach_the_model_and_back(panel):
    model = panel.model
    rotate = panel.editors["rotate"]
    rotate.enable_check.setChecked(True)
    assert model.candidate.augment == (AugmentOp("rotate", True, 1.0, {"angle": [-10.0, 10.0]}),)
    rotate.probability.setValue(0.5)
    (slider,) = rotate.params["angle"].editors()
    slider.setValue((-10.0, 20.0))
    assert model.candidate.augment[0] == AugmentOp("rotate", True, 0.5, {"angle": [-10.0, 20.0]})
    rotate.enable_check.setChecked(False)
    assert model.candidate.augment[0].enabled is False  # kept in the spec, disabled

    ops = (
        AugmentOp("jpeg", True, 0.25, {"quality": [30, 40]}),
        AugmentOp("stroke", True, 1.0, {"radius": [1, 2]}),
    )
    model.set_spec(GenerationSpec(augment=ops))
    assert panel.editors["jpeg"].enable_check.isChecked()
    assert panel.editors["jpeg"].probability.value() == 0.25
    assert panel.editors["jpeg"].params["quality"].value() == [30, 40]
    assert panel.editors["stroke"].params["radius"].value() == [1, 2]
    assert not panel.editors["rotate"].enable_check.isChecked()


def test_invalid_param_range_is_inline_on_its_op(panel):
    panel.show()
    rotate = panel.editors["rotate"]
    # the range slider cannot cross its ends; a preset file or typed JSON can
    panel.model.set_values(augment=[{"op": "rotate", "params": {"angle": [30.0, 20.0]}}])
    assert panel.model.candidate is None
    assert "augment[0].params.angle" in panel.op_problem("rotate")
    (slider,) = rotate.params["angle"].editors()
    slider.setValue((30.0, 40.0))
    assert panel.op_problem("rotate") == ""
    assert panel.model.candidate.augment[0].params["angle"] == (30.0, 40.0)


@pytest.mark.parametrize("name", [n for n in presets.list_presets()])
def test_presets_load_into_the_model(panel, qtbot, name):
    with qtbot.waitSignal(panel.presetApplied, timeout=10000):
        panel.preset_actions[name].trigger()
    assert panel.model.candidate.augment == presets.load_preset(name)
    for op in presets.load_preset(name):
        assert panel.editors[op.op].enable_check.isChecked() == op.enabled


def test_preset_from_file(qtbot, tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(
        '[{"op": "dropout", "probability": 0.5, "params": {"rate": [0.0, 0.1]}}]', encoding="utf-8"
    )
    model = GeneratorModel(GenerationSpec())
    tasks = QueuedRunner()
    panel = AugmentPanel(model, tasks, choose_file=lambda title, start: str(path))
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.presetApplied, timeout=10000):
        panel.preset_actions["from file"].trigger()
    tasks.shutdown()
    assert model.candidate.augment == (AugmentOp("dropout", True, 0.5, {"rate": [0.0, 0.1]}),)


def test_augmented_preview_matches_core_and_sheet_shows_variety(window, qtbot):
    panel = window.augment_panel
    window.area.show_tab("sheet")
    with qtbot.waitSignal(panel.presetApplied, timeout=10000):
        panel.apply_preset("light")
    wait_good(qtbot, window)
    assert window.model.spec.augment == presets.load_preset("light")
    assert_canvas_matches_core(window)
    qtbot.waitUntil(
        lambda: (
            len(window.sheet.samples()) == 16
            and window.preview.last_sheet.spec == window.model.spec
        )
    )
    images = [s.array for s in window.sheet.samples()]
    assert any(not np.array_equal(images[0], other) for other in images[1:])
    with qtbot.waitSignal(window.canvas.imageChanged, timeout=10000):
        window.augment_panel.editors["gaussian_blur"].enable_check.setChecked(True)
    wait_good(qtbot, window)
    assert any(op.op == "gaussian_blur" for op in window.model.spec.augment)
    assert_canvas_matches_core(window)


def test_loaded_values_are_not_rounded_by_the_spin_boxes(panel):
    ops = (AugmentOp("translate", True, 0.5, {"x": [0.0, 0.0], "y": [-0.009464, 0.05]}),)
    panel.model.set_spec(GenerationSpec(augment=ops))
    panel.editors["translate"].probability.setValue(0.75)  # edit another field of the op
    op = panel.model.candidate.augment[0]
    assert op.probability == 0.75 and op.params["y"] == (-0.009464, 0.05)


def test_folder_typed_in_the_panel_reaches_the_spec(panel, tmp_path):
    from PIL import Image

    Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(tmp_path / "wall.png")
    editor = panel.editors["texture"]
    editor.enable_check.setChecked(True)
    field = editor.params["folder"].editors()[0]
    field.setText(str(tmp_path))
    field.editingFinished.emit()
    ops = [op for op in panel.model.candidate.augment if op.op == "texture"]
    assert ops and ops[0].params["folder"] == str(tmp_path)
    panel.model.set_spec(GenerationSpec())  # loading a spec shows its (empty) folder
    assert field.text() == ""


def test_bundled_presets_that_cannot_be_read_are_reported(qtbot, monkeypatch):
    from seqstudio.gui.panels import augment_panel

    def unreadable():
        raise OSError("presets/light.json: permission denied")

    monkeypatch.setattr(augment_panel, "_load_bundled_presets", unreadable)
    tasks = QueuedRunner()
    try:
        with qtbot.waitSignal(tasks.taskFinished, timeout=5000):
            panel = AugmentPanel(GeneratorModel(GenerationSpec()), tasks)
            qtbot.addWidget(panel)
            failures: list = []
            panel.presetFailed.connect(failures.append)
        assert failures == ["bundled presets: presets/light.json: permission denied"]
        assert panel.problem_labels["augment"].text() == failures[0]
    finally:
        tasks.shutdown()
