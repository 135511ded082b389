"""PyTorch datasets of digit sequences: generated on the fly or read from an export.

Needs PyTorch (``pip install 'seqstudio[torch]'``); nothing else in seqstudio imports
this package, so the core, the CLI and the app work without it.

- :class:`SequenceDataset` — map-style, item ``i`` generated on demand, the same bytes as
  image ``i`` of ``seqstudio export`` with the same spec; safe with any ``num_workers``.
- :meth:`SequenceDataset.from_export` — the same items read from a PNG/JPEG/npz export.
- :func:`ctc_collate` (padded targets + lengths, for ``torch.nn.CTCLoss``) and
  :func:`detection_collate` (lists of boxes and labels, for detectors).
"""

from __future__ import annotations

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without torch
    raise ImportError(
        "seqstudio.torch needs PyTorch; install it with pip install 'seqstudio[torch]'"
    ) from exc

from seqstudio.torch.collate import ctc_collate, detection_collate
from seqstudio.torch.dataset import ExportDataset, SequenceDataset

__all__ = ["ExportDataset", "SequenceDataset", "ctc_collate", "detection_collate"]
