"""One carer's whole file for their record page: the carer, their conversations, payment
requests, plan, cards, calls to the emergency line and groups, and the audit trail of it
all — read in one go, audited as ONE view, and reading only that carer's records (found
through the caseload's index), never every record on the laptop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.ports import AuditEntry, RecordStore, SyncState
from carer_desk.records.calls import EmergencyCall
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import GuidedConversation
from carer_desk.records.groups import GroupMember, PeerGroup
from carer_desk.records.payment import WellbeingPaymentRequest
from carer_desk.records.plan import CardHolder, EmergencyCard, EmergencyPlan, latest_plan
from carer_desk.services.base import Service
from carer_desk.services.caseload import CaseloadService
from carer_desk.services.groups import GroupService

T = TypeVar("T")


@dataclass(frozen=True)
class CarerFile:
    carer: Carer
    sync_state: SyncState
    conversations: tuple[GuidedConversation, ...]
    payments: tuple[WellbeingPaymentRequest, ...]
    plan: EmergencyPlan | None
    plan_missing: tuple[str, ...]
    cards: tuple[EmergencyCard, ...]
    groups: tuple[tuple[PeerGroup, GroupMember], ...]
    history: tuple[AuditEntry, ...]  # newest first
    calls: tuple[EmergencyCall, ...] = ()  # calls to the emergency line, newest first


class CarerFileService(Service):
    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        caseload: CaseloadService,
        groups: GroupService,
    ) -> None:
        super().__init__(store, settings, clock)
        self.caseload = caseload
        self.groups = groups

    def _records(self, carer_id: str, kind: str, cls: type[T]) -> list[T]:
        found = []
        for record_id in self.caseload.records_of(carer_id, kind):
            record = self.repo.find(cls, record_id)
            if record is not None:
                found.append(record)
        return found

    def open(self, carer_id: str) -> CarerFile:
        """The carer's file; audited as one view of the carer. NotFoundError when the
        carer is not on this laptop (merged away, removed elsewhere)."""
        carer = self.repo.get(Carer, carer_id)
        # The index of each carer's records, read once per unlock (link() would also
        # sort every row, which opening one carer does not need).
        self.caseload.ensure_linked()
        conversations = sorted(
            self._records(carer_id, "conversation", GuidedConversation),
            key=lambda c: (c.started_on, c.completed_on or c.started_on, c.id),
        )
        payments = sorted(
            self._records(carer_id, "payment_request", WellbeingPaymentRequest),
            key=lambda r: (r.requested_on, r.id),
        )
        plans = self._records(carer_id, "plan", EmergencyPlan)
        plan = latest_plan(plans)
        cards = sorted(
            self._records(carer_id, "card", EmergencyCard),
            key=lambda c: (not c.is_live, c.holder != CardHolder.CARER, c.issued_on, c.id),
        )
        calls = sorted(
            self._records(carer_id, "emergency_call", EmergencyCall),
            key=lambda c: (c.received_at, c.id),
            reverse=True,
        )
        related = {
            carer_id,
            *(r.id for r in (*conversations, *payments, *plans, *cards, *calls)),
        }
        self.store.audit("view", record_id=carer_id, kind="carer", details={"document": "file"})
        history = [e for e in self.store.audit_entries() if _concerns(e, related, carer_id)]
        return CarerFile(
            carer=carer,
            sync_state=self.store.meta(carer_id).sync_state,
            conversations=tuple(conversations),
            payments=tuple(payments),
            plan=plan,
            plan_missing=plan.missing_sections(self.settings.plans) if plan else (),
            cards=tuple(cards),
            groups=tuple(self.groups.groups_of(carer_id)),
            history=tuple(reversed(history)),
            calls=tuple(calls),
        )


def _concerns(entry: AuditEntry, related: set[str], carer_id: str) -> bool:
    details = entry.details or {}
    return entry.record_id in related or details.get("carer") == carer_id
