"""Render resources/icons/seqstudio.svg to the PNG sizes desktops want.

Writes ``resources/icons/hicolor/<N>x<N>/apps/seqstudio.png`` for N in 16, 32, 48, 64,
128, 256 (the layout of the freedesktop hicolor theme, which ``seqstudio install-desktop``
copies as is). Run after editing the SVG::

    QT_QPA_PLATFORM=offscreen python scripts/render_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 32, 48, 64, 128, 256)
ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(str(ICONS / "seqstudio.svg"))
    if not renderer.isValid():
        print("cannot parse seqstudio.svg", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = ICONS / "hicolor" / f"{size}x{size}" / "apps" / "seqstudio.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            print(f"cannot write {target}", file=sys.stderr)
            return 1
        print(f"{target.relative_to(ICONS.parents[1])}: {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
