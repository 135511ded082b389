"""Connects the model to the preview's newest-wins worker: coalescing, request ids, delivery.

Lives in the GUI thread. Edits arrive as ``candidateChanged`` and are throttled: an edit
after a quiet period is submitted at once (no added latency) and opens a
``DEBOUNCE_MS`` window; edits inside the window are coalesced and only the newest is
submitted when it closes. A dragged slider therefore yields a render every
``DEBOUNCE_MS`` at most, always ending with its final value. Requests run on a
:class:`~seqstudio.gui.runners.LatestRunner` (:func:`~seqstudio.gui.preview_render.render_preview`):
a new request stops the running one and what an older request still yields is dropped, so
the last thing shown is always the last thing asked for.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from seqstudio.core.spec import GenerationSpec
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.preview_render import (
    PreviewFailure,
    PreviewRequest,
    PreviewResult,
    SheetResult,
    render_preview,
)
from seqstudio.gui.runners import LatestRunner

DEBOUNCE_MS = 15
SHEET_SIZES = {"4×4": 16, "8×4": 32}


class PreviewController(QObject):
    """Renders the model's candidate specs on a newest-wins :class:`LatestRunner`.

    Signals (all emitted in the GUI thread)
    -------
    previewReady(PreviewResult)
        The selected sample of the newest request.
    sheetReady(SheetResult)
        The contact sheet of the newest request.
    previewFailed(PreviewFailure)
        The newest request's spec was rejected by the glyph data.
    busyChanged(bool)
        Whether the newest edit is not answered yet (see :meth:`is_busy`).
    """

    previewReady = Signal(object)
    sheetReady = Signal(object)
    previewFailed = Signal(object)
    busyChanged = Signal(bool)

    def __init__(self, model: GeneratorModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._next_id = 0
        self._latest_id = -1
        self._index = 0
        self._busy = False
        self._latest_spec: GenerationSpec | None = None
        self._stopped = False
        self.last_result: PreviewResult | None = None
        self.last_sheet: SheetResult | None = None
        self._sheet_count = 0
        self.width_range = ""
        self.classes: tuple[str, ...] = ()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer)
        self._waiting = False
        self._latest_request: PreviewRequest | None = None
        self._worker = LatestRunner("seqstudio-preview", self)
        self._worker.yielded.connect(self._on_yielded)
        self._worker.errored.connect(self._on_error)
        model.candidateChanged.connect(self._on_candidate)

    # ------------------------------------------------------------------ requests
    @property
    def selected_index(self) -> int:
        """The sample shown large (an index of the contact sheet)."""
        return self._index

    @property
    def sheet_count(self) -> int:
        """How many contact-sheet samples each request renders (0: none)."""
        return self._sheet_count

    def set_sheet_count(self, count: int) -> None:
        """Render ``count`` contact-sheet samples per request; re-render if more are needed."""
        count = max(0, int(count))
        if count == self._sheet_count:
            return
        self._sheet_count = count
        sheet = self.last_sheet
        have = (
            len(sheet.samples) if sheet is not None and sheet.request_id == self._latest_id else 0
        )
        if count > have:
            self.regenerate()

    def is_busy(self) -> bool:
        """Whether the newest edit is not answered yet.

        True while a request renders and while an edit waits for the throttle window.
        """
        return self._busy

    def _on_candidate(self, spec: GenerationSpec) -> None:
        if self._stopped:
            return
        self._latest_spec = spec
        if self._timer.isActive():
            self._waiting = True  # coalesced: submitted when the window closes
            self._set_busy(True)
            return
        self._submit_newest()
        self._timer.start()

    def _on_timer(self) -> None:
        if self._waiting:
            self._waiting = False
            self._submit_newest()
            self._timer.start()

    def regenerate(self) -> None:
        """Render the current candidate again now (e.g. after a source folder changed)."""
        spec = self._model.candidate
        if spec is None:
            return
        self._latest_spec = spec
        self._timer.stop()
        self._waiting = False
        self._submit_newest()

    def request_now(self) -> None:
        """Submit the model's candidate without waiting for the throttle (start-up)."""
        self.regenerate()

    def _submit_newest(self) -> None:
        spec = self._latest_spec
        if spec is None or self._stopped:
            return
        request = PreviewRequest(self._next_id, spec, self._index, self._sheet_count)
        self._latest_id = self._next_id
        self._latest_request = request
        self._next_id += 1
        self._set_busy(True)
        self._worker.submit(lambda job: render_preview(request, job))

    # ------------------------------------------------------------------ results
    # Only the newest request's values arrive here (the runner drops stale ones).
    def _on_yielded(self, value: PreviewResult | SheetResult | PreviewFailure) -> None:
        if isinstance(value, PreviewResult):
            self._on_rendered(value)
        elif isinstance(value, SheetResult):
            self._on_sheet(value)
        elif isinstance(value, PreviewFailure):
            self._on_failed(value)

    def _on_error(self, exc: Exception) -> None:
        # an unexpected error after the main sample (in the contact sheet)
        request = self._latest_request
        if request is not None:
            message = f"{type(exc).__name__}: {exc}"
            self._on_failed(PreviewFailure(request.request_id, request.spec, "spec", message, 0.0))

    def _on_rendered(self, result: PreviewResult) -> None:
        self.last_result = result
        self.width_range = result.width_range
        self.classes = result.classes
        self._model.accept_rendered(result.spec)
        if self._sheet_count == 0:
            self._set_busy(self._waiting)
        self.previewReady.emit(result)

    def _on_sheet(self, result: SheetResult) -> None:
        self.last_sheet = result
        if result.complete:
            self._set_busy(self._waiting)
        self.sheetReady.emit(result)

    def _on_failed(self, failure: PreviewFailure) -> None:
        self._set_busy(self._waiting)
        self._model.reject_rendered(failure.spec, failure.field, failure.message)
        self.previewFailed.emit(failure)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    # ------------------------------------------------------------------ selection
    def select(self, index: int) -> None:
        """Show sample ``index`` large (taken from the contact sheet when it has it)."""
        self._index = index
        sheet = self.last_sheet
        if sheet is not None and sheet.request_id == self._latest_id:
            for sample in sheet.samples:
                if sample.index == index and self.last_result is not None:
                    result = self.last_result
                    selected = PreviewResult(
                        result.request_id,
                        result.spec,
                        sample,
                        result.width_range,
                        result.classes,
                        0.0,
                    )
                    self.last_result = selected
                    self.previewReady.emit(selected)
                    return
        self.regenerate()

    # ------------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Stop the timer and the render thread, and wait for it to end."""
        self._timer.stop()
        self._waiting = False
        self._stopped = True
        self._worker.shutdown()

    def is_running(self) -> bool:
        """Whether the render thread or the throttle timer is still active."""
        return self._worker.is_running() or self._timer.isActive()
