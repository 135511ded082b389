"""Errors raised by the core: every one names what is wrong in words a user can act on."""


class SeqstudioError(Exception):
    """Base class of every error seqstudio reports to a user."""


class SpecError(SeqstudioError, ValueError):
    """An invalid generation setting.

    Parameters
    ----------
    field : str
        The spec field at fault, e.g. ``"spacing.max"`` or ``"augment[2].params.angle"``.
    message : str
        What is wrong and what is allowed, e.g. ``"-3 is below the minimum 0"``.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class DataError(SeqstudioError, ValueError):
    """A glyph source (IDX files, image folder, bundled data) that cannot be read."""
