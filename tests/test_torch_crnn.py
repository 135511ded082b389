"""The example CRNN: shapes, CTC decoding, edit distance, scores, a training step."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from seqstudio.core.spec import GenerationSpec, RandomSequences  # noqa: E402
from seqstudio.torch import SequenceDataset, ctc_collate  # noqa: E402
from seqstudio.torch.crnn import CRNN, edit_distance, evaluate, greedy_decode, train  # noqa: E402

DIGITS = tuple("0123456789")


def test_greedy_decode_merges_repeats_and_drops_blanks():
    steps = [0, 2, 2, 0, 2, 5, 5, 0, 0, 1]  # blank 0; class k+1 is digit k
    log_probs = torch.full((len(steps), 1, 11), -9.0)
    for t, k in enumerate(steps):
        log_probs[t, 0, k] = 0.0
    assert greedy_decode(log_probs, DIGITS) == ["1140"]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("123", "123", 0),
        ("123", "13", 1),
        ("", "45", 2),
        ("9", "0", 1),
        ("1234", "2143", 3),
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance == edit_distance(b, a)


def test_crnn_trains_on_the_fly_batches_and_scores():
    torch.manual_seed(0)
    spec = GenerationSpec(
        random=RandomSequences(1, 2), digits="", width=64, spacing_min=0, spacing_max=4
    )
    data = SequenceDataset(spec, 16)
    batch = ctc_collate([data[k] for k in range(16)])
    model = CRNN()
    assert model(batch["images"]).shape == (64 // 8, 16, 11)
    losses = []
    seen = train(
        model,
        [batch] * 6,
        seconds=120,
        learning_rate=1e-2,
        report=lambda step, n, loss: losses.append(loss),
        report_every=1,
    )
    assert seen == 16 * 6 and len(losses) == 6 and losses[-1] < losses[0]
    scores = evaluate(model, [batch], DIGITS)
    assert scores.count == 16 and 0 <= scores.accuracy <= 1 and scores.cer >= 0
