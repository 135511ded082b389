"""Map-style datasets: images generated on the fly, or read from an export folder.

Every item is a dict:

``image``
    (1, H, W) uint8 tensor, the exact pixels (divide by 255 for [0, 1] floats).
``target``
    (n,) int64 class index of each glyph (``"0"``–``"9"`` → 0–9), left to right.
``length``
    n, the number of glyphs.
``boxes``
    (n, 4) int64 ``[x, y, w, h]`` of each glyph's ink.
``label``
    The label text, e.g. ``"01203"`` (leading zeros kept).
``index``
    The global image index.
``mask``
    (H, W) int64 instance mask (0 background, k for the k-th glyph), with ``masks=True``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from seqstudio.core.errors import SpecError
from seqstudio.core.spec import GenerationSpec


def _item(index: int, image: np.ndarray, classes, boxes, label: str, mask) -> dict:
    # numpy does the reshaping (a microsecond) and torch only wraps the buffers: torch
    # calls cost several microseconds each, and a DataLoader makes thousands of items/s.
    item: dict[str, Any] = {
        # (1, H, W) grey or (3, H, W) RGB (the colour op): channels first, as torch expects.
        "image": torch.from_numpy(
            np.ascontiguousarray(image[None] if image.ndim == 2 else image.transpose(2, 0, 1))
        ),
        "target": torch.from_numpy(np.array(classes, dtype=np.int64)),
        "length": len(classes),
        "boxes": torch.from_numpy(np.array(boxes, dtype=np.int64).reshape(-1, 4)),
        "label": label,
        "index": int(index),
    }
    if mask is not None:
        item["mask"] = torch.from_numpy(np.asarray(mask, dtype=np.int64))
    return item


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise SpecError(name, f"{value!r} is not a whole number ≥ 0")
    return int(value)


class SequenceDataset(Dataset):
    """Images of ``spec`` generated on demand: item ``i`` is image ``start + i``.

    Item ``i`` has the same bytes, labels and boxes as image ``i`` of
    ``export_dataset(spec, length, DIR)`` (one split, no sequences file). Every item
    depends only on the spec, its seed and the index, so any ``num_workers``, any order
    and any process give the same items; nothing is written to disk. For fresh images
    each epoch, use a large ``length`` with a random sampler, or a new ``start``.

    Parameters
    ----------
    spec : GenerationSpec
        What to draw (its ``pool`` chooses the MNIST train or test glyphs).
    length : int
        Number of items.
    start : int
        Index of item 0.
    masks : bool
        Also return each image's instance mask.

    Raises
    ------
    SpecError
        For a spec that cannot be drawn, or a bad ``length``/``start``.
    """

    def __init__(
        self, spec: GenerationSpec, length: int, *, start: int = 0, masks: bool = False
    ) -> None:
        from seqstudio.core.generator import SequenceGenerator

        if not isinstance(spec, GenerationSpec):
            raise SpecError("spec", f"{spec!r} is not a GenerationSpec")
        self.spec = spec
        self.length = _check_count("length", length)
        self.start = _check_count("start", start)
        self.masks = bool(masks)
        self._generator: Any = SequenceGenerator(spec)  # validates now; rebuilt per worker
        self.classes: tuple[str, ...] = self._generator.source.classes
        self._class_id = {label: k for k, label in enumerate(self.classes)}

    @classmethod
    def from_export(cls, root: str | Path, split: str | None = None, *, masks: bool = False):
        """The items of an export folder (PNG, JPEG or npz), read the same way.

        See :class:`ExportDataset`.
        """
        return ExportDataset(root, split, masks=masks)

    def __len__(self) -> int:
        return self.length

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_generator"] = None  # each worker builds its own (cheap; glyphs are cached)
        return state

    @property
    def generator(self):
        """The process's :class:`~seqstudio.core.generator.SequenceGenerator`."""
        if self._generator is None:
            from seqstudio.core.generator import SequenceGenerator

            self._generator = SequenceGenerator(self.spec)
        return self._generator

    def _global(self, i: int) -> int:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"index {i!r} is not an integer")
        if i < 0:
            i += self.length
        if not 0 <= i < self.length:
            raise IndexError(f"index {i} is out of range for {self.length} items")
        return self.start + int(i)

    def __getitem__(self, i: int) -> dict:
        index = self._global(i)
        sample = self.generator.generate(index, masks=self.masks)
        classes = [self._class_id[label] for label in sample.labels]
        return _item(index, sample.image, classes, sample.boxes, sample.label, sample.mask)

    def __getitems__(self, indices: list[int]) -> list[dict]:
        """Many items at once (DataLoader uses it): consecutive indices of a fixed
        sequence are drawn by the vectorised batch path, the same bytes as one by one."""
        gen = self.generator
        globals_ = [self._global(i) for i in indices]
        if not (gen.vectorised and len(globals_) > 1 and _consecutive(globals_)):
            return [self[i] for i in indices]
        batch = gen.batch(globals_[0], len(globals_), masks=self.masks)
        classes = [self._class_id[label] for label in gen.spec.digits]
        label = "".join(gen.spec.digits)
        return [
            _item(
                index,
                batch.images[k],
                classes,
                batch.boxes[k],
                label,
                batch.masks[k] if self.masks else None,
            )
            for k, index in enumerate(globals_)
        ]


