"""What every parameter panel shares: the model binding and inline problem messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QWidget

from seqstudio.gui.model import GeneratorModel, field_root

ERROR_STYLE = "color: #b00020;"


class WrappedLabel(QLabel):
    """A word-wrapped label that asks for the height its text needs at its width.

    Layouts without height-for-width support (dock widgets, forms in docks) would
    otherwise cut a long message off at the bottom.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def _fit(self) -> None:
        needed = self.heightForWidth(max(1, self.width())) if self.text() else 0
        if needed != self.minimumHeight():
            self.setMinimumHeight(max(0, needed))

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit()


def problem_label() -> QLabel:
    """A hidden, word-wrapped red label for an inline problem message."""
    label = WrappedLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label


@contextmanager
def signals_blocked(*objects: QObject) -> Iterator[None]:
    """Block the signals of ``objects`` for the duration (no echo back to the model)."""
    previous = [obj.blockSignals(True) for obj in objects]
    try:
        yield
    finally:
        for obj, was in zip(objects, previous):
            obj.blockSignals(was)


class SpecPanel(QWidget):
    """A thin view of some spec fields.

    Subclasses build their widgets, fill :attr:`problem_labels` (spec field root →
    label shown under the field), implement :meth:`refresh` (model → widgets, with
    signals blocked) and write edits with ``self.model.set_values(...)``.
    """

    #: Spec fields this panel edits (roots such as ``"digits"``, ``"random"``).
    FIELDS: tuple[str, ...] = ()

    def __init__(self, model: GeneratorModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.problem_labels: dict[str, QLabel] = {}

    def bind(self) -> None:
        """Connect to the model and show its current values (call at the end of ``__init__``)."""
        self.model.valuesChanged.connect(self.refresh)
        self.model.problemsChanged.connect(self.show_problems)
        self.refresh()
        self.show_problems(self.model.problems)

    def refresh(self) -> None:
        """Update every widget from the model's displayed values."""
        raise NotImplementedError

    def problem_key(self, field: str) -> str | None:
        """Which of :attr:`problem_labels` shows a problem with ``field`` (or ``None``)."""
        root = field_root(field)
        return root if root in self.problem_labels else None

    def show_problems(self, problems: dict[str, str]) -> None:
        """Show the messages of ``problems`` that concern this panel next to their fields."""
        shown: dict[str, str] = {}
        for field, message in problems.items():
            key = self.problem_key(field)
            if key is not None:
                shown[key] = f"{field}: {message}"
        for key, label in self.problem_labels.items():
            text = shown.get(key, "")
            label.setText(text)
            label.setVisible(bool(text))

    def problem_text(self, key: str) -> str:
        """The inline message shown for ``key`` ("" when none)."""
        label = self.problem_labels.get(key)
        return label.text() if label is not None and label.isVisibleTo(self) else ""
