"""The 24-hour line's look-up page: the card number, the plan read-only in large type, and
the call's outcome. Layout only; :class:`~ui.controllers.line.LineController` decides.

Read under pressure, on the phone: one column in the order the operator needs it (can the
plan be used; where care is needed; who to ring, in order; the person's needs, medication
and how to get in), large type, status in words (never colour alone), and everything
reachable from the keyboard. The answer's widgets are built for each answer and wiped
(texts emptied, then deleted) when the call is finished, at lock and after the idle time.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from carer_desk.rules.emergency_line import LineAnswer, LineStatus
from ui.controllers.line import Attempt, CallOutcome, LineController
from ui.views.widgets import (
    add_row,
    banner,
    button,
    button_row,
    field_error,
    follow_focus,
    form_layout,
    heading,
    hint,
    line_edit,
    show_error,
)

RECORD_KEYS = "Ctrl+Return"
FINISH_KEYS = "Ctrl+E"


def _big(text: str, name: str, parent: QWidget | None = None, *, role: str = "line") -> QLabel:
    """A read-only line of the plan, in the page's large type."""
    label = QLabel(text, parent)
    label.setProperty("role", role)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAccessibleName(name)
    label.setAccessibleDescription(text)
    return label


def _wipe(root: QWidget) -> None:
    """Empty every text a widget tree holds, so nothing of a plan outlives the call even
    until Qt deletes the widgets."""
    for w in [root, *root.findChildren(QWidget)]:
        w.setAccessibleDescription("")
        w.setToolTip("")
        if isinstance(w, QLabel):
            w.setText("")
        elif isinstance(w, QLineEdit | QPlainTextEdit | QComboBox):
            w.clear()
        elif isinstance(w, QGroupBox):
            w.setTitle("")


class ContactRow(QWidget):
    """One contact to ring: who, their number, and what came of ringing them."""

    def __init__(self, position: int, name: str, detail: str, parent: QWidget) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.who = _big(
            f"{position}. {name}", f"Contact {position} to ring", self, role="line-strong"
        )
        layout.addWidget(self.who)
        self.detail = _big(detail, f"Contact {position}: number and details", self)
        layout.addWidget(self.detail)
        row = QHBoxLayout()
        self.attempt = QComboBox(self)
        for a in Attempt:
            self.attempt.addItem(a.label, str(a))
        self.attempt.setAccessibleName(f"What came of ringing contact {position}")
        caption = QLabel("&Rang:" if position == 1 else "Rang:", self)
        caption.setBuddy(self.attempt)
        caption.setAccessibleName(f"Rang contact {position}")
        row.addWidget(caption)
        row.addWidget(self.attempt)
        self.note = line_edit(
            name=f"Note on contact {position}",
            placeholder="e.g. on her way, 20 minutes",
            parent=self,
        )
        row.addWidget(self.note, 1)
        layout.addLayout(row)


