"""The seed: shown, editable, lockable, re-rolled by a button or a shortcut."""

from __future__ import annotations

import secrets

from PySide6.QtCore import QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QToolButton, QWidget

from seqstudio.core.spec import MAX_SEED
from seqstudio.gui.model import GeneratorModel
from seqstudio.gui.panels.base import signals_blocked

REROLL_LIMIT = 10**9  # re-rolled seeds stay short enough to read and type


class SeedBar(QWidget):
    """Seed entry with lock and re-roll buttons, bound to the model's ``seed``.

    Signals
    -------
    lockChanged(bool)
    """

    lockChanged = Signal(bool)

    def __init__(self, model: GeneratorModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.seed_edit = QLineEdit()
        self.seed_edit.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,19}"), self.seed_edit)
        )
        self.seed_edit.setToolTip(f"Seed (0–{MAX_SEED}); the same seed gives the same images")
        self.seed_edit.setFixedWidth(150)
        self.lock_button = QToolButton()
        self.lock_button.setText("Lock")
        self.lock_button.setCheckable(True)
        self.lock_button.setToolTip(
            "Lock the seed: no re-roll, and opened presets keep this seed (Ctrl+L)"
        )
        self.reroll_button = QToolButton()
        self.reroll_button.setText("Re-roll")
        self.reroll_button.setToolTip("Draw a new random seed (Ctrl+R)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("Seed"))
        layout.addWidget(self.seed_edit)
        layout.addWidget(self.lock_button)
        layout.addWidget(self.reroll_button)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)

        self.seed_edit.textEdited.connect(self._on_edited)
        self.lock_button.toggled.connect(self._on_lock)
        self.reroll_button.clicked.connect(self.reroll)
        model.valuesChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Show the model's seed."""
        text = str(self.model.value("seed"))
        if self.seed_edit.text() != text:
            with signals_blocked(self.seed_edit):
                self.seed_edit.setText(text)

    def is_locked(self) -> bool:
        """Whether the seed is locked."""
        return self.lock_button.isChecked()

    def set_locked(self, locked: bool) -> None:
        """Lock or unlock the seed."""
        self.lock_button.setChecked(locked)

    def reroll(self) -> bool:
        """Draw a new seed unless locked; return whether it changed."""
        if self.is_locked():
            return False
        current = self.model.value("seed")
        seed = current
        while seed == current:
            seed = secrets.randbelow(REROLL_LIMIT)
        self.model.set_values(seed=seed)
        return True

    def _on_edited(self, text: str) -> None:
        self.model.set_values(seed=int(text) if text.isdigit() else text)

    def _on_lock(self, locked: bool) -> None:
        self.reroll_button.setEnabled(not locked)
        self.seed_edit.setReadOnly(locked)
        self.lockChanged.emit(locked)
