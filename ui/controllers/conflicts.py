"""What waits for a person after a sync: conflicts (a field changed differently on two
devices) decided field by field, and changes the server refused, with its reason."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from carer_desk.changes import Changes
from carer_desk.sync_status import ConflictItem, ConflictListing, RefusedChange, SyncReport
from ui.context import AppContext
from ui.events import UserMessage
from ui.operations import NetworkOp, VaultTask, describe_failure

MINE, THEIRS = "mine", "theirs"

# What to do about a refusal, by what the server's reason says.
_ADVICE = (
    ("team", "Check the carer's team on their profile, or ask your manager to move them."),
    ("consent", "Record the carer's consent on their profile, then save."),
    ("cap", "The payment would go over the limit; change the amount or cancel the request."),
    ("too large", "Shorten the longest notes on the record, then save."),
)
_DEFAULT_ADVICE = "Open the record, correct what the reason names and save: it is sent again."


def advice_for(reason: str) -> str:
    folded = reason.casefold()
    for word, advice in _ADVICE:
        if word in folded:
            return advice
    return _DEFAULT_ADVICE


class ConflictsController(QObject):
    conflicts_loaded = Signal(object)  # ConflictListing
    refused_loaded = Signal(list)  # [RefusedChange]
    problem = Signal(object)  # UserMessage
    resolved = Signal(str)  # record id

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.listing: ConflictListing | None = None
        self.choices: dict[str, dict[str, str]] = {}  # record id -> field -> side
        ctx.hub.sync_finished.connect(lambda _r: self.load())

    def load(self) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        NetworkOp(self.ctx.runner, desk.sync.conflicts).success(self._conflicts).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).busy("Fetching conflicts…").run()
        VaultTask(self.ctx.runner, desk.sync.refused).success(self.refused_loaded.emit).failure(
            lambda exc: self.problem.emit(describe_failure(exc))
        ).run()

    def _conflicts(self, listing: ConflictListing) -> None:
        self.listing = listing
        known = {item.record_id for item in listing.items}
        self.choices = {k: v for k, v in self.choices.items() if k in known}
        self.conflicts_loaded.emit(listing)

    def choose(self, record_id: str, field: str, side: str) -> None:
        self.choices.setdefault(record_id, {})[field] = side

    def undecided(self, item: ConflictItem) -> list[str]:
        chosen = self.choices.get(item.record_id, {})
        return [f.field for f in item.fields if f.field not in chosen]

    def resolve(self, item: ConflictItem) -> None:
        desk = self.ctx.desk
        if desk is None:
            return
        missing = self.undecided(item)
        if missing:
            self.problem.emit(UserMessage(f"Choose which value to keep for: {', '.join(missing)}."))
            return
        if self.listing is not None and self.listing.offline:
            self.problem.emit(
                UserMessage(
                    "Deciding a conflict needs the office server, which cannot be reached "
                    "now. Your choice can be made when the laptop is back online."
                )
            )
            return
        choices = dict(self.choices[item.record_id])
        NetworkOp(self.ctx.runner, lambda: desk.sync.resolve(item.record_id, choices)).success(
            lambda report: self._resolved(item.record_id, report)
        ).failure(lambda exc: self.problem.emit(describe_failure(exc))).busy(
            "Sending your decision…"
        ).run()

    def _resolved(self, record_id: str, report: SyncReport) -> None:
        desk = self.ctx.desk
        self.choices.pop(record_id, None)
        if desk is not None:
            changes: Changes = report.changes

            def absorb() -> None:
                desk.session.absorb(changes)

            VaultTask(self.ctx.runner, absorb).success(
                lambda _n: self.ctx.hub.changes_applied.emit(changes)
            ).run()
        self.resolved.emit(record_id)
        self.load()

    @staticmethod
    def advice(refused: RefusedChange) -> str:
        return advice_for(refused.reason)