class LinePage(QWidget):
    def __init__(self, controller: LineController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Card look-up")
        self.contact_rows: dict[str, ContactRow] = {}
        self.answer_box: QWidget | None = None

        outer = QVBoxLayout(self)
        outer.addWidget(heading("Card look-up — 24-hour line", self))
        self.notice = banner("", self, name="Notice")
        self.notice.setProperty("role", "line-banner")  # read under pressure: large
        self.notice.setVisible(False)
        outer.addWidget(self.notice)

        number_row = QHBoxLayout()
        caption = QLabel("Card &number:", self)
        caption.setProperty("role", "line-strong")
        caption.setAccessibleName("Card number")
        self.number = line_edit(
            name="Card number read out by the caller",
            placeholder="1234 5678 9012",
            parent=self,
        )
        self.number.setProperty("role", "line-number")
        self.number.setMaxLength(40)
        self.number.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)  # no clipboard
        caption.setBuddy(self.number)
        self.look_up_button = button(
            "&Look up",
            name="Look the card up",
            description="Checks the number, then asks the office server (Enter)",
            icon_name="lookup",
            primary=True,
            parent=self,
        )
        number_row.addWidget(caption)
        number_row.addWidget(self.number, 1)
        number_row.addWidget(self.look_up_button)
        outer.addLayout(number_row)
        self.number_error = field_error(self, for_field="the card number")
        self.number_error.setProperty("role", "line-error")
        outer.addWidget(self.number_error)
        self.hint = hint(
            "Type the number the caller reads out, then Enter. Its last digit is a check: a "
            "misheard or swapped digit is caught before anything is looked up. Read the "
            "number back in groups.",
            self,
            name="How to look a card up",
        )
        outer.addWidget(self.hint)

        self.scroll = follow_focus(QScrollArea(self))
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setAccessibleName("The plan and the call's outcome")
        self.scroll.setVisible(False)
        outer.addWidget(self.scroll, 1)
        self.empty = QWidget(self)
        outer.addWidget(self.empty, 1)

        self.look_up_button.clicked.connect(self._look_up)
        self.number.returnPressed.connect(self._look_up)
        self.number.textEdited.connect(lambda _t: show_error(self.number_error, None))
        controller.number_problem.connect(self._number_problem)
        controller.notice.connect(self._notice)
        controller.looking.connect(self._looking)
        controller.answer_changed.connect(self._answer)
        controller.cleared.connect(self._cleared)
        controller.outcome_restored.connect(self._restore)
        controller.outcome_problems.connect(self._problems)
        controller.recorded.connect(self._recorded)
        QShortcut(QKeySequence(RECORD_KEYS), self, activated=self._record)
        QShortcut(QKeySequence(FINISH_KEYS), self, activated=self._finish)
        if controller.online is False:
            self._notice(controller.offline_sentence())
        QTimer.singleShot(0, self.number.setFocus)

    # --- the number --------------------------------------------------------------------

    def _look_up(self) -> None:
        self.controller.look_up(self.number.text())

    def _number_problem(self, message: str) -> None:
        show_error(self.number_error, message or None)
        if message:
            self.number.setFocus()
            self.number.selectAll()

    def _notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setAccessibleDescription(text)
        self.notice.setVisible(bool(text))

    def _looking(self, on: bool) -> None:
        self.look_up_button.setEnabled(not on)
        self.look_up_button.setText("Looking up…" if on else "&Look up")

    # --- the answer --------------------------------------------------------------------

    def _answer(self, answer: LineAnswer | None) -> None:
        if answer is None:
            return
        self.number.setText(answer.number_display)  # grouped, to read back to the caller
        box = QWidget()
        box.setAccessibleName("The answer for the card")
        layout = QVBoxLayout(box)
        c = self.controller
        word = c.status_word(answer.status)
        self.status = _big(
            f"{word} — card {answer.number_display}",
            "What the line may do",
            box,
            role="line-headline",
        )
        layout.addWidget(self.status)
        self.message = _big(answer.message, "What the look-up says", box, role="line-strong")
        layout.addWidget(self.message)
        if answer.what_to_do:
            layout.addWidget(_big(f"What to do: {answer.what_to_do}", "What to do", box))
        for gap in answer.missing if answer.status is LineStatus.INCOMPLETE else ():
            layout.addWidget(_big(f"• Missing: {gap}", "Missing from the plan", box))
        who = [f"Carer: {answer.carer_name}"] if answer.carer_name else []
        if answer.carer_phone:
            who.append(f"carer's phone {answer.carer_phone}")
        if who:
            layout.addWidget(_big(" · ".join(who), "The carer", box))
        if answer.review_overdue_since is not None:
            layout.addWidget(
                _big(
                    "The plan's review is overdue: check the details with the caller.",
                    "Review overdue",
                    box,
                )
            )
        if answer.usable:
            self._plan(answer, layout, box)
        if c.may_record:
            self._outcome(answer, layout, box)
        layout.addStretch(1)
        self.answer_box = box
        self.scroll.setWidget(box)
        self.scroll.setVisible(True)
        self.empty.setVisible(False)
        self.status.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # read first by a screen reader
        self.status.setFocus()

    def _section(self, title: str, layout: QVBoxLayout, box: QWidget) -> QVBoxLayout:
        group = QGroupBox(title, box)
        group.setAccessibleName(title)
        group.setProperty("role", "line")
        inner = QVBoxLayout(group)
        layout.addWidget(group)
        return inner

    def _plan(self, answer: LineAnswer, layout: QVBoxLayout, box: QWidget) -> None:
        where = self._section("Where care is needed", layout, box)
        for p in answer.people:
            where.addWidget(_big(p.name, "Person cared for", box, role="line-strong"))
            address = ", ".join(p.address) if p.address else "Address not known"
            where.addWidget(_big(address, f"Where {p.name} is", box))
            where.addWidget(_big(p.address_note, "About the address", box))
        ring = self._section("Ring in this order", layout, box)
        if not answer.contacts:
            ring.addWidget(_big("No contact agreed to be rung.", "No contacts", box))
        self.contact_rows = {}
        for contact in answer.contacts:
            parts = [contact.phone, contact.role]
            if contact.availability:
                parts.append(contact.availability)
            if contact.holds_key:
                parts.append("holds a key")
            row = ContactRow(contact.position, contact.name, " · ".join(parts), box)
            row.setVisible(True)
            ring.addWidget(row)
            self.contact_rows[contact.contact_id] = row
            row.attempt.currentIndexChanged.connect(lambda _i: self._edited())
            row.note.textEdited.connect(lambda _t: self._edited())
        for p in answer.people:
            needs = self._section(f"{p.name}: needs and medication", layout, box)
            needs.addWidget(_big(f"Care needed: {p.care_needed}", "Care needed", box))
            needs.addWidget(_big("Medication: " + "; ".join(p.medication), "Medication", box))
            needs.addWidget(_big(f"Allergies: {p.allergies}", "Allergies", box))
            for label, value in (
                ("Mobility", p.mobility),
                ("Communication", p.communication),
                ("May worry a stranger", p.behaviour),
                ("GP", p.gp),
            ):
                if value:
                    needs.addWidget(_big(f"{label}: {value}", label, box))
        if answer.access is not None:
            access = self._section("Getting in", layout, box)
            a = answer.access
            for label, value in (
                ("How to get in", a.how_to_get_in),
                ("Keys", a.who_holds_keys),
                ("Key safe", a.key_safe),
            ):
                if value:
                    access.addWidget(_big(f"{label}: {value}", label, box))

    def _outcome(self, answer: LineAnswer, layout: QVBoxLayout, box: QWidget) -> None:
        group = QGroupBox("The call's outcome", box)
        group.setAccessibleName("The call's outcome")
        group.setProperty("role", "line")
        form: QFormLayout = form_layout()
        group.setLayout(form)
        self.caller = line_edit(
            name="Who rang", placeholder="e.g. a neighbour, paramedic at the house", parent=box
        )
        self.caller_row = add_row(form, "&Who rang:", self.caller)
        least, usual, most = self.controller.hours_range()
        self.care = QCheckBox("Replacement &care arranged", box)
        self.care.setAccessibleName("Replacement care arranged")
        form.addRow(self.care)
        self.hours = QSpinBox(box)
        self.hours.setRange(least, most)
        self.hours.setValue(min(usual, 24))
        self.hours.setSuffix(" hours")
        self.hours.setAccessibleName("Hours of replacement care")
        self.hours.setAccessibleDescription(
            f"From {least} to {usual} hours; up to {most} in exceptional cases"
        )
        self.hours_row = add_row(form, "Ho&urs:", self.hours)
        self.hours_hint = hint(
            f"Up to {usual} hours; up to {most} in exceptional cases (say why).",
            box,
            name="Hours allowed",
        )
        form.addRow(self.hours_hint)
        self.exceptional = line_edit(name="Why this case is exceptional", parent=box)
        self.exceptional_row = add_row(form, "Why e&xceptional:", self.exceptional)
        self.follow_up = line_edit(
            name="Follow-up for the office",
            placeholder="e.g. ring the daughter about a longer-term plan",
            parent=box,
        )
        self.follow_up_row = add_row(form, "Follow-up for the &office:", self.follow_up)
        self.notes = QPlainTextEdit(box)
        self.notes.setTabChangesFocus(True)
        self.notes.setAccessibleName("Notes on the call")
        self.notes.setFixedHeight(self.notes.fontMetrics().lineSpacing() * 4)
        self.notes_row = add_row(form, "No&tes:", self.notes)
        self.outcome_error = field_error(box, for_field="the call's outcome")
        form.addRow(self.outcome_error)
        self.record_button = button(
            "Record the call",
            name="Record the call",
            description="Keeps the outcome with the carer's record, then clears the screen "
            f"({RECORD_KEYS.replace('Return', 'Enter')})",
            icon_name="save",
            primary=True,
            parent=box,
        )
        self.finish_button = button(
            "Call finished: clear",
            name="Call finished: clear the screen without recording",
            description=f"Clears the plan from the screen ({FINISH_KEYS})",
            parent=box,
        )
        form.addRow(button_row(self.finish_button, self.record_button))
        layout.addWidget(group)
        self._care_toggled()
        self.care.toggled.connect(lambda _on: (self._care_toggled(), self._edited()))
        self.hours.valueChanged.connect(lambda _v: (self._care_toggled(), self._edited()))
        for edit in (self.caller, self.exceptional, self.follow_up):
            edit.textEdited.connect(lambda _t: self._edited())
        self.notes.textChanged.connect(self._edited)
        self.record_button.clicked.connect(self._record)
        self.finish_button.clicked.connect(self._finish)

    def _care_toggled(self) -> None:
        on = self.care.isChecked()
        usual = self.controller.hours_range()[1]
        self.hours.setEnabled(on)
        exceptional = on and self.hours.value() > usual
        self.exceptional.setEnabled(exceptional)
        self.exceptional.setPlaceholderText(
            "required above the usual hours" if exceptional else "only above the usual hours"
        )

    # --- the outcome -------------------------------------------------------------------

    def outcome(self) -> CallOutcome:
        attempts = {
            cid: Attempt(row.attempt.currentData() or Attempt.NOT_RUNG)
            for cid, row in self.contact_rows.items()
        }
        return CallOutcome(
            caller=self.caller.text(),
            attempts=attempts,
            notes_on={cid: row.note.text() for cid, row in self.contact_rows.items()},
            care_arranged=self.care.isChecked(),
            hours=self.hours.value(),
            exceptional_reason=self.exceptional.text() if self.exceptional.isEnabled() else "",
            follow_up=self.follow_up.text(),
            notes=self.notes.toPlainText(),
        )

    def _has_outcome(self) -> bool:
        shown = self.answer_box is not None and hasattr(self, "caller")
        return shown and self.controller.may_record

    def _edited(self) -> None:
        if self._has_outcome():
            self.controller.outcome_edited(self.outcome())

    def _restore(self, outcome: CallOutcome) -> None:
        if not self._has_outcome():
            return
        self.caller.setText(outcome.caller)
        for cid, row in self.contact_rows.items():
            attempt = outcome.attempts.get(cid, Attempt.NOT_RUNG)
            row.attempt.setCurrentIndex(max(0, row.attempt.findData(str(attempt))))
            row.note.setText(outcome.notes_on.get(cid, ""))
        self.care.setChecked(outcome.care_arranged)
        if outcome.hours:
            self.hours.setValue(outcome.hours)
        self.exceptional.setText(outcome.exceptional_reason)
        self.follow_up.setText(outcome.follow_up)
        self.notes.setPlainText(outcome.notes)
        self._care_toggled()

    def _problems(self, problems: list[tuple[str, str]]) -> None:
        rows = {
            "caller": self.caller_row,
            "replacement_care_hours": self.hours_row,
            "exceptional_reason": self.exceptional_row,
            "exceptional": self.exceptional_row,
            "follow_up": self.follow_up_row,
            "notes": self.notes_row,
        }
        for row in rows.values():
            row.set_error(None)
        other = []
        first = None
        for field, message in problems:
            row = rows.get(field)
            if row is None:
                other.append(message)
                continue
            row.set_error(message)
            first = first or row.field
        show_error(self.outcome_error, " ".join(other) or None)
        if first is not None:
            first.setFocus()
            self.scroll.ensureWidgetVisible(first)

    def _record(self) -> None:
        if self._has_outcome():
            self.controller.record(self.outcome())

    def _finish(self) -> None:
        self.controller.finish()

    def _recorded(self, sentence: str) -> None:
        self._notice(sentence)

    # --- call finished, lock, idle ---------------------------------------------------

    def _cleared(self, call_over: bool) -> None:
        box, self.answer_box = self.answer_box, None
        self.contact_rows = {}
        for name in ("caller", "care", "hours", "exceptional", "follow_up", "notes", "status"):
            self.__dict__.pop(name, None)
        if box is not None:
            _wipe(box)
            self.scroll.takeWidget()
            box.hide()
            box.deleteLater()
        self.scroll.setVisible(False)
        self.empty.setVisible(True)
        if call_over:
            self.number.clear()
            show_error(self.number_error, None)
            self._looking(False)
            self.number.setFocus()
