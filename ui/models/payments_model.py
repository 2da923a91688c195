"""Tables of wellbeing-payment requests: a carer's requests with their life cycle and sync
state (the worker's tab), the approver's queue with each request's cap position, and the
office's payments to make.

Each row's sync state is an icon AND a word (never colour alone); the life-cycle sentence
says every step the request has been through, and a declined one's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt

from carer_desk.formatting import long_date, money
from carer_desk.ports import SyncState
from carer_desk.records.payment import PaymentStatus, WellbeingPaymentRequest
from carer_desk.services.payment_queue import QueueItem
from carer_desk.services.payments_to_make import PaymentToMake
from ui.icons import item_icon
from ui.models.rows_model import RowsModel
from ui.models.sync_state import state_icon_name, state_word

# What a sync state means for a request, said where the request is.
SYNC_MEANING = {
    SyncState.NEW: "on this laptop only: it is sent to the office at the next sync",
    SyncState.CHANGED: "changed here: the change is sent at the next sync",
    SyncState.SENDING: "being sent to the office",
    SyncState.SYNCED: "the office has it",
    SyncState.CONFLICT: "changed here and at the office: decide which stands on the Sync page",
    SyncState.REJECTED: "the office refused the change: see the Sync page for why",
}


def life_cycle(request: WellbeingPaymentRequest) -> str:
    """Every step so far: "Drafted on 3 March 2026 by demo-worker; submitted on 4 March
    2026; approved by demo-approver on 5 March 2026." """
    r = request
    steps = [f"Drafted on {long_date(r.requested_on)} by {r.requested_by}"]
    if r.submitted_on:
        steps.append(f"submitted for a decision on {long_date(r.submitted_on)}")
    if r.decided_on and r.status in (PaymentStatus.APPROVED, PaymentStatus.PAID):
        steps.append(f"approved by {r.decided_by} on {long_date(r.decided_on)}")
    if r.status == PaymentStatus.DECLINED and r.decided_on:
        steps.append(f"declined by {r.decided_by} on {long_date(r.decided_on)}: {r.decline_reason}")
    if r.paid_on:
        steps.append(f"paid on {long_date(r.paid_on)}")
    if r.cancelled_on:
        steps.append(f"cancelled on {long_date(r.cancelled_on)}: {r.cancel_reason}")
    if r.status == PaymentStatus.SUBMITTED:
        steps.append("waiting for the approver's decision")
    if r.status == PaymentStatus.DRAFT:
        steps.append("not submitted yet")
    return "; ".join(steps) + "."


@dataclass(frozen=True, slots=True)
class RequestRow:
    request: WellbeingPaymentRequest
    sync_state: SyncState


class RequestColumn(IntEnum):
    REQUESTED = 0
    AMOUNT = 1
    PURPOSE = 2
    STATUS = 3
    SYNC = 4


class RequestsModel(RowsModel[RequestRow]):
    """A carer's requests, newest first."""

    HEADERS = ("Requested", "Amount", "What for", "Where it is", "Sync")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda row: row.request.id, parent)

    def text(self, row: RequestRow, column: int, *, spoken: bool) -> str:
        r = row.request
        match column:
            case RequestColumn.REQUESTED:
                return long_date(r.requested_on) if spoken else r.requested_on.isoformat()
            case RequestColumn.AMOUNT:
                return money(r.amount_pence)
            case RequestColumn.PURPOSE:
                return str(r.purpose.label)
            case RequestColumn.STATUS:
                return str(r.status.label)
            case _:
                return state_word(row.sync_state)

    def extra(self, row: RequestRow, column: int, role: int) -> Any:
        if column == RequestColumn.SYNC and role == Qt.ItemDataRole.DecorationRole:
            return item_icon(state_icon_name(row.sync_state))
        if role == Qt.ItemDataRole.ToolTipRole:
            return life_cycle(row.request)
        return None


class QueueColumn(IntEnum):
    SUBMITTED = 0
    CARER = 1
    AMOUNT = 2
    PURPOSE = 3
    CAP = 4
    WARNING = 5


class QueueModel(RowsModel[QueueItem]):
    """The approver's queue: oldest first, as they are decided."""

    HEADERS = ("Submitted", "Carer", "Amount", "What for", "Cap", "Same purpose")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda item: item.request.id, parent)

    def text(self, row: QueueItem, column: int, *, spoken: bool) -> str:
        r = row.request
        match column:
            case QueueColumn.SUBMITTED:
                day = r.submitted_on or r.requested_on
                return long_date(day) if spoken else day.isoformat()
            case QueueColumn.CARER:
                return row.carer.display_name
            case QueueColumn.AMOUNT:
                return money(r.amount_pence)
            case QueueColumn.PURPOSE:
                return str(r.purpose.label)
            case QueueColumn.CAP:
                return "Within the limit" if row.fits else "Over the limit"
            case _:
                return "Warning" if row.warning else ("No warning" if spoken else "")

    def extra(self, row: QueueItem, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DecorationRole:
            if column == QueueColumn.CAP:
                return item_icon("state-synced" if row.fits else "state-rejected")
            if column == QueueColumn.WARNING and row.warning:
                return item_icon("warning")
        return None


class ToPayColumn(IntEnum):
    APPROVED = 0
    CARER = 1
    AMOUNT = 2
    PURPOSE = 3
    PAYEE = 4
    SYNC = 5


class ToPayModel(RowsModel[PaymentToMake]):
    """The office's payments to make: approved requests, oldest decision first."""

    HEADERS = ("Approved", "Carer", "Amount", "What for", "Paid to", "Sync")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(lambda item: item.request.id, parent)

    def text(self, row: PaymentToMake, column: int, *, spoken: bool) -> str:
        r = row.request
        match column:
            case ToPayColumn.APPROVED:
                day = r.decided_on or r.counted_on
                return long_date(day) if spoken else day.isoformat()
            case ToPayColumn.CARER:
                return row.carer_name
            case ToPayColumn.AMOUNT:
                return money(r.amount_pence)
            case ToPayColumn.PURPOSE:
                return str(r.purpose.label)
            case ToPayColumn.PAYEE:
                return row.payee
            case _:
                return state_word(row.sync_state)

    def extra(self, row: PaymentToMake, column: int, role: int) -> Any:
        if column == ToPayColumn.SYNC and role == Qt.ItemDataRole.DecorationRole:
            return item_icon(state_icon_name(row.sync_state))
        if role == Qt.ItemDataRole.ToolTipRole:
            return life_cycle(row.request)
        return None
