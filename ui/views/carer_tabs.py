"""The carer page's read-only tabs: conversations, plan and card, groups, and
the record's history (who viewed, changed, printed, when)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carer_desk.records.calls import EmergencyCall
from carer_desk.rules.card_numbers import format_card_number
from ui.controllers.carer import CarerRecord
from ui.views.widgets import button, hint, paragraph, subheading


def _table(
    name: str, headers: Sequence[str], rows: Sequence[Sequence[str]], parent: QWidget
) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers), parent)
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    return table


def _iso(value: object) -> str:
    return value.isoformat() if value is not None else ""


class ListTab(QWidget):
    def __init__(
        self,
        title: str,
        note: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        empty: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.addWidget(subheading(title, self))
        if note:
            layout.addWidget(hint(note, self, name=f"About {title.lower()}"))
        if rows:
            layout.addWidget(_table(title, headers, rows, self), 1)
        else:
            layout.addWidget(paragraph(empty, self, name=f"No {title.lower()}"))
            layout.addStretch(1)


READ_ONLY_NOTE = "Shown here to read; recording these on the laptop comes with the visit screens."


def plan_tab(
    record: CarerRecord,
    group_size: int,
    *,
    open_plan: Callable[[], None] | None = None,
    reminder: str = "",
) -> QWidget:
    plan = record.plan
    if plan is None:
        state = "No emergency plan yet."
    elif record.plan_missing:
        state = "The plan is not complete. Missing: " + "; ".join(record.plan_missing) + "."
    else:
        review = f" Review by {_iso(plan.review_date)}." if plan.review_date else ""
        state = f"The plan is complete.{review}"
    rows = [
        (
            format_card_number(c.number, group_size),
            str(c.holder.label),
            str(c.status.label),
            _iso(c.issued_on),
        )
        for c in record.cards
    ]
    note = f"{state} {reminder}".strip() if open_plan else f"{state} {READ_ONLY_NOTE}"
    tab = ListTab(
        "Plan and card",
        note,
        ("Card number", "For", "Status", "Issued"),
        rows,
        "No card issued yet.",
    )
    if open_plan is not None:  # the plan editor: the plan, its cards and printouts
        label = "&Open the plan and cards" if plan is not None else "&Write the plan"
        go = button(label, name=label.replace("&", ""), icon_name="edit", parent=tab)
        go.clicked.connect(open_plan)
        tab.layout().insertWidget(2, go, 0, Qt.AlignmentFlag.AlignLeft)
    return tab


def groups_tab(record: CarerRecord) -> QWidget:
    rows = [
        (g.name, _iso(m.joined_on), _iso(getattr(m, "left_on", None))) for g, m in record.groups
    ]
    return ListTab(
        "Groups",
        "",
        ("Group", "Joined", "Left"),
        rows,
        "Not in a peer-support group.",
    )


ACTION_WORDS = {
    "view": "Viewed",
    "create": "Created",
    "edit": "Changed",
    "delete": "Removed",
    "print": "Printed",
    "export": "Exported",
    "import": "Imported",
    "sync": "Received by sync",
    "seed-demo": "Demo data written",
}


def _what_of(kind: str | None, details: dict) -> str:
    what = (kind or "").replace("_", " ")
    listed = details.get("list")
    if listed:  # a list shown on the record's page: its requests, its conversations
        what = f"{what}: its {str(listed).replace('_', ' ')}s listed"
    document = details.get("document")
    if document:
        what = f"{what}: {document}"
    return what


def _call_outcome(call: EmergencyCall) -> str:
    """What came of a call to the line, in a few words (counts and hours, no names)."""
    tried = len(call.contacts_tried)
    reached = len(call.reached)
    words = [f"{reached} of {tried} contact{'s' if tried != 1 else ''} reached"]
    if call.replacement_care_arranged:
        words.append(f"replacement care {call.replacement_care_hours} h")
    return "; ".join(words)


def _calls_list(record: CarerRecord, parent: QWidget) -> QWidget:
    rows = [
        (
            c.received_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            c.operator,
            c.caller,
            _call_outcome(c),
            c.follow_up or "",
        )
        for c in record.calls
    ]
    return _table(
        "Calls to the 24-hour line",
        ("When", "Taken by", "Who rang", "Outcome", "Follow-up for the office"),
        rows,
        parent,
    )


def history_tab(record: CarerRecord) -> QWidget:
    rows = [
        (
            e.at.astimezone().strftime("%Y-%m-%d %H:%M"),
            e.actor,
            ACTION_WORDS.get(e.action, e.action.replace("-", " ").capitalize()),
            _what_of(e.kind, dict(e.details or {})),
        )
        for e in record.history
    ]
    tab = ListTab(
        "History",
        "Every time this record was viewed, changed or printed on this laptop, and by whom.",
        ("When", "Who", "What", "Record"),
        rows,
        "Nothing recorded yet.",
    )
    if record.calls:  # the 24-hour line's calls about this carer, newest first
        layout = tab.layout()
        layout.insertWidget(2, subheading("Calls to the 24-hour line", tab))
        layout.insertWidget(3, _calls_list(record, tab))
    return tab
