"""How many images of a dataset were shrunk to fit its width, and by how much.

With ``fit="pad"`` an image is shrunk only when augmentation widened its digits so much
that not even the minimum gaps hold them; its record keeps the scale
(``params["scale_x"] < 1``). The export summary reports it, e.g. "37 of 20,000 images were
shrunk to fit, by at most 6 %".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from seqstudio.core.export.writers import METADATA

_SCALE = re.compile(rb'"scale_x": ([-+0-9.eE]+)')


@dataclass(frozen=True)
class ShrinkReport:
    """Shrunk images of a dataset.

    Attributes
    ----------
    shrunk : int
        Images whose sequence was scaled down to fit.
    total : int
        Images recorded.
    smallest_scale : float
        The strongest shrink (1.0 when none).
    """

    shrunk: int
    total: int
    smallest_scale: float = 1.0

    def describe(self) -> str:
        """One line, e.g. ``37 of 20,000 images were shrunk to fit, by at most 6 %``."""
        if not self.shrunk:
            return f"no image of {self.total:,} was shrunk to fit"
        most = (1 - self.smallest_scale) * 100
        return (
            f"{self.shrunk:,} of {self.total:,} images were shrunk to fit, by at most {most:.0f} %"
        )


def shrink_report(out_dir: str | Path) -> ShrinkReport:
    """Count the shrunk images in every split's manifest of the dataset in ``out_dir``."""
    shrunk = total = 0
    smallest = 1.0
    for manifest in sorted(Path(out_dir).glob(f"*/{METADATA}")):
        with manifest.open("rb") as lines:
            for line in lines:
                total += 1
                found = _SCALE.search(line)
                if found is not None:
                    scale = float(found.group(1))
                    if scale < 1.0:
                        shrunk += 1
                        smallest = min(smallest, scale)
    return ShrinkReport(shrunk, total, smallest)
