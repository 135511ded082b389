"""Batch export of labelled datasets (no Qt): see :func:`export_dataset`.

The GUI's export dialog and ``seqstudio export`` are thin layers over
:func:`~seqstudio.core.export.engine.export_dataset`; both finish an interrupted export
with the settings :func:`~seqstudio.core.export.resume.resume_settings` reads back.
"""

from seqstudio.core.export.checksums import CheckReport
from seqstudio.core.export.engine import ExportResult, export_dataset, run_export
from seqstudio.core.export.errors import ExportError, FolderNotEmptyError
from seqstudio.core.export.folder import recorded_count, verify_export
from seqstudio.core.export.job import ExportJob
from seqstudio.core.export.lock import ExportLockedError, export_lock, lock_holder
from seqstudio.core.export.options import ExportOptions, parse_splits
from seqstudio.core.export.plan import prepare_export
from seqstudio.core.export.resume import ResumeConflict, ResumeSettings, resume_settings

__all__ = [
    "CheckReport",
    "ExportLockedError",
    "export_lock",
    "lock_holder",
    "verify_export",
    "ExportError",
    "ExportJob",
    "ExportOptions",
    "ExportResult",
    "FolderNotEmptyError",
    "ResumeConflict",
    "ResumeSettings",
    "export_dataset",
    "prepare_export",
    "recorded_count",
    "parse_splits",
    "resume_settings",
    "run_export",
]
