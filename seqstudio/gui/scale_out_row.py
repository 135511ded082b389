"""The export dialog's scale-out row: images per shard file and a Dask cluster address.

A thin view: :meth:`ScaleOutRow.images_per_file` and :meth:`ScaleOutRow.cluster` are read
when the dialog builds its request; :meth:`ScaleOutRow.set_format` enables the shard-file
size only for the shard formats. Nothing here runs work.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from seqstudio.core.errors import SpecError
from seqstudio.core.export.options import MAX_IMAGES_PER_FILE, SHARD_FORMATS

#: Format-combo entries for the shard formats: (text, data).
SHARD_FORMAT_ITEMS = (
    ("WebDataset tar shards (PNG + JSON)", "webdataset"),
    ("Parquet shards (PNG bytes + label columns)", "parquet"),
)
DEFAULT_IMAGES_PER_FILE = 10_000
_ADDRESS = re.compile(r"(tcp|tls|ucx|inproc|ws|wss)://[^\s/]+(:\d+)?/?")


class ScaleOutRow(QWidget):
    """Images per tar/Parquet file, and "run on a Dask cluster" with an optional address."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.per_file_spin = QSpinBox()
        self.per_file_spin.setRange(1, MAX_IMAGES_PER_FILE)
        self.per_file_spin.setValue(DEFAULT_IMAGES_PER_FILE)
        self.per_file_spin.setGroupSeparatorShown(True)
        self.per_file_spin.setToolTip("Images per WebDataset tar or Parquet file")
        self.dask_check = QCheckBox("Dask cluster")
        self.dask_check.setToolTip(
            "Run on Dask distributed: the scheduler address below, or a local cluster "
            "of the workers above when it is empty"
        )
        self.address_edit = QLineEdit()
        self.address_edit.setPlaceholderText("tcp://host:8786 (empty: local cluster)")
        self.address_edit.setEnabled(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("images/file"))
        row.addWidget(self.per_file_spin)
        row.addWidget(self.dask_check)
        row.addWidget(self.address_edit, 1)
        self.per_file_spin.valueChanged.connect(self.edited)
        self.dask_check.toggled.connect(self._on_dask_toggled)
        self.address_edit.textChanged.connect(self.edited)
        self.set_format("png")

    def _on_dask_toggled(self, on: bool) -> None:
        self.address_edit.setEnabled(on)
        self.edited.emit()

    def set_format(self, fmt: str) -> None:
        """Enable the shard-file size only for webdataset/parquet."""
        self.per_file_spin.setEnabled(fmt in SHARD_FORMATS)

    def images_per_file(self) -> int:
        """Images per shard file."""
        return self.per_file_spin.value()

    def cluster(self) -> str | None:
        """``None``: no cluster; ``""``: a local Dask cluster; else the scheduler address.

        Raises
        ------
        SpecError
            ``scheduler``: the address is not ``PROTOCOL://HOST[:PORT]``.
        """
        if not self.dask_check.isChecked():
            return None
        text = self.address_edit.text().strip()
        if text and not _ADDRESS.fullmatch(text):
            raise SpecError(
                "scheduler", f"{text!r} is not a Dask scheduler address such as tcp://host:8786"
            )
        return text

    def inputs(self) -> list[QWidget]:
        """The editable widgets (disabled while an export runs)."""
        return [self.per_file_spin, self.dask_check, self.address_edit]
