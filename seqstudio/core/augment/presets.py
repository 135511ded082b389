"""Augmentation presets: JSON files shipped in ``resources/presets`` or the user's own.

A preset file holds either a list of operations or ``{"augment": [...]}`` (so a full
generation-spec file works too, as long as it has no other keys than spec fields).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seqstudio.core.augment.spec import AugmentOp, parse_pipeline
from seqstudio.core.errors import SpecError
from seqstudio.core.fileio import JsonLimitError, parse_json, read_user_text
from seqstudio.core.resources import resource_path

PRESET_NAMES = ("none", "light", "scan-like", "heavy", "transfer")


def list_presets() -> list[str]:
    """Names of the bundled presets, mildest first."""
    return list(PRESET_NAMES)


def load_preset(name_or_path: str | Path) -> tuple[AugmentOp, ...]:
    """Load a bundled preset by name, or a preset/spec JSON file by path.

    Parameters
    ----------
    name_or_path : str or Path
        ``"none"``, ``"light"``, ``"scan-like"``, ``"heavy"``, ``"transfer"``, or a JSON
        file path.

    Returns
    -------
    tuple of AugmentOp

    Raises
    ------
    SpecError
        Field ``augment`` (or ``augment[i]...``) naming the file and what is wrong.
    """
    text_name = str(name_or_path)
    if isinstance(name_or_path, str) and text_name in PRESET_NAMES:
        node = resource_path("presets", f"{text_name}.json")
        label = f"preset {text_name!r}"
        try:
            text = node.read_text(encoding="utf-8")
        except OSError as exc:  # pragma: no cover - packaging error
            raise SpecError("augment", f"cannot read {label}: {exc}") from None
    else:
        path = Path(name_or_path)
        label = str(path)
        if not path.suffix and not path.exists():
            raise SpecError(
                "augment",
                f"{text_name!r} is neither a preset ({', '.join(PRESET_NAMES)}) nor a JSON file",
            )
        text = read_user_text(path, "augment")
    try:
        data = parse_json(text)
    except JsonLimitError as exc:
        raise SpecError("augment", f"{label} {exc}") from None
    except json.JSONDecodeError as exc:
        raise SpecError(
            "augment",
            f"{label} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from None
    return _ops_from_json(data, label)


def _ops_from_json(data: Any, label: str) -> tuple[AugmentOp, ...]:
    if isinstance(data, dict):
        if "augment" not in data:
            raise SpecError(
                "augment",
                f"{label} has no 'augment' list (expected a list of ops or {{\"augment\": [...]}})",
            )
        data = data["augment"]
    try:
        return parse_pipeline(data)
    except SpecError as exc:
        raise SpecError(exc.field, f"{exc.message} (in {label})") from None
