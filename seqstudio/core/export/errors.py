"""The error export raises for problems with the output (folder, disk, resume state)."""

from seqstudio.core.errors import SeqstudioError


class ExportError(SeqstudioError):
    """The output folder cannot be used or written: one line naming the folder and the cause."""
