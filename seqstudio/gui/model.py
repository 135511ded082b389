"""The one model object of the window: the generation spec and the edits pending on it.

Panels are thin views of :class:`GeneratorModel`. A panel writes an edit through
:meth:`GeneratorModel.set_values`; the model validates it at once (the spec dataclass
checks itself) and, when valid, publishes it as the new *candidate* spec for the preview
worker, which checks it against the glyph data (labels present, width feasible) while
rendering it. Only a candidate the worker rendered becomes the model's :attr:`spec`, the
*last good* spec; an invalid edit stays *pending* (shown in its widget with an inline
message) and the last good spec and preview are kept.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QObject, Signal

from seqstudio.core.errors import SpecError
from seqstudio.core.spec import GenerationSpec

SPEC_FIELDS = tuple(f.name for f in dataclasses.fields(GenerationSpec))


def field_root(field: str) -> str:
    """The spec attribute an error field belongs to: ``"digits[2]"`` → ``"digits"``."""
    return field.split("[", 1)[0].split(".", 1)[0]


class GeneratorModel(QObject):
    """Holds the last good :class:`GenerationSpec`, the pending edits and the problems.

    Parameters
    ----------
    spec : GenerationSpec, optional
        The starting spec (default: ``GenerationSpec()``).

    Signals
    -------
    valuesChanged
        The values to display changed (an edit, a preset, a new seed); views refresh
        their widgets with signals blocked.
    candidateChanged(GenerationSpec)
        A new valid-looking spec to render and check against the glyph data.
    specChanged(GenerationSpec)
        The last good spec changed (a candidate was rendered successfully).
    problemsChanged(dict)
        ``{field: message}`` of the current problems (empty when all is well).
    """

    valuesChanged = Signal()
    candidateChanged = Signal(object)
    specChanged = Signal(object)
    problemsChanged = Signal(object)

    def __init__(self, spec: GenerationSpec | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spec = spec if spec is not None else GenerationSpec()
        self._candidate: GenerationSpec | None = self._spec
        self._pending: dict[str, Any] = {}
        self._edit_problem: dict[str, str] = {}
        self._render_problem: dict[str, str] = {}

    # ------------------------------------------------------------------ reading
    @property
    def spec(self) -> GenerationSpec:
        """The last good spec: valid, and rendered by the preview worker."""
        return self._spec

    @property
    def candidate(self) -> GenerationSpec | None:
        """The newest spec built from the edits (``None`` while an edit is invalid)."""
        return self._candidate

    @property
    def pending(self) -> dict[str, Any]:
        """Edits not (yet) part of the last good spec, by field name."""
        return dict(self._pending)

    @property
    def problems(self) -> dict[str, str]:
        """``{field: message}`` of what is wrong with the current edits."""
        return {**self._render_problem, **self._edit_problem}

    def value(self, name: str) -> Any:
        """The value to display for spec field ``name`` (a pending edit if there is one)."""
        if name in self._pending:
            return self._pending[name]
        return getattr(self._spec, name)

    def is_good(self) -> bool:
        """Whether the displayed values are exactly the last good spec."""
        return not self._pending and not self.problems and self._candidate == self._spec

    # ------------------------------------------------------------------ writing
    def set_values(self, **changes: Any) -> bool:
        """Edit spec fields; return whether the edited spec is valid as a dataclass.

        A valid result becomes the new candidate (``candidateChanged``); an invalid one
        is kept pending with its message in :attr:`problems`. Either way the last good
        :attr:`spec` is untouched until the preview worker renders the candidate.
        """
        unknown = set(changes) - set(SPEC_FIELDS)
        if unknown:
            raise KeyError(f"not GenerationSpec fields: {', '.join(sorted(unknown))}")
        self._pending.update(changes)
        return self._rebuild()

    def set_spec(self, spec: GenerationSpec) -> None:
        """Show a whole new spec (an opened preset); it is rendered and checked like an edit."""
        self._pending = {
            name: getattr(spec, name)
            for name in SPEC_FIELDS
            if getattr(spec, name) != getattr(self._spec, name)
        }
        self._rebuild()

    def revert(self) -> None:
        """Drop every pending edit and go back to the last good spec."""
        self._pending.clear()
        self._rebuild()

    def _rebuild(self) -> bool:
        old_problems = self.problems
        try:
            candidate = self._spec.replace(**self._pending)
        except SpecError as exc:
            self._edit_problem = {exc.field: exc.message}
            self._candidate = None
            self.valuesChanged.emit()
            self._emit_problems_if_changed(old_problems)
            return False
        self._edit_problem = {}
        # Normalise pending values to what the spec made of them ("123" → ("1", "2", "3")).
        self._pending = {name: getattr(candidate, name) for name in self._pending}
        self._pending = {k: v for k, v in self._pending.items() if v != getattr(self._spec, k)}
        self._candidate = candidate
        self.valuesChanged.emit()
        self._emit_problems_if_changed(old_problems)
        self.candidateChanged.emit(candidate)
        return True

    # ------------------------------------------------------------------ worker verdicts
    def accept_rendered(self, spec: GenerationSpec) -> None:
        """The preview worker rendered ``spec``; it becomes the last good spec if current."""
        if spec != self._candidate:
            return  # an answer about an older candidate
        old_problems = self.problems
        self._render_problem = {}
        changed = spec != self._spec
        self._spec = spec
        self._pending = {}
        if changed:
            self.specChanged.emit(spec)
        self._emit_problems_if_changed(old_problems)

    def reject_rendered(self, spec: GenerationSpec, field: str, message: str) -> None:
        """The preview worker found ``spec`` invalid (``field``: ``message``)."""
        if spec != self._candidate:
            return
        old_problems = self.problems
        self._render_problem = {field: message}
        self._emit_problems_if_changed(old_problems)

    def _emit_problems_if_changed(self, old: dict[str, str]) -> None:
        new = self.problems
        if new != old:
            self.problemsChanged.emit(new)
