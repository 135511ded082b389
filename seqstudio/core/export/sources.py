"""Sequence sources: what label sequence each exported image shows.

Three sources exist:

* a fixed sequence (``spec.digits``), ``count`` times;
* random sequences (``spec.random``: length range, labels, weights), ``count`` images;
* a text/CSV file of sequences, one per line, each optionally followed by a count::

      # comments and blank lines are ignored; a header "sequence,count" is allowed
      14543
      2024,50
      A B C 10     (labels separated by spaces, for labels longer than one character)

  A line without a count gets ``count`` images.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from seqstudio.core.errors import SpecError
from seqstudio.core.fileio import read_user_text

MAX_LINE_COUNT = 1_000_000_000
MAX_REPORTED_ERRORS = 3


@dataclass(frozen=True)
class SequenceLine:
    """One entry of a sequences file (or the spec's own sequence).

    Attributes
    ----------
    labels : tuple of str or None
        The sequence; ``None`` means the spec's own (fixed or random) sequence.
    count : int
        Images to make of it.
    line : int
        Line number in the file (0 for the spec's own sequence).
    """

    labels: tuple[str, ...] | None
    count: int
    line: int = 0

    @property
    def text(self) -> str:
        """The sequence as text (labels joined; spaces between multi-character labels)."""
        if self.labels is None:
            return ""
        joiner = "" if all(len(label) == 1 for label in self.labels) else " "
        return joiner.join(self.labels)


def read_sequences(path: str | Path, default_count: int) -> list[SequenceLine]:
    """Read a sequences file.

    Parameters
    ----------
    path : str or Path
        The file (UTF-8 text; ``sequence[,count]`` per line).
    default_count : int
        Images for each line that gives no count.

    Raises
    ------
    SpecError
        On an unreadable file, or bad lines (naming up to three line numbers), or a file
        with no sequences.
    """
    path = Path(path)
    text = read_user_text(path, "sequences")
    lines: list[SequenceLine] = []
    errors: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        fields = [f.strip() for f in row]
        if not fields or not any(fields) or fields[0].startswith("#"):
            continue
        if number == 1 and fields[0].lower() in ("sequence", "label", "labels", "digits"):
            continue
        entry = _parse_row(fields, default_count)
        if isinstance(entry, str):
            errors.append(f"line {number}: {entry}")
        else:
            lines.append(SequenceLine(entry[0], entry[1], number))
    if errors:
        more = (
            f" (and {len(errors) - MAX_REPORTED_ERRORS} more bad lines)"
            if len(errors) > MAX_REPORTED_ERRORS
            else ""
        )
        raise SpecError("sequences", f"{path}: " + "; ".join(errors[:MAX_REPORTED_ERRORS]) + more)
    if not lines:
        raise SpecError("sequences", f"{path}: holds no sequences")
    return lines


def lines_from_records(records) -> list[SequenceLine]:
    """Sequence lines from ``(text, count)`` pairs, as ``dataset.json`` records them.

    Parameters
    ----------
    records : sequence of (str, int)
        Each line's sequence text (as :attr:`SequenceLine.text` gives it) and its count.

    Raises
    ------
    SpecError
        On a malformed pair, an empty sequence or a count outside 1 to ``MAX_LINE_COUNT``.
    """
    lines: list[SequenceLine] = []
    for number, record in enumerate(records, start=1):
        if (
            not isinstance(record, (list, tuple))
            or len(record) != 2
            or not isinstance(record[0], str)
        ):
            raise SpecError("sequences", f"entry {number}: {record!r} is not [sequence, count]")
        text, count = record
        if isinstance(count, bool) or not isinstance(count, int):
            raise SpecError("sequences", f"entry {number}: count {count!r} is not a whole number")
        entry = _parse_row([text.strip(), str(count)], count)
        if isinstance(entry, str):
            raise SpecError("sequences", f"entry {number}: {entry}")
        lines.append(SequenceLine(entry[0], entry[1], 0))
    if not lines:
        raise SpecError("sequences", "holds no sequences")
    return lines


def _parse_row(fields: list[str], default_count: int) -> tuple[tuple[str, ...], int] | str:
    sequence = fields[0]
    if not sequence:
        return "empty sequence"
    if len(fields) > 2 and any(fields[2:]):
        return f"{','.join(fields)!r} has more than two fields (expected sequence[,count])"
    labels = tuple(sequence.split()) if any(c.isspace() for c in sequence) else tuple(sequence)
    count = default_count
    if len(fields) > 1 and fields[1]:
        try:
            count = int(fields[1])
        except ValueError:
            return f"count {fields[1]!r} is not a whole number"
        if not 1 <= count <= MAX_LINE_COUNT:
            return f"count {count} is outside the allowed range 1 to {MAX_LINE_COUNT}"
    return labels, count
