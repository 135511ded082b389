"""Helpers for the tests of exports in units (shards, shard formats, Dask)."""

from __future__ import annotations

import json
from pathlib import Path

COCO_NAME = "_annotations.coco.json"
YOLO_YAML = "data.yaml"


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (relative path -> bytes), bar the export's creation time.

    Two runs made at different times differ only there: ``dataset.json``'s ``created``,
    the COCO files' ``info.date_created``; and ``data.yaml`` names its folder. So the
    hashes ``dataset.json`` lists for those files are left out too.
    """
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "dataset.json":
                doc = json.loads(data)
                assert doc.pop("created")
                for rel in [r for r in doc.get("files", {}) if r.endswith((COCO_NAME, YOLO_YAML))]:
                    doc["files"].pop(rel)
                data = json.dumps(doc).encode()
            elif path.name == YOLO_YAML:
                data = data.replace(str(root.resolve()).encode(), b"<root>")
            elif path.name == COCO_NAME:
                doc = json.loads(data)
                assert doc["info"].pop("date_created")
                data = json.dumps(doc).encode()
            files[str(path.relative_to(root))] = data
    return files


def stop_after_first_unit() -> dict:
    """``progress``/``cancel`` keyword arguments that stop an export once a unit is done."""
    seen: list[int] = []
    return {"progress": lambda p: seen.append(p.done), "cancel": lambda: any(seen)}
