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


#: Longest value shown whole in a message.
BRIEF_LIMIT = 60


def brief(value: object) -> str:
    """``repr(value)`` short enough for a one-line message.

    A 5,000-digit number becomes ``99999…9 (5,000 digits)``; a long string keeps its
    start and says how long it is. Nothing longer than a few dozen characters is shown,
    and no huge int is ever converted to text.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        digits = value.bit_length() * 30103 // 100000 + 1  # about log10(2) per bit
        if digits > 40:
            return f"a number of about {digits:,} digits"
        return str(value)
    if isinstance(value, (str, bytes)) and len(value) > BRIEF_LIMIT:
        return f"{value[:20]!r}… ({len(value):,} characters)"
    if isinstance(value, (list, tuple, dict)) and len(value) > 20:
        return f"a {type(value).__name__} of {len(value):,} items"
    text = repr(value)
    return text if len(text) <= BRIEF_LIMIT else text[: BRIEF_LIMIT - 1] + "…"
