"""GeneratorModel: validated edits, pending values, last good spec, worker verdicts."""

from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.model import GeneratorModel, field_root


def test_field_root():
    assert field_root("digits[2]") == "digits"
    assert field_root("random.max_length") == "random"
    assert field_root("augment[1].params.angle[0]") == "augment"


def test_valid_edit_becomes_candidate_then_good(qtbot):
    model = GeneratorModel(GenerationSpec())
    with qtbot.waitSignal(model.candidateChanged) as blocker:
        assert model.set_values(width=240)
    candidate = blocker.args[0]
    assert candidate.width == 240 and model.candidate == candidate
    assert model.spec.width == 200  # not good until rendered
    assert model.value("width") == 240
    with qtbot.waitSignal(model.specChanged):
        model.accept_rendered(candidate)
    assert model.spec.width == 240 and model.is_good()


def test_invalid_edit_stays_pending_with_its_problem(qtbot):
    model = GeneratorModel(GenerationSpec(spacing_min=5, spacing_max=10))
    with qtbot.waitSignal(model.problemsChanged) as blocker:
        assert not model.set_values(spacing_min=20)
    assert "spacing_max" in blocker.args[0]
    assert model.value("spacing_min") == 20 and model.candidate is None
    assert model.spec.spacing_min == 5  # the last good spec is kept
    assert model.set_values(spacing_max=30)  # fixing the other field resolves it
    assert model.problems == {} and model.candidate.spacing_min == 20


def test_worker_rejection_keeps_last_good_spec(qtbot):
    model = GeneratorModel(GenerationSpec())
    model.set_values(width=50)
    candidate = model.candidate
    with qtbot.waitSignal(model.problemsChanged):
        model.reject_rendered(candidate, "width", "50 is too small: needs at least 180")
    assert model.problems == {"width": "50 is too small: needs at least 180"}
    assert model.spec.width == 200 and model.value("width") == 50
    model.accept_rendered(GenerationSpec(width=400))  # a verdict on an old spec is ignored
    assert model.spec.width == 200


def test_set_spec_shows_a_whole_spec(qtbot):
    model = GeneratorModel(GenerationSpec())
    other = GenerationSpec(digits="777", width=300, seed=9)
    model.set_spec(other)
    assert model.candidate == other
    assert model.value("digits") == ("7", "7", "7")
    model.accept_rendered(other)
    assert model.spec == other and model.is_good()
