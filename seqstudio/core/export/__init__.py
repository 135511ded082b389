"""Batch export of labelled datasets (no Qt): see :func:`export_dataset`.

The GUI's export dialog and ``seqstudio export`` are thin layers over
:func:`~seqstudio.core.export.engine.export_dataset`.
"""

from seqstudio.core.export.engine import ExportResult, export_dataset
from seqstudio.core.export.errors import ExportError
from seqstudio.core.export.options import ExportOptions, parse_splits

__all__ = ["ExportError", "ExportOptions", "ExportResult", "export_dataset", "parse_splits"]
