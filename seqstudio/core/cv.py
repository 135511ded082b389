"""Import OpenCV once, undoing the environment changes its import makes.

``import cv2`` (opencv-python) sets ``QT_QPA_PLATFORM_PLUGIN_PATH``, ``QT_QPA_FONTDIR``
and ``LD_LIBRARY_PATH`` in ``os.environ``; they would leak into PySide6 and into
subprocesses. Import cv2 from here: ``from seqstudio.core.cv import cv2``.
"""

from __future__ import annotations

import os
from typing import Any

_before = dict(os.environ)
import cv2  # noqa: E402

for _name in set(os.environ) - set(_before):
    del os.environ[_name]
for _name, _value in _before.items():
    if os.environ.get(_name) != _value:
        os.environ[_name] = _value

__all__ = ["cv2", "encode_png", "silence_opencv_log"]


def encode_png(image) -> bytes:
    """Encode a uint8 (or uint16) 2-D grey or 3-D RGB array as PNG bytes.

    OpenCV's fast default strategy; RGB is reordered to the BGR that OpenCV writes from.
    """
    if getattr(image, "ndim", 2) == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buffer = cv2.imencode(".png", image)
    if not ok:
        raise ValueError(
            f"could not encode an image of shape {getattr(image, 'shape', '?')} as PNG"
        )
    return buffer.tobytes()


def silence_opencv_log(module: Any = cv2) -> bool:
    """Turn OpenCV's own log off (its warnings about corrupt files go to stderr).

    OpenCV 4.14 removed the top-level ``cv2.setLogLevel`` that 4.11 has, in favour of
    ``cv2.utils.logging.setLogLevel``; whichever exists is used.

    Parameters
    ----------
    module : module, optional
        The OpenCV module (a stand-in in tests).

    Returns
    -------
    bool
        Whether a log-level API was found; without one, decoding works the same and
        OpenCV may print its warnings.
    """
    api = getattr(getattr(module, "utils", None), "logging", None)
    if api is not None and hasattr(api, "setLogLevel"):
        api.setLogLevel(api.LOG_LEVEL_SILENT)
        return True
    legacy = getattr(module, "setLogLevel", None)
    if legacy is not None:
        legacy(0)  # LOG_LEVEL_SILENT
        return True
    return False
