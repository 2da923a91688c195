"""Conflicts and refused changes: both values side by side, decided per field; each
refusal with the server's reason and what to do, and a way to discard it after a
confirmation. A laptop that only sends (the 24-hour line's) shows its refused calls
alone: it never has conflicts."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carer_desk.sync_status import ConflictItem, ConflictListing, RefusedChange
from ui.controllers.conflicts import MINE, THEIRS, CallCorrection, ConflictsController
from ui.events import UserMessage
from ui.views.widgets import (
    Dialog,
    add_row,
    banner,
    button,
    button_row,
    field_error,
    form_layout,
    heading,
    hint,
    line_edit,
    paragraph,
    show_error,
    subheading,
)


class ConflictDetail(QWidget):
    """One record's conflicting fields, each with both values and a choice."""

    def __init__(
        self, controller: ConflictsController, item: ConflictItem, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.item = item
        self.setAccessibleName(f"Conflict on {item.description}")
        layout = QVBoxLayout(self)
        layout.addWidget(subheading(item.description, self))
        who = item.raised_by or "another device"
        when = f" on {item.raised_at}" if item.raised_at else ""
        layout.addWidget(
            hint(
                f"Changed differently on two devices; the other change came from {who}{when}. "
                "Choose, for each part, which value to keep. Both stay in the history.",
                self,
                name="About this conflict",
            )
        )
        self.groups: dict[str, QButtonGroup] = {}
        for f in item.fields:
            box = QGroupBox(f.field.replace("_", " ").capitalize(), self)
            box.setAccessibleName(f"Field {f.field}")
            grid = QGridLayout(box)
            mine = QRadioButton(f"{item.mine_label}: {f.mine_text}", box)
            mine.setAccessibleName(f"Keep {item.mine_label.lower()} for {f.field}")
            theirs = QRadioButton(f"{item.theirs_label}: {f.theirs_text}", box)
            theirs.setAccessibleName(f"Keep {item.theirs_label.lower()} for {f.field}")
            for radio in (mine, theirs):
                radio.setStyleSheet("text-align: left;")
            group = QButtonGroup(box)
            group.addButton(mine)
            group.addButton(theirs)
            chosen = controller.choices.get(item.record_id, {}).get(f.field)
            mine.setChecked(chosen == MINE)
            theirs.setChecked(chosen == THEIRS)
            mine.toggled.connect(
                lambda on, name=f.field: on and controller.choose(item.record_id, name, MINE)
            )
            theirs.toggled.connect(
                lambda on, name=f.field: on and controller.choose(item.record_id, name, THEIRS)
            )
            grid.addWidget(mine, 0, 0)
            grid.addWidget(theirs, 1, 0)
            if f.parts:
                grid.addWidget(
                    hint(
                        f"They differ in {', '.join(f.parts)}; this part is kept or replaced "
                        "as a whole.",
                        box,
                        name="Which parts differ",
                    ),
                    2,
                    0,
                )
            self.groups[f.field] = group
            layout.addWidget(box)
        self.resolve_button = button(
            "&Keep these values",
            name="Keep these values",
            description="Send the decision to the office; every device then agrees",
            primary=True,
            parent=self,
        )
        self.resolve_button.clicked.connect(lambda: controller.resolve(item))
        layout.addLayout(button_row(self.resolve_button))
        layout.addStretch(1)


class CorrectCallDialog(Dialog):
    """A refused call's outcome, corrected and sent again: the office's reason at the
    top, the parts it checks below. Stays open until the call is saved, so a problem
    (shown under its field) loses nothing typed; Escape keeps the call as it was."""

    def __init__(
        self, refused: RefusedChange, correction: CallCorrection, reason: str, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.refused = refused
        self._bounds = correction
        title = "Correct and send the call again"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        layout = QVBoxLayout(self)
        about = refused.description
        layout.addWidget(subheading(about[:1].upper() + about[1:], self))
        why = paragraph(f"The office refused it: {reason}", self, name="Why it was refused")
        layout.addWidget(why)
        layout.addWidget(
            hint(
                "Who rang and which contacts were tried stay as recorded; only the office "
                "changes those.",
                self,
                name="What can be corrected",
            )
        )
        form = form_layout()
        self.care = QCheckBox("Replacement &care arranged", self)
        self.care.setAccessibleName("Replacement care arranged")
        self.care.setChecked(correction.care_arranged)
        form.addRow(self.care)
        self.hours = QSpinBox(self)
        self.hours.setRange(1, max(1, correction.most_hours))
        self.hours.setValue(max(1, correction.hours))
        self.hours.setSuffix(" hours")
        self.hours.setAccessibleName("Hours of replacement care")
        self.hours.setAccessibleDescription(
            f"Up to {correction.usual_hours} hours; up to {correction.most_hours} in "
            "exceptional cases, with the reason"
        )
        self.hours_row = add_row(form, "Ho&urs:", self.hours)
        self.exceptional = line_edit(
            name="Why it is exceptional",
            placeholder="Needed only for more than the usual hours",
            parent=self,
        )
        self.exceptional.setText(correction.exceptional_reason)
        self.exceptional_row = add_row(form, "&Why exceptional:", self.exceptional)
        self.follow_up = line_edit(name="Follow-up for the office", parent=self)
        self.follow_up.setText(correction.follow_up)
        self.follow_up_row = add_row(form, "&Follow-up:", self.follow_up)
        layout.addLayout(form)
        self.error = field_error(self, for_field=title)
        layout.addWidget(self.error)
        self.send = button(
            "&Send again",
            name="Send the corrected call again",
            description="Replaces the refused call; it goes to the office at once",
            primary=True,
            parent=self,
        )
        self.cancel = button("Cancel", name="Cancel, keeping the refused call", parent=self)
        layout.addLayout(button_row(self.cancel, self.send))
        self.cancel.clicked.connect(self.reject)
        self.care.toggled.connect(self._care_toggled)
        self._care_toggled(self.care.isChecked())

    def _care_toggled(self, on: bool) -> None:
        self.hours.setEnabled(on)
        self.exceptional.setEnabled(on)

    def correction(self) -> CallCorrection:
        return CallCorrection(
            care_arranged=self.care.isChecked(),
            hours=self.hours.value(),
            exceptional_reason=self.exceptional.text(),
            follow_up=self.follow_up.text(),
            usual_hours=self._bounds.usual_hours,
            most_hours=self._bounds.most_hours,
        )

    def show_problems(self, problems: list[tuple[str, str]]) -> None:
        rows = {
            "replacement_care_hours": self.hours_row,
            "exceptional_reason": self.exceptional_row,
            "follow_up": self.follow_up_row,
        }
        for row in rows.values():
            row.set_error(None)
        rest = []
        for field, message in problems:
            if field in rows:
                rows[field].set_error(message)
            else:
                rest.append(message)
        show_error(self.error, " ".join(rest) or None)


class SyncPage(QWidget):
    open_record = Signal(str, str)  # kind, record id

    def __init__(
        self,
        controller: ConflictsController,
        parent: QWidget | None = None,
        *,
        opens: frozenset[str] = frozenset({"carer"}),
        sends: tuple[str, str] | None = None,
    ) -> None:
        """``sends``: on a laptop that only sends, what it sends ("call", "calls"); its
        page lists those refused and nothing of conflicts."""
        super().__init__(parent)
        self.controller = controller
        self._opens = opens  # the kinds of record this person may open as a page
        self._one = sends[0] if sends else "change"
        self.setAccessibleName("Sync problems")
        layout = QVBoxLayout(self)
        title = (
            f"{sends[1].capitalize()} the office refused"
            if sends
            else ("Conflicts and refused changes")
        )
        layout.addWidget(heading(title, self))
        self.notice = banner(name="Sync notice", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.tabs: QTabWidget | None = None
        self.conflict_list: QListWidget | None = None
        if sends is None:
            self.tabs = QTabWidget(self)
            self.tabs.setAccessibleName("Conflicts and refused changes")
            layout.addWidget(self.tabs, 1)

            # conflicts
            conflicts = QWidget(self.tabs)
            c_layout = QHBoxLayout(conflicts)
            split = QSplitter(Qt.Orientation.Horizontal, conflicts)
            self.conflict_list = QListWidget(split)
            self.conflict_list.setAccessibleName("Records in conflict")
            self.detail_area = QScrollArea(split)
            self.detail_area.setWidgetResizable(True)
            self.detail_area.setAccessibleName("Conflict details")
            self.empty_conflicts = paragraph(
                "No conflicts: every device agrees.", name="No conflicts"
            )
            self.detail_area.setWidget(self.empty_conflicts)
            split.setStretchFactor(1, 3)
            c_layout.addWidget(split)
            self.tabs.addTab(conflicts, "Conflicts")
            self.conflict_list.currentRowChanged.connect(self._show_conflict)
            controller.conflicts_loaded.connect(self.show_conflicts)

        # refused
        refused = QWidget(self.tabs or self)
        r_layout = QVBoxLayout(refused)
        if sends:
            r_layout.setContentsMargins(0, 0, 0, 0)
            r_layout.addWidget(
                hint(
                    f"A {self._one} the office refused stays on this laptop, with the "
                    "office's reason, and is not sent again as it is.",
                    refused,
                    name=f"About refused {sends[1]}",
                )
            )
        self.refused_list = QListWidget(refused)
        self.refused_list.setAccessibleName(f"Refused {sends[1] if sends else 'changes'}")
        self.refused_list.setWordWrap(True)
        r_layout.addWidget(self.refused_list, 1)
        self.refused_reason = paragraph("", refused, name="Reason and what to do")
        r_layout.addWidget(self.refused_reason)
        self.open_button = button(
            "&Open the record", name="Open the refused record", parent=refused
        )
        self.open_button.setEnabled(False)
        self.discard_button = button(
            f"&Discard this {self._one}…",
            name=f"Discard the refused {self._one}",
            description="Asks first. This laptop's copy goes; the office's, if it has one, "
            "comes back at the next sync (Delete on the list does the same)",
            parent=refused,
        )
        self.discard_button.setEnabled(False)
        # A call has no page to open on the line's laptop: its outcome is corrected here.
        self.correct_button = button(
            f"&Correct and send this {self._one} again…",
            name=f"Correct the refused {self._one} and send it again",
            description="Opens the parts the office checks, to correct and send again",
            parent=refused,
        )
        self.correct_button.setEnabled(False)
        buttons = (
            (self.correct_button, self.discard_button)
            if sends
            else (self.open_button, self.discard_button)
        )
        self.open_button.setVisible(not sends)
        self.correct_button.setVisible(bool(sends))
        r_layout.addLayout(button_row(*buttons))
        if self.tabs is not None:
            self.tabs.addTab(refused, "Refused changes")
        else:
            layout.addWidget(refused, 1)
        self._refused_tab = refused

        self.refused_list.currentRowChanged.connect(self._show_refused)
        self.refused_list.itemActivated.connect(lambda _i: self._open())
        self.refused_list.installEventFilter(self)  # Delete on the list asks to discard
        self.open_button.clicked.connect(self._open)
        self.discard_button.clicked.connect(self.ask_discard)
        self.correct_button.clicked.connect(self.ask_correct)
        controller.correction_ready.connect(self._open_correction)
        controller.correction_problems.connect(self._correction_problems)
        controller.corrected.connect(self._corrected)
        controller.refused_loaded.connect(self.show_refused)
        controller.discarded.connect(self.show_discarded)
        controller.problem.connect(self.show_problem)
        self.confirm: QMessageBox | None = None
        self.correction: CorrectCallDialog | None = None
        self._items: list[ConflictItem] = []
        self._refused: list[RefusedChange] = []

    def show_conflicts(self, listing: ConflictListing) -> None:
        assert self.conflict_list is not None and self.tabs is not None  # built with them
        self._items = list(listing.items)
        self.conflict_list.clear()
        for item in self._items:
            entry = QListWidgetItem(f"⚠ {item.description}")
            entry.setData(Qt.ItemDataRole.AccessibleTextRole, f"Conflict: {item.description}")
            self.conflict_list.addItem(entry)
        self.tabs.setTabText(0, f"Conflicts ({len(self._items)})")
        if listing.offline:
            self.notice.setText(
                "Offline: these are the conflicts this laptop noted at its last sync. "
                "Deciding them needs the office server."
            )
        elif listing.resolved_elsewhere:
            self.notice.setText(
                f"{len(listing.resolved_elsewhere)} conflict(s) were decided on another "
                "device; the next sync brings the decision."
            )
        self.notice.setVisible(listing.offline or bool(listing.resolved_elsewhere))
        if self._items:
            self.conflict_list.setCurrentRow(0)
        else:
            self._show_conflict(-1)

    def _show_conflict(self, row: int) -> None:
        if 0 <= row < len(self._items):
            self.detail_area.setWidget(ConflictDetail(self.controller, self._items[row]))
        else:
            self.empty_conflicts = paragraph(
                "No conflicts: every device agrees.", name="No conflicts"
            )
            self.detail_area.setWidget(self.empty_conflicts)

    def show_refused(self, refused: list) -> None:
        self._refused = list(refused)
        self.refused_list.clear()
        for r in self._refused:
            entry = QListWidgetItem(f"✕ {r.description}: {self.controller.reason(r)}")
            entry.setData(Qt.ItemDataRole.AccessibleTextRole, f"Refused: {r.description}")
            self.refused_list.addItem(entry)
        if self.tabs is not None:
            self.tabs.setTabText(
                self.tabs.indexOf(self._refused_tab), f"Refused changes ({len(self._refused)})"
            )
        if self._refused:
            self.refused_list.setCurrentRow(0)
        else:
            self.refused_reason.setText(
                "Nothing was refused."
                if self._one == "change"
                else f"Nothing was refused: every {self._one} recorded here reached the office "
                "or is waiting to be sent."
            )
            self.open_button.setEnabled(False)
            self.discard_button.setEnabled(False)
            self.correct_button.setEnabled(False)

    def _show_refused(self, row: int) -> None:
        if 0 <= row < len(self._refused):
            r = self._refused[row]
            self.refused_reason.setText(
                f"The office refused this {self._one}: {self.controller.reason(r)}\n"
                f"What to do: {self.controller.advice(r)}"
            )
            self.open_button.setEnabled(r.kind in self._opens)
            self.discard_button.setEnabled(True)
            self.correct_button.setEnabled(True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.refused_list
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Delete)
        ):
            self.ask_discard()
            return True
        return super().eventFilter(watched, event)

    def _chosen(self) -> RefusedChange | None:
        row = self.refused_list.currentRow()
        return self._refused[row] if 0 <= row < len(self._refused) else None

    def _open(self) -> None:
        r = self._chosen()
        if r is not None and r.kind in self._opens:
            self.open_record.emit(r.kind, r.record_id)

    def ask_discard(self) -> None:
        """Ask before discarding the chosen refusal: what goes, and what comes back."""
        r = self._chosen()
        if r is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            f"Discard this {self._one}?",
            f"Discard {r.description}? The office refused it: {self.controller.reason(r)} "
            f"This laptop's copy is removed and cannot be brought back; if the office holds "
            "an earlier copy, that comes back at the next sync.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setAccessibleName(f"Discard this {self._one}?")
        yes = box.addButton(f"&Discard the {self._one}", QMessageBox.ButtonRole.AcceptRole)
        yes.setAccessibleName(f"Discard the {self._one}")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def answered() -> None:
            if box.clickedButton() is yes:
                self.controller.discard(r)
            self.refused_list.setFocus()

        box.finished.connect(lambda _r: answered())
        box.finished.connect(box.deleteLater)
        self.confirm = box
        box.open()

    def ask_correct(self) -> None:
        r = self._chosen()
        if r is not None:
            self.controller.call_to_correct(r)

    def _open_correction(self, refused: RefusedChange, correction: CallCorrection) -> None:
        dialog = CorrectCallDialog(refused, correction, self.controller.reason(refused), self)
        dialog.send.clicked.connect(
            lambda: self.controller.correct_call(refused, dialog.correction())
        )
        dialog.finished.connect(lambda _r: self._correction_closed(dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.correction = dialog
        dialog.open()

    def _correction_closed(self, dialog: CorrectCallDialog) -> None:
        if self.correction is dialog:
            self.correction = None
        self.refused_list.setFocus()

    def _correction_problems(self, problems: list[tuple[str, str]]) -> None:
        if self.correction is not None:
            self.correction.show_problems(problems)

    def _corrected(self, message: str) -> None:
        if self.correction is not None:
            self.correction.accept()
        self.notice.setText(message)
        self.notice.setVisible(True)

    def show_discarded(self, message: str) -> None:
        self.notice.setText(message)
        self.notice.setVisible(True)

    def show_problem(self, message: UserMessage) -> None:
        self.notice.setText(message.text)
        self.notice.setVisible(True)
