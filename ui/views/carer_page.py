"""A carer's record as a page with tabs: Profile · Conversations · Payments · Plan & card ·
Groups · History. A new carer opens on the profile alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carer_desk.ports import SyncState
from carer_desk.services.duplicates import PossibleDuplicate
from ui.controllers.carer import CarerController, CarerRecord
from ui.controllers.conversation import ConversationStarter
from ui.events import UserMessage
from ui.forms.carer_form import LISTS, SECTIONS
from ui.forms.plan_form import review_sentence
from ui.icons import icon
from ui.models.sync_state import state_icon_name, state_word
from ui.views import carer_tabs
from ui.views.conversations_tab import conversations_tab
from ui.views.form_builder import FieldWidget, ListEditor, build_fields, show_problems
from ui.views.payments_tab import payments_tab_for
from ui.views.widgets import (
    banner,
    button,
    button_row,
    focus_follows_tab,
    follow_focus,
    follow_in_tab_order,
    form_layout,
    heading,
    hint,
    tab_keys,
)

TABS = ("profile", "conversations", "payments", "plan", "groups", "history")


class DuplicatesPanel(QGroupBox):
    """Possible duplicates, each with what to do: open it, merge, or keep apart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("This may be someone already on the laptop", parent)
        self.setAccessibleName("Possible duplicates")
        layout = QVBoxLayout(self)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Possible duplicates")
        self.list.setWordWrap(True)
        layout.addWidget(self.list)
        self.open_button = button("&Open that record", name="Open the other record", parent=self)
        self.merge_button = button(
            "&Merge into that record", name="Merge this carer into the other record", parent=self
        )
        self.apart_button = button(
            "&Different people", name="Keep the two records apart", parent=self
        )
        self.anyway_button = button(
            "Register as a &new carer", name="Register as a new carer anyway", parent=self
        )
        layout.addLayout(
            button_row(self.open_button, self.merge_button, self.apart_button, self.anyway_button)
        )
        self.found: list[PossibleDuplicate] = []

    def show_found(self, found: list[PossibleDuplicate], *, new: bool) -> None:
        self.found = list(found)
        self.list.clear()
        for d in self.found:
            item = QListWidgetItem(f"{d.other_name}: {'; '.join(d.reasons)}")
            self.list.addItem(item)
        if self.found:
            self.list.setCurrentRow(0)
        self.merge_button.setVisible(not new)
        self.apart_button.setVisible(not new)
        self.anyway_button.setVisible(new)
        self.setVisible(bool(self.found))

    def chosen(self) -> PossibleDuplicate | None:
        row = self.list.currentRow()
        return self.found[row] if 0 <= row < len(self.found) else None


class ProfileForm(QWidget):
    """Every field of the carer's record, in sections, with lists of people."""

    def __init__(self, changed: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Profile")
        layout = QVBoxLayout(self)
        # Never squeezed below what its fields need: the scroll area scrolls instead.
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)
        self.fields: dict[str, FieldWidget] = {}
        self.lists: dict[str, ListEditor] = {}
        for section in SECTIONS:
            box = QGroupBox(section.title, self)
            box.setAccessibleName(section.title)
            inner = QVBoxLayout(box)
            if section.note:
                inner.addWidget(hint(section.note, box, name=f"About {section.title.lower()}"))
            form = form_layout()
            self.fields.update(build_fields(form, section.fields, box))
            inner.addLayout(form)
            layout.addWidget(box)
            if section.title == "Their caring":
                for spec in LISTS:
                    editor = ListEditor(spec, changed, self)
                    self.lists[spec.key] = editor
                    layout.addWidget(editor)
        for f in self.fields.values():
            f.watch(changed)

    def values(self) -> dict[str, Any]:
        values = {key: f.value() for key, f in self.fields.items()}
        for key, editor in self.lists.items():
            values[key] = editor.value()
        return values

    def set_values(self, values: dict[str, Any]) -> None:
        for key, f in self.fields.items():
            f.set_value(values.get(key))
        for key, editor in self.lists.items():
            editor.set_value(values.get(key) or [])

    def set_errors(self, problems: dict[str, str]) -> QWidget | None:
        """Show each problem next to its field; returns the first field with one."""
        first = show_problems(self.fields, problems)
        for editor in self.lists.values():
            editor.set_errors(problems)
        return first

    def set_read_only(self, read_only: bool) -> None:
        for f in self.fields.values():
            f.set_read_only(read_only)
        for editor in self.lists.values():
            editor.set_read_only(read_only)


