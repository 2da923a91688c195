"""*Users and laptops*: the office's users, its laptops and the server's settings, one tab
each, with short dialogs for the decisions (a new user, a role or team, a password, a
confirmation). Layout only: the controller asks the office."""

from __future__ import annotations

from typing import TypeVar

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carer_desk.office import (
    EDITABLE_PAYMENT_RULES,
    TEAMS,
    OfficeLaptop,
    OfficeSettings,
    OfficeUser,
)
from carer_desk.roles import Role
from ui.controllers.admin import AdminController
from ui.forms.payment_form import parse_amount
from ui.models.office_model import TextRow, TextTable
from ui.views.table import list_table
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
)

NO_TEAM = "No team"
W = TypeVar("W", bound=QWidget)


def role_label(role: str) -> str:
    try:
        return Role(role).label
    except ValueError:
        return role


def when(moment) -> str:
    # The office speaks UTC; people read their own clock.
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "never"


def device_is_this(laptop: OfficeLaptop, this_laptop: str) -> bool:
    return bool(this_laptop) and laptop.device_id == this_laptop


def _team_box(parent: QWidget) -> QComboBox:
    box = QComboBox(parent)
    box.setAccessibleName("Team")
    box.addItem(NO_TEAM, None)
    for team in TEAMS:
        box.addItem(team.title(), team)
    return box


def _role_box(parent: QWidget) -> QComboBox:
    box = QComboBox(parent)
    box.setAccessibleName("Role")
    for role in Role:
        box.addItem(role.label, role.value)
    return box


