"""The user guide, shown inside Carer Desk (it works with no network)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from ui.views.widgets import button, button_row


class HelpWindow(QDialog):
    def __init__(self, guide: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Carer Desk user guide")
        self.setAccessibleName("User guide")
        fm = self.fontMetrics()
        self.resize(fm.averageCharWidth() * 100, fm.height() * 40)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName("User guide text")
        self.browser.setOpenExternalLinks(False)
        if guide is not None and guide.is_file():
            self.browser.setSearchPaths([str(guide.parent)])
            self.browser.setSource(QUrl.fromLocalFile(str(guide)))
        else:
            self.browser.setMarkdown(
                "# User guide\n\nThe user guide is not installed with this copy of Carer "
                "Desk. Ask your IT officer for *docs/user-guide.md*."
            )
        layout.addWidget(self.browser)
        close = button("&Close", name="Close the user guide", parent=self)
        close.clicked.connect(self.close)
        layout.addLayout(button_row(close))
