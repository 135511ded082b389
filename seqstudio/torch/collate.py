"""Collate functions: a batch for CTC recognition and a batch for detection."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def _stack_images(items: list[dict]) -> torch.Tensor:
    return torch.stack([item["image"] for item in items])


def ctc_collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Batch items for ``torch.nn.CTCLoss`` (blank = 0).

    Parameters
    ----------
    items : list of dict
        Items of :class:`~seqstudio.torch.SequenceDataset` (or ``ExportDataset``).

    Returns
    -------
    dict
        ``images`` (B, 1, H, W) uint8 (``(B, 3, H, W)`` RGB for specs with the colour op);
        ``targets`` (B, S) int64, **class index + 1**
        (0 is the CTC blank and pads each row to the longest target ``S``);
        ``target_lengths`` (B,) int64; ``labels`` (list of str); ``indices`` (B,) int64.
    """
    lengths = np.array([item["length"] for item in items], dtype=np.int64)
    targets = np.zeros((len(items), int(lengths.max()) if len(items) else 0), dtype=np.int64)
    for row, item in enumerate(items):
        targets[row, : item["length"]] = item["target"].numpy() + 1
    return {
        "images": _stack_images(items),
        "targets": torch.from_numpy(targets),
        "target_lengths": torch.from_numpy(lengths),
        "labels": [item["label"] for item in items],
        "indices": torch.tensor([item["index"] for item in items], dtype=torch.int64),
    }


def detection_collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Batch items for a detector: stacked images, per-image boxes and classes.

    Returns
    -------
    dict
        ``images`` (B, 1, H, W) uint8; ``boxes`` list of (n_i, 4) int64 ``[x, y, w, h]``
        (``torchvision.ops.box_convert(b, "xywh", "xyxy")`` for corner form);
        ``classes`` list of (n_i,) int64 class indices; ``masks`` list of (H, W) instance
        masks when the items have them; ``labels``; ``indices``.
    """
    batch: dict[str, Any] = {
        "images": _stack_images(items),
        "boxes": [item["boxes"] for item in items],
        "classes": [item["target"] for item in items],
        "labels": [item["label"] for item in items],
        "indices": torch.tensor([item["index"] for item in items], dtype=torch.int64),
    }
    if items and "mask" in items[0]:
        batch["masks"] = [item["mask"] for item in items]
    return batch
