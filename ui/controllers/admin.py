"""The service manager's *Users and laptops*: the office's users (create, change role or
team, disable and enable, reset a password), its laptops (last contact; revoke a lost
one) and the server's settings in force.

Every change is made by the office server through its admin API (``OfficeGateway``, on
the network lane), which checks it, audits it under the manager's name and answers with
a sentence; a refusal is shown in the server's own words. Nothing of it is kept on this
laptop, and a password typed here goes to the server only (never into a draft).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from carer_desk.environment import OfficeGateway
from carer_desk.errors import LaptopRevoked, OfficeUnreachable, VaultLocked
from carer_desk.formatting import money
from carer_desk.office import OfficeLaptop, OfficeRefused, OfficeSettings, OfficeUser
from ui.context import AppContext
from ui.controllers.payment_request import while_alive
from ui.forms.payment_form import parse_amount
from ui.operations import NetworkOp, describe_failure

T = TypeVar("T")

OFFLINE = (
    "The office server could not be reached, so nothing was changed and the lists may be "
    "out of date: users, laptops and settings are kept at the office. Try again when this "
    "laptop is connected."
)
#: The server asks at least this many characters; said before a password is sent.
MIN_PASSWORD = 10
#: A year's budget typed above this (£100 million) is a slip of the keyboard.
MOST_BUDGET_PENCE = 10_000_000_000


def password_problem(password: str, repeated: str) -> str | None:
    """What is wrong with a new password as typed, before it goes to the server."""
    if len(password) < MIN_PASSWORD:
        return f"Give a password of at least {MIN_PASSWORD} characters."
    if password != repeated:
        return "The two passwords differ; type the same password twice."
    return None


class AdminController(QObject):
    users_ready = Signal(list)  # [OfficeUser]
    laptops_ready = Signal(list)  # [OfficeLaptop]
    settings_ready = Signal(object)  # OfficeSettings
    done = Signal(str)  # the server's sentence after a change
    refused = Signal(str)  # why nothing was changed or shown
    cleared = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        desk = ctx.open_desk()
        self.office: OfficeGateway | None = desk.office
        self.me = desk.identity.username if desk.identity else ""
        self.this_laptop = desk.identity.device_id if desk.identity else ""
        self.users: list[OfficeUser] = []
        self.laptops: list[OfficeLaptop] = []
        self.busy = False
        ctx.hub.locked.connect(self.clear)

    def _ask(
        self, call: Callable[[OfficeGateway], T], done: Callable[[T], None], busy: str
    ) -> None:
        office = self.office
        if office is None:
            self.refused.emit("Administration is for the service manager's laptop.")
            return
        NetworkOp(self.ctx.runner, lambda: call(office)).success(while_alive(self, done)).failure(
            while_alive(self, self._failed)
        ).busy(busy).run()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, OfficeRefused):
            self.refused.emit(f"The office server refused: {exc}")
        elif isinstance(exc, OfficeUnreachable):
            self.refused.emit(OFFLINE)
        elif isinstance(exc, LaptopRevoked):
            self.ctx.hub.laptop_revoked.emit(str(exc))
        elif not isinstance(exc, VaultLocked):
            self.refused.emit(describe_failure(exc).text)

    # --- reading -----------------------------------------------------------------------

    def load(self) -> None:
        self.load_users()
        self.load_laptops()
        self.load_settings()

    def load_users(self) -> None:
        def shown(users: list[OfficeUser]) -> None:
            self.users = sorted(users, key=lambda u: u.username)
            self.users_ready.emit(self.users)

        self._ask(lambda o: o.users(), shown, "Asking the office for its users…")

    def load_laptops(self) -> None:
        def shown(laptops: list[OfficeLaptop]) -> None:
            # Active first, the longest silent at the top: the ones to ask about.
            self.laptops = sorted(
                laptops,
                key=lambda d: (d.revoked, d.last_seen_at is not None, d.last_seen_at or 0),
            )
            self.laptops_ready.emit(self.laptops)

        self._ask(lambda o: o.laptops(), shown, "Asking the office for its laptops…")

    def load_settings(self) -> None:
        def shown(settings: OfficeSettings) -> None:
            self.settings_ready.emit(settings)

        self._ask(lambda o: o.settings(), shown, "Asking the office for its settings…")

    def user(self, username: str | None) -> OfficeUser | None:
        return next((u for u in self.users if u.username == username), None)

    def laptop(self, device_id: str | None) -> OfficeLaptop | None:
        return next((d for d in self.laptops if d.device_id == device_id), None)

    # --- changing ----------------------------------------------------------------------

    def _change(self, call: Callable[[OfficeGateway], str], then: Callable[[], None]) -> None:
        if self.busy:
            return
        self.busy = True

        def changed(sentence: str) -> None:
            self.busy = False
            self.done.emit(sentence)
            then()

        self._ask(call, changed, "Asking the office…")

    def create_user(
        self, username: str, role: str, team: str | None, password: str, repeated: str
    ) -> bool:
        """False (and the reason said) when the form is not ready to send."""
        username = username.strip()
        if not username:
            self.refused.emit("Give the new user's name (no spaces), for example ann.smith.")
            return False
        problem = password_problem(password, repeated)
        if problem:
            self.refused.emit(problem)
            return False
        self._change(lambda o: o.create_user(username, role, team, password), self._both)
        return True

    def change_user(self, username: str, role: str, team: str | None) -> None:
        self._change(lambda o: o.change_user(username, role, team), self.load_users)

    def set_disabled(self, username: str, disabled: bool) -> None:
        if disabled:
            self._change(lambda o: o.disable_user(username), self._both)
        else:
            self._change(lambda o: o.enable_user(username), self.load_users)

    def reset_password(self, username: str, password: str, repeated: str) -> bool:
        problem = password_problem(password, repeated)
        if problem:
            self.refused.emit(problem)
            return False
        self._change(lambda o: o.reset_password(username, password), self.load_users)
        return True

    def revoke(self, device_id: str) -> None:
        def call(office: OfficeGateway) -> str:
            laptop = office.revoke_laptop(device_id)
            return (
                f"Revoked “{laptop.name}” ({laptop.username}). It is refused from now on and "
                "wipes itself the next time it contacts the office."
            )

        self._change(call, self.load_laptops)

    # --- the server's settings (a server that takes changes over its API) -------------

    def _settings_change(self, call: Callable[[OfficeGateway], OfficeSettings], what: str):
        if self.busy:
            return
        self.busy = True

        def changed(settings: OfficeSettings) -> None:
            self.busy = False
            self.settings_ready.emit(settings)
            self.done.emit(what)

        self._ask(call, changed, "Asking the office…")

    def change_payment_rules(self, values: dict[str, int]) -> None:
        if not values:
            self.refused.emit("Nothing to save: no payment rule was changed.")
            return
        self._settings_change(
            lambda o: o.change_payment_rules(values),
            "Saved the payment rules; every laptop takes them at its next sync.",
        )

    def set_budget(self, fy: int, label: str, amount: str) -> None:
        try:
            pence = parse_amount(
                amount,
                most=MOST_BUDGET_PENCE,
                too_much="that is far more than any year's budget; check the amount",
            )
        except ValueError as exc:
            self.refused.emit(f"Not set: {exc}.")
            return
        if pence is None:
            self.refused.emit("Not set: write the year's budget in pounds, e.g. 525,250.")
            return
        self._settings_change(
            lambda o: o.set_budget(fy, pence), f"Set the {label} budget to {money(pence)}."
        )

    def change_retention(self, years: dict[str, int]) -> None:
        if not years:
            self.refused.emit("Nothing to save: no retention period was changed.")
            return
        self._settings_change(
            lambda o: o.change_retention(years),
            "Saved the retention periods; the retention job uses them from its next run.",
        )

    def _both(self) -> None:
        self.load_users()
        self.load_laptops()

    def clear(self) -> None:
        self.users = []
        self.laptops = []
        self.cleared.emit()
