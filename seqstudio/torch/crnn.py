"""A small CRNN (convolutions + bidirectional GRU + CTC) and its train / evaluate loops.

Reads 28-pixel-high grey images of any width (``(B, 1, 28, W)`` uint8 batches from
:func:`~seqstudio.torch.ctc_collate`) and emits one class distribution per 4 columns.
Used by ``examples/train_crnn.py``; importable so other benchmarks can train the same
model on other data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import nn


class CRNN(nn.Module):
    """Conv feature extractor → BiGRU over column groups → per-step class logits.

    The image is averaged down 2× (MNIST strokes survive at 14 px and it makes every
    later layer 4× cheaper: what lets it train in minutes on two CPU cores), then two
    conv stages (3 × 3, batch norm, ReLU) with pooling give ``(B, C, H/4, W/8)``; each of
    the ``W/8`` steps (its ``C × H/4`` features projected) goes through a bidirectional GRU
    and a linear layer to ``classes + 1`` logits.

    Parameters
    ----------
    classes : int
        Number of glyph classes (10 for digits); index 0 of the output is the CTC blank.
    channels : tuple of int
        Channels of the two convolution stages.
    hidden : int
        GRU hidden size per direction.
    height : int
        Input image height (a multiple of 4).
    """

    def __init__(
        self, classes: int = 10, channels=(24, 48), hidden: int = 64, height: int = 28
    ) -> None:
        super().__init__()
        c1, c2 = channels

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.features = nn.Sequential(
            nn.AvgPool2d(2),  # H/2 × W/2
            *block(1, c1),
            nn.MaxPool2d(2),  # H/4 × W/4
            *block(c1, c2),
            nn.MaxPool2d((1, 2)),  # H/4 × W/8
        )
        self.project = nn.Linear(c2 * (height // 4), 2 * hidden)
        self.rnn = nn.GRU(2 * hidden, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, classes + 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """``(B, 1, H, W)`` uint8 or float → ``(W/8, B, classes + 1)`` log-probabilities."""
        if images.dtype == torch.uint8:
            images = images.float().div_(255.0)
        features = self.features(images)  # (B, C, H/4, T)
        batch, channels, rows, steps = features.shape
        columns = features.permute(0, 3, 1, 2).reshape(batch, steps, channels * rows)
        sequence, _ = self.rnn(torch.relu(self.project(columns)))  # (B, T, 2 * hidden)
        return self.head(sequence).log_softmax(-1).transpose(0, 1)


def greedy_decode(log_probs: torch.Tensor, classes: tuple[str, ...]) -> list[str]:
    """Best-path CTC decoding: argmax per step, merge repeats, drop blanks."""
    best = log_probs.argmax(-1).transpose(0, 1).tolist()  # (B, T)
    texts = []
    for row in best:
        out, previous = [], 0
        for k in row:
            if k != previous and k != 0:
                out.append(classes[k - 1])
            previous = k
        texts.append("".join(out))
    return texts


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ca != cb))
    return row[-1]


@dataclass(frozen=True)
class Scores:
    """Exact-sequence accuracy and character error rate over ``count`` images."""

    accuracy: float
    cer: float
    count: int


@torch.no_grad()
def evaluate(model: nn.Module, batches: Iterable[dict], classes: tuple[str, ...]) -> Scores:
    """Score ``model`` on batches from :func:`~seqstudio.torch.ctc_collate`.

    CER is the summed edit distance over the summed label length.
    """
    model.eval()
    exact = errors = chars = count = 0
    for batch in batches:
        for guess, truth in zip(greedy_decode(model(batch["images"]), classes), batch["labels"]):
            exact += guess == truth
            errors += edit_distance(guess, truth)
            chars += len(truth)
            count += 1
    model.train()
    return Scores(exact / max(count, 1), errors / max(chars, 1), count)


def train(
    model: nn.Module,
    batches: Iterable[dict],
    *,
    seconds: float,
    learning_rate: float = 3e-3,
    report: Callable[[int, int, float], None] | None = None,
    report_every: int = 100,
) -> int:
    """Train with CTC loss and AdamW (one-cycle schedule) for about ``seconds``.

    Parameters
    ----------
    model : nn.Module
        A :class:`CRNN`.
    batches : iterable of dict
        ``ctc_collate`` batches; iterated until the time is up (make it long enough).
    seconds : float
        Wall-clock training budget; the learning-rate schedule is laid over it.
    learning_rate : float
        Peak learning rate.
    report : callable, optional
        ``report(step, images_seen, loss)`` every ``report_every`` steps.

    Returns
    -------
    int
        Images trained on.
    """
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    start = time.perf_counter()
    seen = 0
    model.train()
    for step, batch in enumerate(batches, 1):
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
        fraction = elapsed / seconds
        warm = min(1.0, fraction / 0.05)
        for group in optimiser.param_groups:  # linear warm-up, then cosine-like decay to 2 %
            group["lr"] = learning_rate * warm * (0.02 + 0.98 * (1 - fraction) ** 2)
        log_probs = model(batch["images"])
        steps = torch.full((log_probs.shape[1],), log_probs.shape[0], dtype=torch.int64)
        loss = ctc(log_probs, batch["targets"], steps, batch["target_lengths"])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimiser.step()
        seen += len(batch["labels"])
        if report is not None and step % report_every == 0:
            report(step, seen, loss.item())
    return seen
