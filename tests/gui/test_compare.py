"""Solo and sweep render exactly the core's pixels for "this op only"; presets read right."""

import numpy as np
import pytest
from qt_helpers import wait_good

from seqstudio.core.augment.presets import load_preset
from seqstudio.core.generator import SequenceGenerator
from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.comparisons import SOLO_ROWS, SWEEP_ROWS, sweep_points
from seqstudio.gui.imaging import qimage_to_gray


def _core(spec, index):
    return SequenceGenerator(spec).generate(index).image


def _compare(window, qtbot, op, kind):
    editor = window.augment_panel.editors[op]
    with qtbot.waitSignal(window.area.compare_worker.returned, timeout=20000):
        (editor.solo_button if kind == "solo" else editor.sweep_button).click()
    assert window.area.current_tab() == "compare"
    return window.area.compare.samples()


@pytest.mark.parametrize("op", ["gaussian_noise", "rotate"])
def test_solo_is_the_core_with_every_other_op_disabled(window, qtbot, op):
    with qtbot.waitSignal(window.augment_panel.presetApplied, timeout=10000):
        window.augment_panel.apply_preset("heavy")
    window.model.set_values(width=600)  # heavy's scale and shear need the room
    wait_good(qtbot, window, width=600)
    spec = window.model.spec
    samples = _compare(window, qtbot, op, "solo")
    assert len(samples) == 2 * SOLO_ROWS
    only = [o.to_dict() for o in spec.augment]
    for data in only:
        data["enabled"] = data["op"] == op
    assert sum(d["enabled"] for d in only) == 1  # the op is in heavy: only it stays on
    solo_spec = spec.replace(augment=only)
    clean_spec = spec.replace(augment=[{**d, "enabled": False} for d in only])
    for row in range(SOLO_ROWS):
        original, solo = samples[2 * row], samples[2 * row + 1]
        np.testing.assert_array_equal(qimage_to_gray(original.image), _core(clean_spec, row))
        np.testing.assert_array_equal(qimage_to_gray(solo.image), _core(solo_spec, row))
        np.testing.assert_array_equal(solo.array, _core(solo_spec, row))
    assert any(
        not np.array_equal(samples[2 * r].array, samples[2 * r + 1].array) for r in range(SOLO_ROWS)
    ), "the op changed none of the samples"
    captions = window.area.compare.captions()
    assert captions[0].endswith("original") and captions[1].endswith("only")


def test_sweep_pins_the_range_at_min_mid_max(window, qtbot):
    editor = window.augment_panel.editors["gaussian_blur"]
    editor.enable_check.setChecked(True)
    (slider,) = editor.params["sigma"].editors()
    slider.setValue((0.4, 1.6))
    wait_good(qtbot, window)
    samples = _compare(window, qtbot, "gaussian_blur", "sweep")
    assert len(samples) == 4 * SWEEP_ROWS
    points = sweep_points(editor.to_dict())
    assert [p["params"]["sigma"] for _, p in points] == [[0.4, 0.4], [1.0, 1.0], [1.6, 1.6]]
    spec = window.model.spec
    for k, (_, point) in enumerate(points):
        pinned = spec.replace(augment=[point])
        np.testing.assert_array_equal(samples[1 + k].array, _core(pinned, 0))
    sharpness = [np.abs(np.diff(samples[k].array.astype(int), axis=1)).sum() for k in range(4)]
    assert sharpness[0] > sharpness[1] > sharpness[2] > sharpness[3]  # more blur, softer
    # the comparison follows the settings
    with qtbot.waitSignal(window.area.compare_worker.returned, timeout=20000):
        window.model.set_values(digits="777")
    assert window.area.compare.samples()[0].meta["label"] == "777"


def test_preset_control_names_what_the_ops_are(window, qtbot):
    panel = window.augment_panel
    qtbot.waitUntil(lambda: "light" in panel._known)
    with qtbot.waitSignal(panel.presetApplied, timeout=10000):
        panel.apply_preset("light")
    assert panel.preset_name() == "light"
    panel.editors["gaussian_noise"].probability.setValue(0.9)
    assert panel.preset_name() == "custom"
    window.model.set_spec(GenerationSpec(augment=load_preset("scan-like")))
    assert panel.preset_name() == "scan-like"
    window.model.set_spec(GenerationSpec())
    assert panel.preset_name() == "none"


def test_long_status_messages_open_in_full(window, qtbot):
    long = "preset /a/very/long/path/" + "x" * 300 + ".json: cannot read it"
    window.augment_panel.presetFailed.emit(long)
    status = window.problem_status
    assert status.is_elided() and status.full_text() == long
    dialog = status.open_full()
    assert dialog.text() == long and dialog.isVisible()
    dialog.close()
