"""About Carer Desk: version, where the data lives, and the licences of what it ships."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from carer_desk import __version__
from ui.views.widgets import Dialog, button, button_row, heading, paragraph

LICENCES = (
    "Qt and PySide6: LGPL 3. Icons: Material Design Icons (Pictogrammers), Apache 2.0, "
    "through QtAwesome (MIT). Fonts: DejaVu (free licence, in resources/fonts). "
    "Passphrase strength: zxcvbn (MIT). PDF: ReportLab (BSD)."
)


class AboutDialog(Dialog):
    def __init__(self, vault_location: str, demo: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Carer Desk")
        self.setAccessibleName("About Carer Desk")
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Carer Desk {__version__}", self))
        layout.addWidget(
            paragraph(
                "For people who support unpaid carers: guided conversations, wellbeing "
                "payments, emergency plans and cards, and peer-support groups, encrypted on "
                "this laptop and synced with the office.",
                self,
                name="What Carer Desk is",
            )
        )
        where = paragraph(f"Vault: {vault_location}", self, name="Where the vault is")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        if demo:
            layout.addWidget(
                paragraph("This is the demo: every person in it is invented.", self, name="Demo")
            )
        layout.addWidget(paragraph(LICENCES, self, name="Licences"))
        close = button("&Close", name="Close", primary=True, parent=self)
        close.clicked.connect(self.accept)
        layout.addLayout(button_row(close))
