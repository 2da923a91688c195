"""Logic behind the print preview: the PDF held in memory, page and zoom state, and the
print job itself.

The PDF never touches the disk here: it is loaded from a ``QBuffer`` and printed by
painting each page onto the ``QPrinter``, so no preview or spool copy is left in a temp
folder by Carer Desk. The print is recorded (``on_printed``) only after every page has
been handed to the printer, never when the dialog is cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRectF, QSize, QSizeF, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter

from carer_desk.errors import CarerDeskError

logger = logging.getLogger(__name__)

ZOOM_STEPS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
# Pages are painted as images at this resolution at most: enough for 12 pt text and QR
# codes to print crisply, without a 500 MB image for a 1200 dpi printer.
MAX_RENDER_DPI = 300


class PreviewError(CarerDeskError):
    """The document could not be shown or printed."""


class PrintPreviewController(QObject):
    """Holds one rendered PDF; the dialog asks it what to show and tells it what to do."""

    page_changed = Signal(int, int)  # current page (1-based), page count
    zoom_changed = Signal(float)
    printed = Signal()

    def __init__(
        self,
        pdf: bytes,
        *,
        title: str,
        duplex: str | None = None,
        on_printed: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.duplex = duplex
        self._on_printed = on_printed
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        if self.document.status() != QPdfDocument.Status.Ready or self.document.pageCount() < 1:
            raise PreviewError("This document could not be opened for preview.")
        self._page = 0
        self._zoom = 1.0

    # --- state -------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return self.document.pageCount()

    @property
    def page(self) -> int:
        """Current page, 0-based."""
        return self._page

    @property
    def zoom(self) -> float:
        return self._zoom

    def page_label(self) -> str:
        return f"Page {self._page + 1} of {self.page_count}"

    def can_go_back(self) -> bool:
        return self._page > 0

    def can_go_forward(self) -> bool:
        return self._page < self.page_count - 1

    def go_to(self, page: int) -> None:
        page = max(0, min(self.page_count - 1, page))
        if page != self._page:
            self._page = page
        self.page_changed.emit(self._page + 1, self.page_count)

    def next_page(self) -> None:
        self.go_to(self._page + 1)

    def previous_page(self) -> None:
        self.go_to(self._page - 1)

    def zoom_in(self) -> None:
        bigger = [z for z in ZOOM_STEPS if z > self._zoom + 1e-6]
        self.set_zoom(bigger[0] if bigger else ZOOM_STEPS[-1])

    def zoom_out(self) -> None:
        smaller = [z for z in ZOOM_STEPS if z < self._zoom - 1e-6]
        self.set_zoom(smaller[-1] if smaller else ZOOM_STEPS[0])

    def set_zoom(self, zoom: float) -> None:
        self._zoom = max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], zoom))
        self.zoom_changed.emit(self._zoom)

    # --- printing ----------------------------------------------------------------------

    def prepare_printer(self, printer: QPrinter) -> None:
        """Paper size from the PDF, no scaling margins, and the duplex the document needs."""
        size = self.document.pagePointSize(0)
        printer.setPageSize(
            QPageSize(QSizeF(size.width(), size.height()), QPageSize.Unit.Point, self.title)
        )
        printer.setPageOrientation(
            QPageLayout.Orientation.Portrait
            if size.height() >= size.width()
            else QPageLayout.Orientation.Landscape
        )
        # Full page: card sheets must land where the stock's perforations are.
        printer.setFullPage(True)
        printer.setDocName(self.title)
        # A printer that cannot duplex ignores this; the user then feeds the sheet back in.
        printer.setDuplex(self.duplex_mode())
        printer.setFromTo(1, self.page_count)

    def duplex_mode(self) -> QPrinter.DuplexMode:
        """The duplex setting the document was laid out for (card sheets mirror backs)."""
        return {
            "long-edge": QPrinter.DuplexMode.DuplexLongSide,
            "short-edge": QPrinter.DuplexMode.DuplexShortSide,
        }.get(self.duplex or "", QPrinter.DuplexMode.DuplexAuto)

    def _pages_to_print(self, printer: QPrinter) -> range:
        first, last = printer.fromPage(), printer.toPage()
        if printer.printRange() == QPrinter.PrintRange.CurrentPage:
            return range(self._page, self._page + 1)
        if first < 1 or last < 1:
            return range(self.page_count)
        return range(max(0, first - 1), min(self.page_count, last))

    def print_to(self, printer: QPrinter) -> int:
        """Paint the pages onto ``printer`` at true size; returns the pages printed."""
        painter = QPainter()
        if not painter.begin(printer):
            raise PreviewError(
                "The printer could not be started; check it is switched on and try again."
            )
        count = 0
        try:
            dpi = min(printer.resolution(), MAX_RENDER_DPI)
            paper = printer.paperRect(QPrinter.Unit.DevicePixel)
            for index in self._pages_to_print(printer):
                if count:
                    printer.newPage()
                points = self.document.pagePointSize(index)
                image = self.document.render(
                    index,
                    QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72)),
                )
                scale = printer.resolution() / 72
                target = QRectF(
                    paper.x(), paper.y(), points.width() * scale, points.height() * scale
                )
                painter.drawImage(target, image)
                count += 1
        finally:
            painter.end()
        logger.info("printed %d pages of %s", count, self.title)
        if count:
            if self._on_printed is not None:
                self._on_printed()
            self.printed.emit()
        return count
