"""Printing use cases: fetch the records, render, record who printed what for whom.

Rendering returns a :class:`Rendered` (PDF bytes plus what it is and for whom) and never
writes anything: the UI previews and prints it from memory, and only when the person
confirms the print dialog does :meth:`PrintService.record_printed` write the audit
entries and mark cards printed. Files are written only by :meth:`PrintService.save`, to
the path the person chose, atomically (a temporary file in the same folder, then
``os.replace``), so a half-written PDF never lies around.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import Settings
from carer_desk.errors import (
    CarerDeskError,
    NotFoundError,
    RuleViolation,
    UnknownCarer,
    ValidationError,
)
from carer_desk.formatting import long_date, money
from carer_desk.ports import RecordStore
from carer_desk.printing.card_content import CardContent, card_content_for
from carer_desk.printing.cards import (
    Duplex,
    render_card_sheets,
    render_cr80_cards,
    render_key_fob_inserts,
)
from carer_desk.printing.document import Layout, render_document
from carer_desk.printing.letter import DecisionLetter, render_decision_letter
from carer_desk.printing.plan import plan_document
from carer_desk.printing.protect import protect_pdf
from carer_desk.printing.sign_in import SignInSheet, render_sign_in_sheet
from carer_desk.printing.support_plan import support_plan_document
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import ConversationStatus, GuidedConversation
from carer_desk.records.groups import GroupMember, GroupSession, PeerGroup, sort_register
from carer_desk.records.payment import PaidTo, PaymentStatus, WellbeingPaymentRequest
from carer_desk.records.plan import CardStatus, EmergencyCard, EmergencyPlan, latest_plan
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.rules.emergency_line import line_gaps
from carer_desk.rules.line_number import emergency_line_problem
from carer_desk.rules.payment_cap import first_day_allowed
from carer_desk.services.base import Service
from carer_desk.services.groups import register_entry_of

logger = logging.getLogger(__name__)


class OutputFileError(CarerDeskError):
    """The PDF could not be written where the person asked."""


@dataclass(frozen=True)
class LetterSender:
    """Who letters come from; built from ``Settings.letters`` unless given."""

    name: str = "Carers Oxfordshire"
    address: tuple[str, ...] = ()
    phone: str | None = None


@dataclass(frozen=True)
class Rendered:
    """A rendered document and what the audit log must say about it."""

    pdf: bytes
    document: str  # "card", "card-sheet", "plan", "support-plan", "letter", "sign-in", ...
    subjects: tuple[tuple[str, str, str], ...]  # (carer_id, record kind, record id)
    cards: tuple[str, ...] = ()  # card ids to mark printed once really printed
    details: tuple[tuple[str, str], ...] = ()  # layout, duplex...
    # Cards of the print queue left out, each with why (its plan cannot be used by the
    # line): (card id, reason). They stay in the queue.
    held_back: tuple[tuple[str, str], ...] = ()

    @property
    def carer_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for c, _, _ in self.subjects if c))


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder and ``os.replace``.

    The temp file is created 0600 and removed if anything fails, so a crash or a full
    disk leaves either the old file or the new one, never a fragment.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputFileError(f"The folder {folder} does not exist; choose an existing folder.")
    if path.is_dir():
        raise OutputFileError(f"{path} is a folder; give a file name ending in .pdf.")
    try:
        fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise OutputFileError(f"Cannot write in {folder}: {exc.strerror}.") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise OutputFileError(f"Cannot write {path}: {exc.strerror}.") from exc
        raise


class PrintService(Service):
    """Every printed document, from the records in a :class:`RecordStore`."""

    def __init__(
        self,
        store: RecordStore,
        settings: Settings,
        clock: Clock = SYSTEM_CLOCK,
        *,
        sender: LetterSender | None = None,
    ) -> None:
        super().__init__(store, settings, clock)
        letters = settings.letters
        self._sender = sender or LetterSender(
            name=letters.sender_name, address=letters.sender_address, phone=letters.sender_phone
        )

    # --- loading ---------------------------------------------------------------------

    def _carer(self, carer_id: str) -> Carer:
        try:
            return self.repo.get(Carer, carer_id)
        except NotFoundError:
            raise UnknownCarer(carer_id) from None

    def _plan_for(self, carer: Carer) -> EmergencyPlan:
        plan = latest_plan(self.repo.where(EmergencyPlan, carer_id=carer.id))
        if plan is None:
            raise NotFoundError(
                f"{carer.display_name} has no emergency plan yet; write one before printing."
            )
        return plan

    def _emergency_phone(self) -> str:
        """The 24-hour number to print; refused while it is the placeholder, or a number
        from Ofcom's drama ranges outside the demo (it would ring nobody)."""
        cards = self.settings.cards
        problem = emergency_line_problem(cards, invented_data=self.settings.demo.invented_data)
        if problem is not None:
            raise RuleViolation(problem)
        return cards.emergency_line_phone

    # --- cards -----------------------------------------------------------------------

    def pending_cards(self) -> list[EmergencyCard]:
        """The print queue: cards issued and not yet printed, oldest first."""
        queue = [c for c in self.repo.all(EmergencyCard) if c.status == CardStatus.PENDING_PRINT]
        return sorted(queue, key=lambda c: (c.issued_on, c.id))

    def live_cards_of(self, carer_ids: Sequence[str]) -> list[EmergencyCard]:
        wanted = list(dict.fromkeys(carer_ids))
        cards = [c for c in self.repo.all(EmergencyCard) if c.carer_id in wanted and c.is_live]
        by_carer = {cid: [c for c in cards if c.carer_id == cid] for cid in wanted}
        for carer_id, found in by_carer.items():
            if not found:
                carer = self._carer(carer_id)
                raise NotFoundError(
                    f"{carer.display_name} has no card to print; issue a card first."
                )
        # Keep the order asked for, the carer's own card before the cared-for person's.
        return [
            c
            for cid in wanted
            for c in sorted(by_carer[cid], key=lambda c: (c.holder != "carer", c.issued_on, c.id))
        ]

    def why_not_printable(
        self, card: EmergencyCard, plan: EmergencyPlan, carer: Carer
    ) -> str | None:
        """Why ``card`` is held back from printing (the print queue's words), or None."""
        return self._unusable(card, plan, carer)

    def _unusable(self, card: EmergencyCard, plan: EmergencyPlan, carer: Carer) -> str | None:
        """Why a card must not be printed (the line could not use its plan), or None."""
        shown = format_card_number(card.number, self.settings.cards.group_size)
        if carer.closure is not None:
            return f"card {shown}: {carer.display_name}'s record is closed"
        if plan.consent_withdrawn:
            return (
                f"card {shown}: consent to share the plan was withdrawn on "
                f"{long_date(plan.consent_withdrawn_on)}"
            )
        gaps = line_gaps(plan, carer, self.settings.emergency_line)
        if gaps:
            return f"card {shown}: the plan needs {'; '.join(gaps)}"
        return None

    def _printable(
        self, cards: Sequence[EmergencyCard], *, hold_back: bool
    ) -> tuple[list[EmergencyCard], tuple[tuple[str, str], ...]]:
        """The cards that can be printed, and (for the print queue) those held back. A
        card asked for by name that cannot be printed refuses the whole print."""
        ok, held = [], []
        for card in cards:
            plan = self.repo.get(EmergencyPlan, card.plan_id)
            problem = self._unusable(card, plan, self._carer(card.carer_id))
            if problem is None:
                ok.append(card)
            elif hold_back:
                held.append((card.id, problem))
            else:
                raise RuleViolation(
                    f"This card cannot be printed: {problem}. A card must lead the emergency "
                    "line to a plan it can use; complete the plan (or record consent) first."
                )
        return ok, tuple(held)

    def _card_contents(self, cards: Sequence[EmergencyCard]) -> list[CardContent]:
        phone = self._emergency_phone()
        plans: dict[str, EmergencyPlan] = {}
        carers: dict[str, Carer] = {}
        out = []
        for card in cards:
            if card.plan_id not in plans:
                plans[card.plan_id] = self.repo.get(EmergencyPlan, card.plan_id)
            if card.carer_id not in carers:
                carers[card.carer_id] = self._carer(card.carer_id)
            out.append(
                card_content_for(
                    card,
                    plans[card.plan_id],
                    carers[card.carer_id],
                    emergency_phone=phone,
                    group_size=self.settings.cards.group_size,
                )
            )
        return out

    def _card_rendered(
        self,
        pdf: bytes,
        document: str,
        cards: Sequence[EmergencyCard],
        details: tuple[tuple[str, str], ...] = (),
        held_back: tuple[tuple[str, str], ...] = (),
    ) -> Rendered:
        return Rendered(
            pdf=pdf,
            document=document,
            subjects=tuple((c.carer_id, "card", c.id) for c in cards),
            cards=tuple(c.id for c in cards),
            details=details,
            held_back=held_back,
        )

    def _cards_for(
        self, carer_ids: Sequence[str] | None, all_pending: bool
    ) -> tuple[list[EmergencyCard], tuple[tuple[str, str], ...]]:
        if bool(carer_ids) == bool(all_pending):
            raise ValidationError([("cards", "choose either some carers or all pending cards")])
        self._emergency_phone()  # refuse before anything else when the number is wrong
        if all_pending:
            cards, held = self._printable(self.pending_cards(), hold_back=True)
            if not cards:
                why = "; ".join(reason for _, reason in held)
                raise NotFoundError(
                    "There are no cards waiting to be printed."
                    if not held
                    else f"No card in the queue can be printed yet: {why}."
                )
            return cards, held
        return self._printable(self.live_cards_of(carer_ids or []), hold_back=False)

    def card(self, carer_id: str) -> Rendered:
        """The carer's live cards, one CR80 front/back pair each, for a card printer."""
        cards, _ = self._cards_for([carer_id], False)
        return self._card_rendered(render_cr80_cards(self._card_contents(cards)), "card", cards)

    def card_sheet(
        self,
        *,
        carer_ids: Sequence[str] | None = None,
        all_pending: bool = False,
        duplex: Duplex = Duplex.LONG_EDGE,
    ) -> Rendered:
        """A4 sheets of ten for the given carers, or for the whole print queue (a queued
        card whose plan the line could not use is held back and named)."""
        cards, held = self._cards_for(carer_ids, all_pending)
        pdf = render_card_sheets(self._card_contents(cards), duplex=duplex)
        return self._card_rendered(pdf, "card-sheet", cards, (("duplex", str(duplex)),), held)

    def key_fobs(
        self, *, carer_ids: Sequence[str] | None = None, all_pending: bool = False
    ) -> Rendered:
        """Key-fob inserts for the given carers' live cards (or the print queue).

        The fob is an extra to the wallet card, so printing it does not mark cards printed.
        """
        cards, held = self._cards_for(carer_ids, all_pending)
        pdf = render_key_fob_inserts(self._card_contents(cards))
        return Rendered(
            pdf, "key-fobs", tuple((c.carer_id, "card", c.id) for c in cards), held_back=held
        )

    # --- documents -------------------------------------------------------------------

    def plan(self, carer_id: str, layout: Layout = Layout.STANDARD) -> Rendered:
        carer = self._carer(carer_id)
        plan = self._plan_for(carer)
        cards = self.settings.cards
        phone = cards.emergency_line_phone if cards.emergency_line_configured else None
        doc = plan_document(plan, carer, printed_on=self.clock.today(), emergency_phone=phone)
        return Rendered(
            render_document(doc, layout),
            "plan",
            ((carer.id, "plan", plan.id),),
            details=(("layout", str(layout)),),
        )

    def support_plan(
        self, carer_id: str, *, large_print: bool = False, conversation_id: str | None = None
    ) -> Rendered:
        """The support plan of ``conversation_id`` (one of the carer's), or of the carer's
        latest conversation, completed ones first."""
        carer = self._carer(carer_id)
        conversations = self.repo.where(GuidedConversation, carer_id=carer.id)
        if conversation_id is not None:
            conversations = [c for c in conversations if c.id == conversation_id]
        if not conversations:
            raise NotFoundError(
                f"{carer.display_name} has no guided conversation yet, so there is no "
                "support plan to print."
            )
        conversation: GuidedConversation = max(
            conversations,
            key=lambda c: (
                c.status == ConversationStatus.COMPLETE,
                c.completed_on or c.started_on,
                c.id,
            ),
        )
        doc = support_plan_document(conversation, carer, printed_on=self.clock.today())
        layout = Layout.LARGE_PRINT if large_print else Layout.STANDARD
        return Rendered(
            render_document(doc, layout),
            "support-plan",
            ((carer.id, "conversation", conversation.id),),
            details=(("layout", str(layout)),),
        )

    def letter_for_carer(self, carer_id: str, *, large_print: bool = False) -> Rendered:
        """The decision letter of the carer's most recently decided request."""
        carer = self._carer(carer_id)
        decided = [
            r
            for r in self.repo.where(WellbeingPaymentRequest, carer_id=carer_id)
            if r.decided_on is not None
            and r.status in (PaymentStatus.APPROVED, PaymentStatus.PAID, PaymentStatus.DECLINED)
        ]
        if not decided:
            raise NotFoundError(
                f"{carer.display_name} has no approved or declined wellbeing payment request, "
                "so there is no decision letter to print."
            )
        latest = max(decided, key=lambda r: (r.decided_on, r.requested_on, r.id))
        return self.letter(latest.id, large_print=large_print)

    def letter_for_conversation(
        self, conversation_id: str, *, large_print: bool = False
    ) -> Rendered:
        """The decision letter of the latest decided wellbeing-payment request that
        followed this assessment."""
        conversation = self.repo.get(GuidedConversation, conversation_id)
        carer = self._carer(conversation.carer_id)
        decided = [
            r
            for r in self.repo.where(WellbeingPaymentRequest, carer_id=carer.id)
            if r.conversation_id == conversation_id
            and r.decided_on is not None
            and r.status in (PaymentStatus.APPROVED, PaymentStatus.PAID, PaymentStatus.DECLINED)
        ]
        if not decided:
            raise NotFoundError(
                f"No wellbeing payment request that follows this conversation with "
                f"{carer.display_name} has been approved or declined yet, so there is no "
                "decision letter to print. The letter can be printed here once the "
                "request is decided."
            )
        latest = max(decided, key=lambda r: (r.decided_on, r.requested_on, r.id))
        return self.letter(latest.id, large_print=large_print)

    def _apply_again(self, request: WellbeingPaymentRequest) -> str:
        """When a declined carer may apply again: the day a request of this size fits the
        cap again, by the cap's own rule, or at any time."""
        rules = self.settings.payments
        on = request.decided_on or self.clock.today()
        day = first_day_allowed(
            carer_id=request.carer_id,
            amount_pence=min(request.amount_pence, rules.cap_pence),
            on=on,
            others=list(self.repo.where(WellbeingPaymentRequest, carer_id=request.carer_id)),
            request_id=request.id,
            cap_pence=rules.cap_pence,
            window_months=rules.window_months,
            stale_draft_days=rules.stale_draft_days,
        )
        if day is not None and day > on:
            return (
                f"You can apply again for {money(min(request.amount_pence, rules.cap_pence))} "
                f"from {long_date(day)}, when enough of your {money(rules.cap_pence)} "
                "allowance is free again; you can ask about a smaller amount before then."
            )
        return "You can apply again at any time, for example if your circumstances change."

    def letter(self, request_id: str, *, large_print: bool = False) -> Rendered:
        request = self.repo.get(WellbeingPaymentRequest, request_id)
        decided = {
            PaymentStatus.APPROVED: True,
            PaymentStatus.PAID: True,
            PaymentStatus.DECLINED: False,
        }
        if request.status not in decided:
            raise RuleViolation(
                f"This request is '{request.status.label}'; a decision letter can be printed "
                "once it is approved or declined."
            )
        carer = self._carer(request.carer_id)
        assessment = (
            self.repo.find(GuidedConversation, request.conversation_id)
            if request.conversation_id
            else None
        )
        determination = assessment.determination if assessment is not None else None
        sender = self._sender
        # Never the 24-hour emergency line: that is for emergencies, not for questions.
        phone = sender.phone
        letter = DecisionLetter(
            service_name=sender.name,
            service_address=sender.address,
            service_phone=phone,
            carer_name=carer.display_name,
            carer_address=carer.address.lines() if carer.address else (),
            dated=self.clock.today(),
            approved=decided[request.status],
            amount_pence=request.amount_pence,
            purpose=request.purpose.label,
            paid_to="you" if request.paid_to == PaidTo.CARER else request.supplier_name,
            decline_reason=request.decline_reason,
            signed_by=None,
            large_print=large_print,
            assessment_decision=determination.summary if determination else None,
            assessment_reasons=determination.reasons if determination else (),
            assessed_on=determination.determined_on if determination else None,
            apply_again=None if decided[request.status] else self._apply_again(request),
            complaints_contact=self.settings.letters.complaints_contact,
        )
        return Rendered(
            render_decision_letter(letter), "letter", ((carer.id, "payment_request", request.id),)
        )

    def sign_in_for_carer(self, carer_id: str, *, blank_rows: int = 8) -> Rendered:
        """The sign-in sheet of the next session (today or later; else the latest) of the
        group the carer belongs to. A carer in several groups is refused with each
        group's next session, to choose one."""
        carer = self._carer(carer_id)
        today = self.clock.today()
        groups = sorted(
            {
                m.group_id
                for m in self.repo.where(GroupMember, carer_id=carer_id)
                if m.is_member_on(today)
            }
        )
        if not groups:
            raise NotFoundError(f"{carer.display_name} belongs to no peer group.")
        chosen = {g: self._session_to_print(g, today) for g in groups}
        if len(groups) > 1:
            listed = "; ".join(
                f"{self.repo.get(PeerGroup, g).name}: "
                + (f"session {s.id} on {long_date(s.on)}" if s else "no session")
                for g, s in chosen.items()
            )
            raise ValidationError(
                [
                    (
                        "session",
                        f"{carer.display_name} belongs to several groups ({listed}); "
                        "choose the session",
                    )
                ]
            )
        session = chosen[groups[0]]
        if session is None:
            raise NotFoundError(f"{carer.display_name}'s group has no session yet.")
        return self.sign_in(session.id, blank_rows=blank_rows)

    def _session_to_print(self, group_id: str, today: date) -> GroupSession | None:
        sessions = self.repo.where(GroupSession, group_id=group_id)
        upcoming = [s for s in sessions if s.on >= today]
        if upcoming:
            return min(upcoming, key=lambda s: (s.on, s.id))
        return max(sessions, key=lambda s: (s.on, s.id), default=None)

    def sign_in(self, session_id: str, *, blank_rows: int = 8) -> Rendered:
        session = self.repo.get(GroupSession, session_id)
        group = self.repo.get(PeerGroup, session.group_id)
        members = [
            m for m in self.repo.where(GroupMember, group_id=group.id) if m.is_member_on(session.on)
        ]
        entries = []
        for member in members:
            # The register fields only: a facilitator's laptop holds no carer records.
            entry = register_entry_of(self.repo, member.carer_id)
            if entry is None:
                logger.warning("group member %s has no carer here", member.id)
                continue
            entries.append(entry)
        register = sort_register(entries)
        sheet = SignInSheet(
            group_name=group.name,
            session_on=session.on,
            starts_at=session.starts_at.strftime("%H:%M") if session.starts_at else None,
            venue=session.venue or group.venue,
            facilitator=group.facilitator,
            names=tuple(e.display_name for e in register),
            blank_rows=blank_rows,
        )
        return Rendered(
            render_sign_in_sheet(sheet),
            "sign-in",
            tuple((e.carer_id, "session", session.id) for e in register),
            details=(("session", session.id),),
        )

    # --- recording and saving --------------------------------------------------------

    def record_printed(
        self, rendered: Rendered, *, action: str = "print", extra: dict[str, str] | None = None
    ) -> None:
        """Audit the print (one entry per record, naming the carer) and mark cards printed."""
        today = self.clock.today()
        if rendered.cards:
            updated = []
            for card_id in dict.fromkeys(rendered.cards):
                card = self.repo.get(EmergencyCard, card_id)
                printed = card.mark_printed(today)
                if printed != card:
                    updated.append(printed)
            if updated:
                self.repo.save_many(
                    updated,
                    action="edit",
                    audit_details={"reason": "cards marked printed", "cards": len(updated)},
                )
        for carer_id, kind, record_id in rendered.subjects:
            details = {
                "document": rendered.document,
                "for": carer_id,
                **dict(rendered.details),
                **(extra or {}),
            }
            self.store.audit(action, record_id=record_id, kind=kind, details=details)
        if not rendered.subjects:
            self.store.audit(
                action,
                details={"document": rendered.document, **dict(rendered.details), **(extra or {})},
            )
        logger.info("%s %s: %d records", action, rendered.document, len(rendered.subjects))

    def save(
        self, rendered: Rendered, path: Path, *, password: str | None = None, action: str = "print"
    ) -> Path:
        """Write the PDF where the person chose (optionally password-protected) and audit it.

        ``action`` is "print" for a document saved to be printed (cards are then marked
        printed) and "export" for a copy leaving the system, such as a subject-access
        export.
        """
        pdf = protect_pdf(rendered.pdf, password) if password else rendered.pdf
        write_file_atomically(Path(path), pdf)
        extra = {"file": Path(path).name, "protected": "yes" if password else "no"}
        if action == "print":
            self.record_printed(rendered, extra=extra)
        else:
            self.record_printed(replace(rendered, cards=()), action=action, extra=extra)
        return Path(path)
