"""Print preview dialog: shows a PDF from memory and prints it through the system dialog.

Layout only; :class:`ui.print_preview_controller.PrintPreviewController` holds the state
and does the printing. Every control has an accessible name and a keyboard shortcut:
Page Up / Page Down to move, Ctrl++ / Ctrl+- to zoom, Ctrl+P to print, Esc to close.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from carer_desk.errors import CarerDeskError
from carer_desk.services.printing import Rendered
from ui.print_preview_controller import PrintPreviewController

logger = logging.getLogger(__name__)


class PrintPreviewDialog(QDialog):
    """Preview of one rendered document with Print and Close."""

    def __init__(self, controller: PrintPreviewController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(f"Print preview: {controller.title}")
        self.setAccessibleName("Print preview")
        self.setAccessibleDescription(f"Preview of {controller.title} before printing")
        self.resize(820, 960)

        self.view = QPdfView(self)
        self.view.setDocument(controller.document)
        self.view.setPageMode(QPdfView.PageMode.SinglePage)
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setAccessibleName("Document page")
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.previous_button = self._button(
            "&Previous page", "Show the previous page", controller.previous_page
        )
        self.page_label = QLabel(controller.page_label(), self)
        self.page_label.setAccessibleName("Page number")
        self.next_button = self._button("&Next page", "Show the next page", controller.next_page)
        self.zoom_out_button = self._button(
            "Zoom &out", "Make the page smaller", controller.zoom_out
        )
        self.zoom_label = QLabel(self)
        self.zoom_label.setAccessibleName("Zoom level")
        self.zoom_in_button = self._button("Zoom &in", "Make the page bigger", controller.zoom_in)
        self.print_button = self._button(
            "P&rint…", "Choose a printer and print this document", self.print_document
        )
        self.close_button = self._button(
            "&Close", "Close the preview without printing", self.reject
        )
        self.print_button.setDefault(True)

        bar = QHBoxLayout()
        for widget in (self.previous_button, self.page_label, self.next_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.print_button)
        bar.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

        for keys, slot in (
            (QKeySequence.StandardKey.MoveToNextPage, controller.next_page),
            (QKeySequence.StandardKey.MoveToPreviousPage, controller.previous_page),
            (QKeySequence.StandardKey.ZoomIn, controller.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, controller.zoom_out),
            (QKeySequence.StandardKey.Print, self.print_document),
        ):
            QShortcut(QKeySequence(keys), self, activated=slot)

        controller.page_changed.connect(self._show_page)
        controller.zoom_changed.connect(self._show_zoom)
        self._show_page(controller.page + 1, controller.page_count)
        self._show_zoom(controller.zoom)
        self.view.setFocus()

    def _button(self, text: str, description: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.setAccessibleDescription(description)
        button.setToolTip(description)
        button.clicked.connect(slot)
        return button

    def _show_page(self, page: int, count: int) -> None:
        self.view.pageNavigator().jump(page - 1, self.view.pageNavigator().currentLocation())
        self.page_label.setText(self.controller.page_label())
        self.previous_button.setEnabled(self.controller.can_go_back())
        self.next_button.setEnabled(self.controller.can_go_forward())

    def _show_zoom(self, zoom: float) -> None:
        self.view.setZoomFactor(zoom)
        self.zoom_label.setText(f"{round(zoom * 100)}%")

    def print_document(self) -> bool:
        """Ask for a printer and print; True if the document was sent to the printer."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.controller.prepare_printer(printer)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(f"Print {self.controller.title}")
        if dialog.exec() != QDialog.DialogCode.Accepted.value:
            return False
        try:
            self.controller.print_to(printer)
        except CarerDeskError as exc:
            QMessageBox.warning(self, "Printing failed", str(exc))
            return False
        return True


TITLES = {
    "card": "Emergency card",
    "card-sheet": "Emergency card sheet",
    "key-fobs": "Key-fob inserts",
    "plan": "Emergency plan",
    "support-plan": "Support plan",
    "letter": "Wellbeing payment letter",
    "sign-in": "Sign-in sheet",
}


def preview_dialog(
    rendered: Rendered, on_printed, parent: QWidget | None = None
) -> PrintPreviewDialog:
    """A preview for a document from ``PrintService``; ``on_printed`` is normally
    ``lambda: service.record_printed(rendered)`` so the print is audited once sent."""
    controller = PrintPreviewController(
        rendered.pdf,
        title=TITLES.get(rendered.document, rendered.document),
        duplex=dict(rendered.details).get("duplex"),
        on_printed=on_printed,
    )
    dialog = PrintPreviewDialog(controller, parent)
    controller.setParent(dialog)
    return dialog
