"""The error export raises for problems with the output (folder, disk, resume state)."""

from seqstudio.core.errors import SeqstudioError


class ExportError(SeqstudioError):
    """The output folder cannot be used or written: one line naming the folder and the cause."""


class FolderNotEmptyError(ExportError):
    """The output folder holds files and neither resume nor overwrite was asked for.

    ``folder`` is the folder; front ends reword the advice with their own controls.
    """

    def __init__(self, folder, message: str) -> None:
        self.folder = folder
        super().__init__(message)
