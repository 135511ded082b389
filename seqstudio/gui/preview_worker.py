"""The preview render thread: newest request wins, stale results are dropped.

Like the Qt ``mandelbrot`` example, the thread keeps only the newest request under a
lock. It builds the :class:`~seqstudio.core.generator.SequenceGenerator` (which touches
glyph data and checks the spec against it), renders the selected sample, converts it to a
``QImage`` and emits it, then — once no newer request came for ``SHEET_DELAY_S`` —
renders the contact sheet of samples ``0 … k-1`` (emitted in growing batches, so the
first rows show while the rest render). Before each emit and
between samples it checks for a newer request and drops its own work if one arrived. Results reach the GUI
thread through queued signals; the GUI thread never runs numpy or file work.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from seqstudio.core.errors import DataError, SpecError
from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.imaging import array_to_qimage, mask_to_overlay
from seqstudio.gui.latest_worker import LatestMailbox
from seqstudio.gui.threads import register


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


class PreviewWorker(QThread):
    """A render thread taking the newest :class:`PreviewRequest`.

    Signals are emitted from the render thread; connect them to GUI-thread objects
    (queued), never wait on them directly in tests.
    """

    rendered = Signal(object)  # PreviewResult
    sheetRendered = Signal(object)  # SheetResult
    failed = Signal(object)  # PreviewFailure

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        register(self)
        self.setObjectName("seqstudio-preview")
        self._mailbox = LatestMailbox()

    def submit(self, request: PreviewRequest) -> None:
        """Replace any waiting request with ``request`` and wake the thread."""
        self._mailbox.put(request)

    def stop(self) -> None:
        """Ask the thread to finish after its current step; :meth:`wait` for it."""
        self._mailbox.stop()

    def _superseded(self) -> bool:
        return self._mailbox.superseded()

    def run(self) -> None:  # noqa: D102 - QThread API
        while (request := self._mailbox.take()) is not None:
            self._render(request)

    def _render(self, request: PreviewRequest) -> None:
        from seqstudio.core.generator import SequenceGenerator

        start = time.perf_counter()
        spec = request.spec
        try:
            generator = SequenceGenerator(spec)
            main = render_sample(generator, request.index)
        except SpecError as exc:
            self._fail(request, exc.field, exc.message, start, _width_range_text(spec, exc))
            return
        except DataError as exc:
            self._fail(request, "source", str(exc), start)
            return
        except Exception as exc:  # any other failure: report it, keep the thread alive
            self._fail(request, "spec", f"{type(exc).__name__}: {exc}", start)
            return
        elapsed = (time.perf_counter() - start) * 1000.0
        if self._superseded():
            return
        classes = tuple(generator.source.pool(spec.pool).classes)
        self.rendered.emit(
            PreviewResult(
                request.request_id, spec, main, generator.width_range.describe(), classes, elapsed
            )
        )
        if request.sheet_count and self._mailbox.wait_superseded(SHEET_DELAY_S):
            return
        samples: list[RenderedSample] = []
        for index in range(request.sheet_count):
            if self._superseded():
                return
            samples.append(main if index == request.index else render_sample(generator, index))
            if len(samples) % SHEET_BATCH == 0 and len(samples) < request.sheet_count:
                self.sheetRendered.emit(
                    SheetResult(request.request_id, spec, list(samples), complete=False)
                )
        if not self._superseded():
            self.sheetRendered.emit(SheetResult(request.request_id, spec, samples))

    def _fail(
        self, request: PreviewRequest, field: str, message: str, start: float, widths: str = ""
    ) -> None:
        if self._superseded():
            return
        elapsed = (time.perf_counter() - start) * 1000.0
        self.failed.emit(
            PreviewFailure(
                request.request_id,
                request.spec,
                field,
                message,
                elapsed,
                _source_classes(request.spec),
                widths,
            )
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
