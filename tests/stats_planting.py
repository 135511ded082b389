"""Shared by the CLI and GUI QA tests: plant one of each problem in a copy of an export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

SPLITS = ("train", "val", "test")


def mask_of(record: dict, split: str) -> str:
    """The mask path (relative to the export) of a record: ``mask_file_name`` (relative to
    the split folder) in newer exports, ``masks/<file name>`` in older ones."""
    name = record.get("mask_file_name")
    return f"{split}/{name}" if name else f"masks/{record['file_name']}"


def plant_problems(masked: Path, root: Path) -> dict[str, str]:
    """Copy ``masked`` (an export with masks and three splits) to ``root`` and plant five
    problems; return ``{check: path}`` of what the QA report must list."""
    shutil.copytree(masked, root)
    records = {s: [json.loads(x) for x in (root / s / "metadata.jsonl").open()] for s in SPLITS}
    # 1. a mask id that does not match its box: move id 1's pixels 3 px right
    first = records["train"][0]
    mask_rel = mask_of(first, "train")
    mask_path = root / mask_rel
    mask = np.asarray(Image.open(mask_path)).copy()
    ink = mask == 1
    mask[ink] = 0
    mask[:, 3:][ink[:, :-3]] = 1
    Image.fromarray(mask).save(mask_path)
    # 2. a file the manifest does not name
    shutil.copy(root / "train" / records["train"][1]["file_name"], root / "val" / "stray.png")
    # 3. a glyph index shared between train and test
    records["test"][0]["pool"] = first["pool"]
    records["test"][0]["glyph_indices"][0] = first["glyph_indices"][0]
    (root / "test" / "metadata.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records["test"])
    )
    # 4. a corrupt PNG (named by the manifest)
    corrupt = root / "val" / records["val"][0]["file_name"]
    corrupt.write_bytes(corrupt.read_bytes()[:60])
    return {
        "masks": mask_rel,
        "manifest": "val/stray.png",
        "leakage": "test ∩ train",
        "corrupt": f"val/{records['val'][0]['file_name']}",
        "duplicate": "val/stray.png",  # 5. stray.png repeats a train image's bytes
    }
