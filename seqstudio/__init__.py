"""seqstudio: images of handwritten digit sequences, with exact labels, boxes and masks."""

from seqstudio._version import __version__

__all__ = ["__version__", "generate_numbers_sequence"]


def __getattr__(name: str):
    # Lazy, so that ``import seqstudio`` (and ``seqstudio --help``) stays fast.
    if name == "generate_numbers_sequence":
        from seqstudio.core.api import generate_numbers_sequence

        return generate_numbers_sequence
    raise AttributeError(f"module 'seqstudio' has no attribute {name!r}")
