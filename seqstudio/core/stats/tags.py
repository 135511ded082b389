"""Sample tags a reviewer sets in the gallery, kept beside the manifest.

File: ``DIR/seqstudio-tags.json`` (``DIR`` is the inspected folder), UTF-8 JSON::

    {"schema": "seqstudio.tags", "version": 1,
     "tags": {"train/000042.png": ["bad"], "val/000101.png": ["ambiguous", "note: 7 or 1?"]}}

Keys are image paths relative to ``DIR`` (POSIX separators); values are the tags in the
order they were set. ``bad`` and ``ambiguous`` are the two standard tags; free text is any
other non-empty string. The file is written atomically; images without tags are left out.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from seqstudio.core.fileio import write_atomic
from seqstudio.core.stats.errors import StatsInputError
from seqstudio.core.stats.index import TAGS_FILE

SCHEMA = "seqstudio.tags"
STANDARD_TAGS = ("bad", "ambiguous")
MAX_TAG_LENGTH = 200


@dataclass
class TagStore:
    """The tags of one folder: load with :meth:`load`, change, then :meth:`save`."""

    root: Path
    tags: dict[str, list[str]] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        """The tags file."""
        return self.root / TAGS_FILE

    @classmethod
    def load(cls, root: str | os.PathLike[str]) -> TagStore:
        """Read ``root``'s tags file (an empty store when there is none).

        Raises
        ------
        StatsInputError
            The file exists but is not a valid tags file.
        """
        store = cls(Path(root))
        try:
            text = store.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return store
        except OSError as exc:
            raise StatsInputError(f"cannot read {store.path}: {exc.strerror or exc}") from exc
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StatsInputError(f"{store.path} is not valid JSON: {exc.msg}") from exc
        tags = doc.get("tags") if isinstance(doc, dict) else None
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(tags, dict):
            raise StatsInputError(f"{store.path} is not a seqstudio tags file")
        for rel, values in tags.items():
            if isinstance(values, list):
                clean = [v for v in values if isinstance(v, str) and v.strip()]
                if clean:
                    store.tags[rel] = clean
        return store

    def of(self, rel: str) -> list[str]:
        """The tags of one image."""
        return list(self.tags.get(rel, []))

    def toggle(self, rel: str, tag: str) -> bool:
        """Add ``tag`` to ``rel`` or remove it if present; return whether it is set now."""
        tag = validate_tag(tag)
        current = self.tags.setdefault(rel, [])
        if tag in current:
            current.remove(tag)
            if not current:
                del self.tags[rel]
            return False
        current.append(tag)
        return True

    def counts(self) -> dict[str, int]:
        """Images per tag, most frequent first."""
        counts: dict[str, int] = {}
        for values in self.tags.values():
            for tag in values:
                counts[tag] = counts.get(tag, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_json(self) -> str:
        """The file's content."""
        doc = {"schema": SCHEMA, "version": 1, "tags": dict(sorted(self.tags.items()))}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def save(self) -> Path:
        """Write the tags file atomically; return its path."""
        try:
            write_atomic(self.path, self.to_json().encode("utf-8"))
        except OSError as exc:
            raise StatsInputError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        return self.path


def validate_tag(tag: str) -> str:
    """A tag stripped of surrounding space.

    Raises
    ------
    StatsInputError
        Empty, or longer than :data:`MAX_TAG_LENGTH` characters.
    """
    text = tag.strip()
    if not text or len(text) > MAX_TAG_LENGTH:
        raise StatsInputError(
            f"tag {tag!r}: must be 1..{MAX_TAG_LENGTH} characters (e.g. bad, ambiguous, a note)"
        )
    return text


def format_tags(store: TagStore) -> str:
    """Text listing for ``seqstudio stats --tags``: counts, then one line per image."""
    if not store.tags:
        return f"no tags in {store.path}\n"
    lines = [f"tags: {store.path}"]
    lines.append("counts: " + ", ".join(f"{tag} {n}" for tag, n in store.counts().items()))
    for rel, values in sorted(store.tags.items()):
        lines.append(f"  {rel}: {', '.join(values)}")
    return "\n".join(lines) + "\n"