class OfficeDialog(Dialog):
    """A short decision sent to the office: it stays open until the office says yes, so
    a refusal (its sentence shown here) loses nothing typed; the passwords typed in it
    never outlive it."""

    def __init__(self, controller: AdminController, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.secrets: list[QLineEdit] = []
        # Wide enough for its fields and hint at any text size (in text units).
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.error = field_error(self, for_field=title)
        controller.done.connect(self._done)
        controller.refused.connect(self._refused)

    def finish_layout(self, layout: QVBoxLayout, ok: QPushButton) -> None:
        self.ok = ok
        self.cancel = button("Cancel", name="Cancel, changing nothing", parent=self)
        layout.addWidget(self.error)
        layout.addLayout(button_row(self.cancel, ok))
        self.cancel.clicked.connect(self.reject)
        ok.clicked.connect(self._send)

    def _send(self) -> None:
        show_error(self.error, None)
        self.send()

    def send(self) -> None:
        raise NotImplementedError

    def _done(self, _sentence: str) -> None:
        self.accept()

    def _refused(self, sentence: str) -> None:
        show_error(self.error, sentence)

    def done(self, result: int) -> None:
        for secret in self.secrets:
            secret.clear()
        self.controller.done.disconnect(self._done)
        self.controller.refused.disconnect(self._refused)
        super().done(result)


class UserDialog(OfficeDialog):
    """A new user, or another role or team for one; stays open until the office says
    yes, so a refusal (its sentence shown here) loses nothing typed."""

    def __init__(
        self, controller: AdminController, user: OfficeUser | None, parent: QWidget
    ) -> None:
        title = "New user" if user is None else f"Role and team of {user.username}"
        super().__init__(controller, title, parent)
        self.user = user
        layout = QVBoxLayout(self)
        form = form_layout()
        self.username = line_edit(name="User name", placeholder="ann.smith", parent=self)
        self.role = _role_box(self)
        self.team = _team_box(self)
        self.password = line_edit(name="Password", password=True, parent=self)
        self.repeated = line_edit(name="Password again", password=True, parent=self)
        self.secrets = [self.password, self.repeated]
        if user is None:
            add_row(form, "&User name:", self.username)
        add_row(form, "&Role:", self.role)
        add_row(form, "&Team:", self.team)
        if user is None:
            add_row(form, "&Password:", self.password)
            add_row(form, "Password &again:", self.repeated)
        else:
            for unused in (self.username, self.password, self.repeated):
                unused.hide()
            self.role.setCurrentIndex(max(0, self.role.findData(user.role)))
            self.team.setCurrentIndex(max(0, self.team.findData(user.team)))
        layout.addLayout(form)
        layout.addWidget(
            hint(
                "Only outreach workers belong to a team. A new user enrols their laptop with "
                "this password; tell it them by a separate channel.",
                self,
                name="About users",
            )
        )
        self.finish_layout(
            layout,
            button(
                "&Create" if user is None else "&Change",
                name="Create the user" if user is None else "Change the role and team",
                primary=True,
                parent=self,
            ),
        )
        self.role.currentIndexChanged.connect(self._role_changed)
        self._role_changed()

    def _role_changed(self) -> None:
        worker = self.role.currentData() == Role.OUTREACH_WORKER.value
        if not worker:
            self.team.setCurrentIndex(0)
        self.team.setEnabled(worker)

    def send(self) -> None:
        role, team = self.role.currentData(), self.team.currentData()
        if self.user is None:
            self.controller.create_user(
                self.username.text(), role, team, self.password.text(), self.repeated.text()
            )
        else:
            self.controller.change_user(self.user.username, role, team)


class PasswordDialog(OfficeDialog):
    def __init__(self, controller: AdminController, username: str, parent: QWidget) -> None:
        super().__init__(controller, f"New password for {username}", parent)
        self.username = username
        layout = QVBoxLayout(self)
        form = form_layout()
        self.password = line_edit(name="New password", password=True, parent=self)
        self.repeated = line_edit(name="New password again", password=True, parent=self)
        self.secrets = [self.password, self.repeated]
        add_row(form, "New &password:", self.password)
        add_row(form, "New password &again:", self.repeated)
        layout.addLayout(form)
        layout.addWidget(
            hint(
                "Laptops already enrolled keep working; the new password is for enrolling "
                "another. Tell it them by a separate channel.",
                self,
                name="About the new password",
            )
        )
        self.finish_layout(
            layout,
            button("&Set password", name="Set the new password", primary=True, parent=self),
        )

    def send(self) -> None:
        self.controller.reset_password(self.username, self.password.text(), self.repeated.text())


class UsersTab(QWidget):
    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.page = page
        controller = page.controller
        self.setAccessibleName("Users")
        layout = QVBoxLayout(self)
        self.model = TextTable(("User", "Role", "Team", "Account", "Created"))
        self.table = list_table(self.model, "The office's users", self)
        layout.addWidget(self.table, 1)
        self.new = button(
            "&New user…", name="Create a new user", icon_name="add", primary=True, parent=self
        )
        self.change = button(
            "Change role or &team…", name="Change the user's role or team", parent=self
        )
        self.disable = button("&Disable…", name="Disable the user's account", parent=self)
        self.password = button("Reset &password…", name="Reset the user's password", parent=self)
        row = QHBoxLayout()
        for b in (self.new, self.change, self.disable, self.password):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.dialog: QDialog | None = None
        self.confirm: QMessageBox | None = None
        self.new.clicked.connect(lambda: self._open(UserDialog(controller, None, self)))
        self.change.clicked.connect(self._change)
        self.disable.clicked.connect(self._disable)
        self.password.clicked.connect(self._password)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        controller.users_ready.connect(self.show_users)
        self._selected()

    def selected(self) -> OfficeUser | None:
        index = self.table.currentIndex()
        return self.page.controller.user(
            self.model.key_at(index.row()) if index.isValid() else None
        )

    def select(self, username: str) -> None:
        row = self.model.position((username, (username,)))
        if row is not None:
            self.table.selectRow(row)

    def show_users(self, users: list[OfficeUser]) -> None:
        current = self.selected()
        self.model.set_rows(
            [
                TextRow(
                    (
                        u.username,
                        role_label(u.role),
                        u.team.title() if u.team else "",
                        "disabled" if u.disabled else "active",
                        u.created_at.strftime("%Y-%m-%d"),
                    ),
                    key=u.username,
                )
                for u in users
            ]
        )
        self.table.resizeColumnsToContents()
        if current is not None:
            self.select(current.username)
        elif users:
            self.table.selectRow(0)
        self._selected()

    def _selected(self) -> None:
        user = self.selected()
        for b in (self.change, self.disable, self.password):
            b.setEnabled(user is not None)
        if user is not None:
            self.disable.setText("Ena&ble" if user.disabled else "&Disable…")
            self.disable.setAccessibleName(
                "Enable the user's account" if user.disabled else "Disable the user's account"
            )

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _change(self) -> None:
        user = self.selected()
        if user is not None:
            self._open(UserDialog(self.page.controller, user, self))

    def _password(self) -> None:
        user = self.selected()
        if user is not None:
            self._open(PasswordDialog(self.page.controller, user.username, self))

    def _disable(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.disabled:
            self.page.controller.set_disabled(user.username, False)
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            f"Disable {user.username}?",
            f"Disable {user.username}? Every laptop enrolled for them is revoked at once and "
            "wipes itself the next time it contacts the office (anything not yet synced on "
            "it is lost), and no new laptop can be enrolled for them until you enable the "
            "account again.",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setAccessibleName(f"Disable {user.username}?")
        yes = box.addButton("Disable and revoke their laptops", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        username = user.username

        def answered() -> None:
            if box.clickedButton() is yes:
                self.page.controller.set_disabled(username, True)

        box.finished.connect(lambda _r: answered())
        box.finished.connect(box.deleteLater)
        self.confirm = box
        box.open()


class LaptopsTab(QWidget):
    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.page = page
        self.setAccessibleName("Laptops")
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Longest silent first: a laptop that has not been in contact for weeks may "
                "be lost. A revoked laptop cannot be un-revoked; enrol it again as new.",
                self,
                name="About the laptops",
            )
        )
        self.model = TextTable(("Laptop", "User", "Last contact", "Enrolled", "State"))
        self.table = list_table(self.model, "Laptops enrolled with the office", self)
        layout.addWidget(self.table, 1)
        self.revoke = button("&Revoke a lost laptop…", name="Revoke the laptop chosen", parent=self)
        layout.addLayout(button_row(self.revoke))
        self.confirm: QMessageBox | None = None
        self.revoke.clicked.connect(self._revoke)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        page.controller.laptops_ready.connect(self.show_laptops)
        self._selected()

    def selected(self) -> OfficeLaptop | None:
        index = self.table.currentIndex()
        return self.page.controller.laptop(
            self.model.key_at(index.row()) if index.isValid() else None
        )

    def show_laptops(self, laptops: list[OfficeLaptop]) -> None:
        self.model.set_rows(
            [
                TextRow(
                    (
                        d.name,
                        d.username,
                        when(d.last_seen_at),
                        when(d.enrolled_at),
                        f"revoked {when(d.revoked_at)} by {d.revoked_by}"
                        if d.revoked
                        else "active, this laptop"
                        if device_is_this(d, self.page.controller.this_laptop)
                        else "active",
                    ),
                    key=d.device_id,
                )
                for d in laptops
            ]
        )
        self.table.resizeColumnsToContents()
        if laptops and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self._selected()

    def _selected(self) -> None:
        laptop = self.selected()
        self.revoke.setEnabled(laptop is not None and not laptop.revoked)

    def _revoke(self) -> None:
        laptop = self.selected()
        if laptop is None or laptop.revoked:
            return
        title = f"Revoke “{laptop.name}”?"
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            title,
            f"Revoke “{laptop.name}” ({laptop.username}, last contact "
            f"{when(laptop.last_seen_at)})? From now on the office refuses it, and it wipes "
            "itself the next time it contacts the office, even if changes on it were never "
            "synced (they are lost). This cannot be undone: to use it again, enrol it as a "
            "new laptop."
            + (
                " This is the laptop you are using now: it wipes itself at once."
                if device_is_this(laptop, self.page.controller.this_laptop)
                else ""
            ),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setAccessibleName(title)
        yes = box.addButton("Revoke; it wipes itself", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        device_id = laptop.device_id

        def answered() -> None:
            if box.clickedButton() is yes:
                self.page.controller.revoke(device_id)

        box.finished.connect(lambda _r: answered())
        box.finished.connect(box.deleteLater)
        self.confirm = box
        box.open()


READ_ONLY = (
    "The settings in force on the office server, as it reports them. This server takes no "
    "changes over its API: they are changed in its settings file (see the IT officer's "
    "guide); every laptop takes the payment rules at its next sync."
)
EDITABLE = (
    "The settings in force on the office server. Change them below: the office checks each "
    "change, refuses what its rules do not allow (saying why), and records who changed what."
)
RULE_NAMES = {
    "cap_pence": "Cap per carer (£)",
    "window_months": "Cap window (months)",
    "assessment_valid_months": "An assessment counts for (months)",
    "duplicate_purpose_days": "Same-purpose warning within (days)",
    "stale_draft_days": "A draft goes stale after (days)",
    "card_number_length": "Card number length (digits)",
}


def _spin(name: str, value: int, parent: QWidget, *, most: int = 100) -> QSpinBox:
    box = QSpinBox(parent)
    box.setAccessibleName(name)
    box.setRange(1, most)
    box.setValue(value)
    return narrow(box)


def narrow(field: W, em: int = 16) -> W:
    """A short value's field as wide as the value needs (in text units, so it scales)."""
    field.setMaximumWidth(field.fontMetrics().averageCharWidth() * em)
    return field


class SettingsEditor(QWidget):
    """The changes a server that takes them over its API allows: payment rules, one
    year's budget, the years each kind of record is kept."""

    def __init__(self, page: AdminPage, settings: OfficeSettings) -> None:
        super().__init__(page.settings.inner)
        self.page = page
        self.setAccessibleName("Change the settings")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        rules_box = QGroupBox("Change the payment rules", self)
        rules_box.setAccessibleName("Change the payment rules")
        rules = form_layout()
        rules_box.setLayout(rules)
        self.rules: dict[str, QWidget] = {}
        self.was: dict[str, int] = {}
        for key in (*EDITABLE_PAYMENT_RULES, "card_number_length"):
            value = settings.payment_rule(key)
            if not isinstance(value, int):
                continue
            self.was[key] = value
            if key == "cap_pence":
                field: QWidget = line_edit(name=RULE_NAMES[key], parent=rules_box)
                field.setText(f"{value / 100:,.2f}")
                narrow(field)
            else:
                field = _spin(RULE_NAMES[key], value, rules_box, most=3650)
            self.rules[key] = field
            add_row(rules, RULE_NAMES[key] + ":", field)
        self.save_rules = button(
            "Save the payment &rules", name="Save the payment rules", parent=rules_box
        )
        rules.addRow(button_row(self.save_rules))
        layout.addWidget(rules_box)

        budget_box = QGroupBox("Set a year's budget", self)
        budget_box.setAccessibleName("Set a year's budget")
        budget = form_layout()
        budget_box.setLayout(budget)
        self.year = QComboBox(budget_box)
        self.year.setAccessibleName("Financial year of the budget")
        budgets = settings.budgets()
        years = {b.financial_year: b for b in budgets}
        latest = max(years) if years else None
        for b in budgets:
            self.year.addItem(b.label, b.financial_year)
        if latest is not None:  # the next year can be set ahead
            nxt = latest + 1
            self.year.addItem(f"{nxt}/{(nxt + 1) % 100:02d}", nxt)
        self.amount = line_edit(name="Budget (£)", placeholder="525,250", parent=budget_box)
        narrow(self.amount)
        narrow(self.year)
        add_row(budget, "Financial ye&ar:", self.year)
        add_row(budget, "&Budget (£):", self.amount)
        self.set_budget = button("Se&t the budget", name="Set the year's budget", parent=budget_box)
        budget.addRow(button_row(self.set_budget))
        self.budgets = years
        layout.addWidget(budget_box)

        keep_box = QGroupBox("Change how long records are kept", self)
        keep_box.setAccessibleName("Change how long records are kept")
        keep = form_layout()
        keep_box.setLayout(keep)
        self.kept_was = settings.retention()
        self.kept: dict[str, QSpinBox] = {}
        for kind, years_kept in self.kept_was.items():
            name = f"{kind.replace('_', ' ').capitalize()} (years after closure)"
            self.kept[kind] = _spin(name, years_kept, keep_box)
            add_row(keep, name + ":", self.kept[kind])
        self.save_kept = button(
            "Save the retention &periods", name="Save the retention periods", parent=keep_box
        )
        keep.addRow(button_row(self.save_kept))
        layout.addWidget(keep_box)

        self.year.currentIndexChanged.connect(self._year_changed)
        self.save_rules.clicked.connect(self._save_rules)
        self.set_budget.clicked.connect(self._set_budget)
        self.save_kept.clicked.connect(self._save_kept)
        self._year_changed()

    def _year_changed(self) -> None:
        known = self.budgets.get(self.year.currentData())
        self.amount.setText(f"{known.budget_pence / 100:,.2f}" if known else "")

    def _save_rules(self) -> None:
        changed: dict[str, int] = {}
        for key, field in self.rules.items():
            if isinstance(field, QSpinBox):
                value = field.value()
            else:
                try:
                    value = parse_amount(field.text()) or 0
                except ValueError as exc:
                    self.page._refused(f"Not saved: the cap: {exc}.")
                    return
            if value != self.was[key]:
                changed[key] = value
        self.page.controller.change_payment_rules(changed)

    def _set_budget(self) -> None:
        self.page.controller.set_budget(
            self.year.currentData(), self.year.currentText(), self.amount.text()
        )

    def _save_kept(self) -> None:
        changed = {
            k: box.value() for k, box in self.kept.items() if box.value() != self.kept_was[k]
        }
        self.page.controller.change_retention(changed)


class SettingsTab(QScrollArea):
    """The server's settings in force; changed here when the server takes changes."""

    def __init__(self, page: AdminPage) -> None:
        super().__init__(page)
        self.page = page
        self.setWidgetResizable(True)
        self.setAccessibleName("Server settings")
        self.inner = QWidget(self)
        self.layout_ = QVBoxLayout(self.inner)
        self.about = hint(READ_ONLY, self.inner, name="About the server's settings")
        self.layout_.addWidget(self.about)
        self.boxes: list[QGroupBox] = []
        self.editor: SettingsEditor | None = None
        self.layout_.addStretch(1)
        self.setWidget(self.inner)
        page.controller.settings_ready.connect(self.show_settings)

    def show_settings(self, settings: OfficeSettings) -> None:
        self.clear()
        self.about.setText(EDITABLE if settings.editable else READ_ONLY)
        for section in settings.sections():
            box = QGroupBox(section.title, self.inner)
            box.setAccessibleName(section.title)
            form = QFormLayout(box)
            for name, value in section.lines:
                shown = paragraph(value, box, name=name)
                shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                caption = QLabel(f"{name}:", box)
                caption.setAccessibleName(name)
                form.addRow(caption, shown)
            self.layout_.insertWidget(self.layout_.count() - 1, box)
            self.boxes.append(box)
        if settings.editable:
            self.editor = SettingsEditor(self.page, settings)
            self.layout_.insertWidget(1, self.editor)

    def clear(self) -> None:
        for box in self.boxes:
            box.deleteLater()
        self.boxes = []
        if self.editor is not None:
            self.editor.deleteLater()
            self.editor = None


class AdminPage(QWidget):
    def __init__(self, controller: AdminController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Users and laptops")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Users and laptops", self))
        self.notice = banner(name="Why nothing was changed", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.result = hint("", self, name="What the office did")
        self.result.setVisible(False)
        layout.addWidget(self.result)
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Users, laptops and settings")
        self.users = UsersTab(self)
        self.laptops = LaptopsTab(self)
        self.settings = SettingsTab(self)
        self.tabs.addTab(self.users, "Users")
        self.tabs.addTab(self.laptops, "Laptops")
        self.tabs.addTab(self.settings, "Server settings")
        layout.addWidget(self.tabs, 1)
        self.refresh = button(
            "Refre&sh", name="Ask the office again", icon_name="sync", parent=self
        )
        layout.addLayout(button_row(self.refresh))
        self.refresh.clicked.connect(self._refresh)
        controller.done.connect(self._done)
        controller.refused.connect(self._refused)
        controller.cleared.connect(self._cleared)
        controller.load()

    def _refresh(self) -> None:
        self.notice.setVisible(False)
        self.controller.load()

    def _done(self, sentence: str) -> None:
        self.notice.setVisible(False)
        self.result.setText(sentence)
        self.result.setVisible(True)

    def _refused(self, sentence: str) -> None:
        dialog = self.users.dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            return  # the dialog shows it, beside what was typed
        self.notice.setText(sentence)
        self.notice.setVisible(True)

    def _cleared(self) -> None:
        self.users.model.clear()
        self.laptops.model.clear()
        self.settings.clear()
        self.result.setText("")