def _consecutive(indices: list[int]) -> bool:
    return indices == list(range(indices[0], indices[0] + len(indices)))


class ExportDataset(Dataset):
    """The images of one split of a seqstudio export, as :class:`SequenceDataset` items.

    Parameters
    ----------
    root : str or Path
        The export folder (with ``dataset.json``).
    split : str, optional
        ``train``, ``val`` or ``test``; ``None`` takes the only split there is.
    masks : bool
        Also return the instance masks (the export must have them).

    Raises
    ------
    SpecError
        Unknown split, or masks asked of an export without them.
    FileNotFoundError
        ``root`` is not an export folder.
    """

    def __init__(self, root: str | Path, split: str | None = None, *, masks: bool = False):
        self.root = Path(root)
        doc = json.loads((self.root / "dataset.json").read_text(encoding="utf-8"))
        settings = doc["settings"]
        splits = [name for name, info in settings["splits"].items() if info.get("count")]
        if split is None:
            if len(splits) != 1:
                raise SpecError("split", f"{root} has splits {', '.join(splits)}: name one")
            split = splits[0]
        if split not in splits:
            raise SpecError(
                "split", f"{split!r} is not a split of {root} (it has: {', '.join(splits)})"
            )
        if settings["format"] not in ("png", "jpg", "npz"):
            raise SpecError(
                "format",
                f"{root} is a {settings['format']} export; from_export reads png, jpg and npz "
                "exports (read shards with the webdataset or datasets packages)",
            )
        if masks and not settings["masks"]:
            raise SpecError("masks", f"{root} was exported without masks")
        self.split, self.masks, self.format = split, bool(masks), settings["format"]
        self.classes: tuple[str, ...] = tuple(settings["classes"])
        self._class_id = {label: k for k, label in enumerate(self.classes)}
        text = (self.root / split / "metadata.jsonl").read_text(encoding="utf-8")
        self.records = [json.loads(line) for line in text.splitlines()]
        self._arrays: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.records)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_arrays"] = None  # memory maps are reopened in each worker
        return state

    def _array(self, name: str) -> np.ndarray:
        if self._arrays is None:
            self._arrays = {}
        if name not in self._arrays:
            path = self.root / self.split / f"{name}.npy"
            self._arrays[name] = np.load(path, mmap_mode="r")
        return self._arrays[name]

    def _read(self, name: str) -> np.ndarray:
        from seqstudio.core.cv import cv2

        path = self.root / self.split / name
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise OSError(f"cannot read {path}")
        return image

    def __getitem__(self, i: int) -> dict:
        record = self.records[i]
        if self.format == "npz":
            image = np.array(self._array("images")[record["row"]])
            mask = np.array(self._array("masks")[record["row"]]) if self.masks else None
        else:
            image = self._read(record["file_name"])
            mask = self._read(record["mask_file_name"]) if self.masks else None
        classes = [self._class_id[label] for label in record["digits"]]
        return _item(record["index"], image, classes, record["boxes"], record["label"], mask)