class CarerPage(QWidget):
    """Built once per unlock and bound to one carer at a time (:meth:`bind`): opening the
    next carer refills the same fields instead of building sixty widgets again."""

    def __init__(
        self,
        *,
        back: Callable[[], None],
        open_carer: Callable[[str], None],
        tab_changed: Callable[[str], None],
        card_group_size: int,
        open_plan: Callable[[str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller: CarerController | None = None
        self._open_plan = open_plan
        self._open_carer = open_carer
        self._tab_changed = tab_changed
        self._group_size = card_group_size
        self._start_tab: str | None = None
        self._showing = False
        self._unbuilt: dict[str, Callable[[], QWidget]] = {}  # tab key -> builds it
        self._swapping = False
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back_button = button("&Back", name="Back to the list", icon_name="back", parent=self)
        self.back_button.clicked.connect(back)
        top.addWidget(self.back_button)
        self.title = heading("Opening…", self)
        top.addWidget(self.title, 1)
        self.state_icon = QLabel(self)
        self.state_icon.setAccessibleName("Sync state icon")
        self.state = QLabel("", self)
        self.state.setAccessibleName("Sync state")
        top.addWidget(self.state_icon)
        top.addWidget(self.state)
        layout.addLayout(top)
        self.notice = banner(name="Notice about this record", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.age = banner(name="Age notice", parent=self)
        self.age.setVisible(False)
        layout.addWidget(self.age)
        self.duplicates = DuplicatesPanel(self)
        self.duplicates.setVisible(False)
        layout.addWidget(self.duplicates)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Parts of the record")
        self.tabs.setDocumentMode(True)
        self.profile = ProfileForm(self._edited, self)
        scroll = follow_focus(QScrollArea(self.tabs))
        scroll.setWidgetResizable(True)
        # Lines of a readable length, however wide the window (in text units).
        self.profile.setMaximumWidth(self.fontMetrics().averageCharWidth() * 110)
        scroll.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        scroll.setWidget(self.profile)
        scroll.setAccessibleName("Profile")
        self.profile_scroll = scroll
        self.tabs.addTab(scroll, "&Profile")
        self._tab_keys = ["profile"]
        layout.addWidget(self.tabs, 1)

        self.save_button = button(
            "&Save",
            name="Save the record",
            description="Ctrl+S; your typing is also kept as a draft as you go",
            icon_name="save",
            primary=True,
            parent=self,
        )
        self.discard_button = button(
            "&Undo my changes", name="Undo my unsaved changes", parent=self
        )
        self.find_duplicates = button(
            "Possible &duplicates…", name="Look for possible duplicates of this carer", parent=self
        )
        self.saved_label = hint("", self, name="Save result")
        bottom = QHBoxLayout()
        bottom.addWidget(self.saved_label, 1)
        bottom.addWidget(self.find_duplicates)
        bottom.addWidget(self.discard_button)
        bottom.addWidget(self.save_button)
        layout.addLayout(bottom)

        self.save_button.clicked.connect(self.save_now)
        self.discard_button.clicked.connect(lambda: self._ask("discard_changes"))
        self.find_duplicates.clicked.connect(lambda: self._ask("duplicates_of_saved"))
        self.tabs.currentChanged.connect(self._tab_moved)
        self.duplicates.open_button.clicked.connect(self._open_duplicate)
        self.duplicates.merge_button.clicked.connect(self._merge)
        self.duplicates.apart_button.clicked.connect(self._keep_apart)
        self.duplicates.anyway_button.clicked.connect(lambda: self._ask("register_anyway"))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, back)
        tab_keys(self.tabs, self)
        focus_follows_tab(self.tabs)

    def bind(self, controller: CarerController, tab: str | None = None) -> None:
        """Show ``controller``'s carer (the previous controller goes with its signals)."""
        old, self.controller = self.controller, controller
        if old is not None:
            old.deleteLater()
        controller.setParent(self)
        self._start_tab = tab
        new = controller.is_new
        self.setAccessibleName("New carer" if new else "Carer's record")
        self.title.setText("New carer" if new else "Opening…")
        self.title.setAccessibleName(self.title.text())
        self.save_button.setText("&Register carer" if new else "&Save")
        self.save_button.setAccessibleName("Register the carer" if new else "Save the record")
        self.find_duplicates.setVisible(not new)
        for banner_ in (self.notice, self.age, self.duplicates):
            banner_.setVisible(False)
        self.saved_label.setText("")
        self.state.setText("")
        self.state_icon.clear()
        self._drop_tabs()
        self._tab_keys = ["profile"]
        self.tabs.setCurrentIndex(0)
        self.profile.set_errors({})
        self.profile_scroll.verticalScrollBar().setValue(0)
        controller.loaded.connect(self.show_record)
        controller.values_ready.connect(self.show_values)
        controller.field_errors.connect(self.show_errors)
        controller.saved.connect(self._saved)
        controller.duplicates_found.connect(
            lambda found: self.duplicates.show_found(found, new=controller.is_new)
        )
        controller.age_notice.connect(self._age)
        controller.problem.connect(self.show_problem)
        controller.state_changed.connect(self._state)
        controller.registered.connect(self._open_carer)
        self.discard_button.setVisible(False)
        self.profile.set_read_only(not controller.editable)
        self.save_button.setVisible(controller.editable)
        controller.load()

    def _ask(self, action: str) -> None:
        if self.controller is not None:
            getattr(self.controller, action)()

    # --- showing -----------------------------------------------------------------------

    def show_record(self, record: CarerRecord | None) -> None:
        if record is None:
            return
        carer = record.carer
        self.title.setText(carer.display_name)
        self.title.setAccessibleName(f"Record of {carer.display_name}")
        self._drop_tabs()
        self._tab_keys = ["profile"]
        # Each tab is built when first shown: opening a carer builds the profile alone
        # (the payments tab, with its controller and tables, took longer than the rest of
        # the page). A tab not shown yet is an empty stand-in under its label.
        ctx = self.controller.ctx
        for key, label, name, build in (
            (
                "conversations",
                "&Conversations",
                "Conversations",
                lambda: conversations_tab(record, ConversationStarter(ctx, carer.id)),
            ),
            ("payments", "Pay&ments", "Payments", lambda: self._payments_tab(record)),
            ("plan", "Pla&n && card", "Plan and card", lambda: self._plan_tab(record)),
            ("groups", "&Groups", "Groups", lambda: carer_tabs.groups_tab(record)),
            ("history", "H&istory", "History", lambda: carer_tabs.history_tab(record)),
        ):
            stand_in = QWidget()
            stand_in.setAccessibleName(name)
            self.tabs.addTab(stand_in, label)
            self._tab_keys.append(key)
            self._unbuilt[key] = build
        if self._start_tab in self._tab_keys:
            self.tabs.setCurrentIndex(self._tab_keys.index(self._start_tab))
            self._start_tab = None
        if record.carer.safeguarding_flag:
            self.notice.setText("⚠ A safeguarding concern is recorded for this carer.")
            self.notice.setVisible(True)

    def _drop_tabs(self) -> None:
        """Every tab but the profile goes, and is deleted: a tab with a controller of its
        own (payments) must not linger, listening, behind the new one."""
        self._unbuilt.clear()
        while self.tabs.count() > 1:
            tab = self.tabs.widget(1)
            self.tabs.removeTab(1)
            tab.deleteLater()

    def _payments_tab(self, record: CarerRecord) -> QWidget:
        assert self.controller is not None
        return payments_tab_for(self.controller.ctx, record)

    def _plan_tab(self, record: CarerRecord) -> QWidget:
        opener = self._open_plan
        if opener is None or self.controller is None:
            return carer_tabs.plan_tab(record, self._group_size)
        session, carer_id = self.controller.session, record.carer.id
        today = session.clock.today()
        reminder = review_sentence(record.plan, session.settings.plans, today)
        if not reminder.startswith("⚠"):
            reminder = ""  # the date itself is in the tab's first sentence already
        return carer_tabs.plan_tab(
            record, self._group_size, open_plan=lambda: opener(carer_id), reminder=reminder
        )

    def show_values(self, values: dict, from_draft: bool) -> None:
        self._showing = True  # filling the form is not an edit
        try:
            self.profile.set_values(values)
        finally:
            self._showing = False
        self.discard_button.setVisible(from_draft)
        if from_draft:
            self.notice.setText(
                "Your unsaved changes were kept while Carer Desk was locked or closed. "
                "Save them, or undo them."
            )
            self.notice.setVisible(True)

    def _state(self, state: str) -> None:
        s = SyncState(state)
        self.state_icon.setPixmap(icon(state_icon_name(s)).pixmap(self.fontMetrics().height()))
        self.state.setText(state_word(s))

    def show_errors(self, problems: dict) -> None:
        first = self.profile.set_errors(problems)
        if problems:
            self.tabs.setCurrentIndex(0)
            self.saved_label.setText(
                f"Not saved: {len(problems)} thing(s) to correct, each marked in red."
            )
            if first is not None:
                first.setFocus()

    def _saved(self, sentence: str) -> None:
        self.saved_label.setText(sentence)
        self.discard_button.setVisible(False)
        self.duplicates.setVisible(False)

    def _age(self, sentence: str) -> None:
        self.age.setText(sentence)
        self.age.setVisible(bool(sentence))

    def show_problem(self, message: UserMessage) -> None:
        self.notice.setText(message.text)
        self.notice.setVisible(True)

    # --- doing -------------------------------------------------------------------------

    def _edited(self) -> None:
        if self._showing or self.controller is None:
            return
        self.controller.edited(self.profile.values())
        self.discard_button.setVisible(True)
        self.saved_label.setText("Draft kept on this laptop; not saved yet.")

    def save_now(self) -> None:
        if self.controller is not None:
            self.controller.save(self.profile.values())

    def _tab_moved(self, index: int) -> None:
        if self._swapping or not 0 <= index < len(self._tab_keys):
            return
        key = self._tab_keys[index]
        build = self._unbuilt.pop(key, None)
        if build is not None:
            self._build_tab(index, build)
        self._tab_changed(key)

    def _build_tab(self, index: int, build: Callable[[], QWidget]) -> None:
        """The tab at ``index``, shown for the first time: its stand-in gives way to it."""
        stand_in, label = self.tabs.widget(index), self.tabs.tabText(index)
        tab = build()
        self._swapping = True
        try:
            self.tabs.insertTab(index, tab, label)
            self.tabs.removeTab(index + 1)
            follow_in_tab_order(self.tabs, tab)
            self.tabs.setCurrentIndex(index)
        finally:
            self._swapping = False
        stand_in.deleteLater()

    def _open_duplicate(self) -> None:
        chosen = self.duplicates.chosen()
        if chosen is not None:
            self._open_carer(chosen.other_id)

    def _merge(self) -> None:
        chosen = self.duplicates.chosen()
        if chosen is not None and self.controller is not None:
            self.controller.merge_into(chosen.other_id)

    def _keep_apart(self) -> None:
        chosen = self.duplicates.chosen()
        if chosen is not None and self.controller is not None:
            self.controller.keep_apart(chosen.other_id)
