"""The carer page's Conversations tab: start a conversation or a review, resume a draft,
open a past one (Enter or a double click opens the row)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from carer_desk.records.conversation import ConversationStatus
from ui.controllers.carer import CarerRecord
from ui.controllers.conversation import ConversationStarter
from ui.views.carer_tabs import _table
from ui.views.widgets import button, hint, paragraph, subheading


def _iso(value: object) -> str:
    return value.isoformat() if value is not None else ""  # type: ignore[attr-defined]


class ConversationsTab(QWidget):
    def __init__(
        self, record: CarerRecord, starter: ConversationStarter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.starter = starter
        starter.setParent(self)
        self.setAccessibleName("Conversations")
        self.conversations = sorted(
            record.conversations, key=lambda c: (c.started_on, c.id), reverse=True
        )
        layout = QVBoxLayout(self)
        layout.addWidget(subheading("Conversations", self))
        drafts = [c for c in self.conversations if c.status == ConversationStatus.DRAFT]
        done = [c for c in self.conversations if c.status == ConversationStatus.COMPLETE]
        layout.addWidget(
            hint(
                "Start a guided conversation, resume a draft, or open a past one to read or "
                "print it. A review starts with last time's goals and shows the previous "
                "conversation beside it.",
                self,
                name="About conversations",
            )
        )
        self.problem = paragraph("", self, name="Problem starting a conversation")
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        starter.problem.connect(self._problem)
        self.start_button = button(
            "S&tart a new conversation",
            name="Start a new conversation",
            description="Ctrl+Shift+N",
            icon_name="add",
            primary=not drafts,
            parent=self,
        )
        self.review_button = button(
            "St&art a review", name="Start a review of the last conversation", parent=self
        )
        self.open_button = button(
            "&Resume the draft" if drafts else "&Open",
            name="Open the chosen conversation",
            primary=bool(drafts),
            parent=self,
        )
        row = QHBoxLayout()
        row.addWidget(self.start_button)
        row.addWidget(self.review_button)
        row.addStretch(1)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        self.start_button.setVisible(starter.may_start)
        self.review_button.setVisible(starter.may_start and bool(done))
        self.start_button.clicked.connect(lambda: starter.start())
        self.review_button.clicked.connect(lambda: starter.start(review=True))
        self.open_button.clicked.connect(self.open_current)
        rows = [
            (
                _iso(c.started_on),
                "Review" if c.is_review else "Conversation",
                str(c.status.label),
                _iso(c.completed_on),
                "Yes" if c.assessment_completed else "No",
                _iso(c.review_date),
            )
            for c in self.conversations
        ]
        if rows:
            self.table = _table(
                "Conversations",
                ("Started", "Kind", "Status", "Completed", "Carer's assessment", "Review by"),
                rows,
                self,
            )
            self.table.setSelectionMode(self.table.SelectionMode.SingleSelection)
            # On the draft to resume, if there is one; else the latest conversation.
            self.table.selectRow(self.conversations.index(drafts[0]) if drafts else 0)
            self.table.doubleClicked.connect(lambda _i: self.open_current())
            QShortcut(
                QKeySequence(Qt.Key.Key_Return),
                self.table,
                self.open_current,
                context=Qt.ShortcutContext.WidgetShortcut,
            )
            layout.addWidget(self.table, 1)
        else:
            self.table = None
            layout.addWidget(
                paragraph("No guided conversation yet.", self, name="No conversations")
            )
            layout.addStretch(1)
        self.open_button.setVisible(bool(rows))
        if starter.may_start:
            QShortcut(QKeySequence("Ctrl+Shift+N"), self, lambda: starter.start())

    def open_current(self) -> None:
        if self.table is None:
            return
        row = self.table.currentRow()
        if 0 <= row < len(self.conversations):
            self.starter.open(self.conversations[row].id)

    def _problem(self, message) -> None:
        self.problem.setText(message.text)
        self.problem.setVisible(True)


def conversations_tab(record: CarerRecord, starter: ConversationStarter) -> QWidget:
    return ConversationsTab(record, starter)
