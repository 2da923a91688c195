"""Draws Carer Desk's program icon from the bundled, licensed icon set (Material Design
Icons, via qtawesome: the same set the window uses), so nothing is drawn by hand.

    .venv/bin/python resources/icons/make_icons.py

Writes carer-desk.png (the window's icon and Linux desktops') and carer-desk.ico (the
Windows build's, several sizes in one file). Run again only to change the icon.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GLYPH = "mdi6.hand-heart"
BACKGROUND = "#1D5AA6"  # the light palette's accent (ui/theme.py); white on it passes AA
SIZE = 256


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qtawesome
    from PIL import Image
    from PySide6.QtCore import QBuffer, QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(BACKGROUND))
    painter.drawRoundedRect(QRectF(8, 8, SIZE - 16, SIZE - 16), 48, 48)
    glyph = qtawesome.icon(GLYPH, color="white").pixmap(int(SIZE * 0.66), int(SIZE * 0.66))
    offset = (SIZE - glyph.width()) // 2
    painter.drawPixmap(offset, offset, glyph)
    painter.end()
    image.save(str(HERE / "carer-desk.png"))

    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    picture = Image.open(io.BytesIO(bytes(buffer.data())))
    sizes = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
    picture.save(HERE / "carer-desk.ico", sizes=sizes)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
