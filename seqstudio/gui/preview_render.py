"""What the preview renders, on a newest-wins worker: one request in, typed results out.

:func:`render_preview` is the work of one preview request (run by the
:class:`~seqstudio.gui.runners.LatestRunner` of
:class:`~seqstudio.gui.preview_controller.PreviewController`, so a newer request stops it
and drops what it still yields). It builds the
:class:`~seqstudio.core.generator.SequenceGenerator` (which touches glyph data and checks
the spec against it), renders the selected sample and yields it as a
:class:`PreviewResult` (``QImage`` included), then — once no newer request came for
``SHEET_DELAY_S`` — renders the contact sheet of samples ``0 … k-1``, yielded as
:class:`SheetResult` s in growing batches, so the first rows show while the rest render. A
spec the glyph data rejects yields a :class:`PreviewFailure`. The GUI thread never runs
numpy or file work.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtGui import QImage

from seqstudio.core.errors import DataError, SpecError
from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.imaging import array_to_qimage, mask_to_overlay
from seqstudio.gui.workers import Job


@dataclass(frozen=True)
class PreviewRequest:
    """What to render: a spec, the selected sample and how many contact-sheet samples."""

    request_id: int
    spec: GenerationSpec
    index: int = 0
    sheet_count: int = 16


@dataclass(frozen=True, eq=False)
class RenderedSample:
    """One rendered sample: the image as QImage and array, its metadata and mask tint."""

    index: int
    image: QImage
    array: np.ndarray
    meta: dict[str, Any]
    mask_tint: QImage = field(default_factory=QImage)


@dataclass(frozen=True, eq=False)
class PreviewResult:
    """The selected sample of a request, plus what the worker learnt about the spec."""

    request_id: int
    spec: GenerationSpec
    sample: RenderedSample
    width_range: str
    classes: tuple[str, ...]
    elapsed_ms: float


@dataclass(frozen=True, eq=False)
class SheetResult:
    """Samples ``0 … j-1`` of a request's contact sheet (``complete`` once all are there)."""

    request_id: int
    spec: GenerationSpec
    samples: list[RenderedSample] = field(default_factory=list)
    complete: bool = True


@dataclass(frozen=True)
class PreviewFailure:
    """A request whose spec the glyph data rejects (or an unexpected error)."""

    request_id: int
    spec: GenerationSpec
    field: str
    message: str
    elapsed_ms: float
    classes: tuple[str, ...] = ()
    width_range: str = ""  # feasible widths of the rejected spec ("" when unknown)


SHEET_BATCH = 8
#: Quiet time after the main preview before the contact sheet renders: while a slider
#: is dragged only the large preview follows it (the sheet would only be thrown away and
#: compete with the GUI thread for the interpreter); the sheet catches up when it stops.
SHEET_DELAY_S = 0.12


def render_sample(generator, index: int) -> RenderedSample:
    """Generate sample ``index`` and convert it for display, mask tint included (worker)."""
    sample = generator.generate(index, masks=True)
    return RenderedSample(
        index,
        array_to_qimage(sample.image),
        sample.image,
        sample.to_dict(),
        mask_to_overlay(sample.mask),
    )


def render_preview(
    request: PreviewRequest, job: Job
) -> Iterator[PreviewResult | SheetResult | PreviewFailure]:
    """Worker: yield the selected sample, then the contact sheet, of ``request``.

    Stops (yielding nothing more) as soon as ``job`` is cancelled by a newer request.
    """
    from seqstudio.core.generator import SequenceGenerator

    start = time.perf_counter()
    spec = request.spec
    try:
        generator = SequenceGenerator(spec)
        main = render_sample(generator, request.index)
    except SpecError as exc:
        yield _failure(request, exc.field, exc.message, start, _width_range_text(spec, exc))
        return
    except DataError as exc:
        yield _failure(request, "source", str(exc), start)
        return
    except Exception as exc:  # any other failure: reported like a rejected spec
        yield _failure(request, "spec", f"{type(exc).__name__}: {exc}", start)
        return
    elapsed = (time.perf_counter() - start) * 1000.0
    classes = tuple(generator.source.pool(spec.pool).classes)
    yield PreviewResult(
        request.request_id, spec, main, generator.width_range.describe(), classes, elapsed
    )
    if request.sheet_count and job.wait_cancelled(SHEET_DELAY_S):
        return
    samples: list[RenderedSample] = []
    for index in range(request.sheet_count):
        if job.cancelled():
            return
        samples.append(main if index == request.index else render_sample(generator, index))
        if len(samples) % SHEET_BATCH == 0 and len(samples) < request.sheet_count:
            yield SheetResult(request.request_id, spec, list(samples), complete=False)
    yield SheetResult(request.request_id, spec, samples)


def _failure(
    request: PreviewRequest, field: str, message: str, start: float, widths: str = ""
) -> PreviewFailure:
    elapsed = (time.perf_counter() - start) * 1000.0
    return PreviewFailure(
        request.request_id,
        request.spec,
        field,
        message,
        elapsed,
        _source_classes(request.spec),
        widths,
    )


def _width_range_text(spec: GenerationSpec, exc: SpecError) -> str:
    """The feasible widths of a rejected spec: from a width error, else measured."""
    from seqstudio.core.layout import WidthError
    from seqstudio.core.widths import feasible_width_range

    if isinstance(exc, WidthError):
        return exc.width_range.describe()
    try:
        return feasible_width_range(spec).describe()
    except Exception:  # the spec's labels or source are what is wrong: no range to show
        return ""


def _source_classes(spec: GenerationSpec) -> tuple[str, ...]:
    """The labels of the spec's glyph pool, or ``()`` if the source cannot be opened."""
    from seqstudio.core.glyphs import open_source

    try:
        return tuple(open_source(spec.source).pool(spec.pool).classes)
    except Exception:  # the failure being reported is the source itself
        return ()
