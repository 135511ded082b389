"""Import OpenCV once, undoing the environment changes its import makes.

``import cv2`` (opencv-python) sets ``QT_QPA_PLATFORM_PLUGIN_PATH``, ``QT_QPA_FONTDIR``
and ``LD_LIBRARY_PATH`` in ``os.environ``; they would leak into PySide6 and into
subprocesses. Import cv2 from here: ``from seqstudio.core.cv import cv2``.
"""

from __future__ import annotations

import os

_before = dict(os.environ)
import cv2  # noqa: E402

for _name in set(os.environ) - set(_before):
    del os.environ[_name]
for _name, _value in _before.items():
    if os.environ.get(_name) != _value:
        os.environ[_name] = _value

__all__ = ["cv2", "encode_png"]


def encode_png(image) -> bytes:
    """Encode a uint8 (or uint16) 2-D/3-D array as PNG bytes (OpenCV's fast default strategy)."""
    ok, buffer = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(
            f"could not encode an image of shape {getattr(image, 'shape', '?')} as PNG"
        )
    return buffer.tobytes()
