"""A field written by a newer Carer Desk survives every kind of edit made on this laptop.

A colleague on a newer version adds a field to a carer, a plan, a card... and it reaches
this laptop by sync. Whatever this laptop then does to that record — through any write
method of any service — the field is still there afterwards, at the top of the record
and inside its parts (an address, each cared-for person, each goal), so an older laptop
never silently strips what a newer one wrote.

Every public method of every service is either one of the writes below or a known
read: adding a write method without adding it here fails the last test.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from carer_desk import factories as make
from carer_desk.config import Settings
from carer_desk.errors import NotFoundError
from carer_desk.records.carer import ClosureReason
from carer_desk.records.codec import KINDS
from carer_desk.records.conversation import (
    ActionTag,
    CarerOutcome,
    GoalAttainment,
    WellbeingScale,
    WholeFamily,
)
from carer_desk.records.payment import PaymentPurpose
from carer_desk.services.calls import CallService
from carer_desk.services.cards import CardService
from carer_desk.services.carer_file import CarerFileService
from carer_desk.services.carers import CarerService
from carer_desk.services.caseload import CaseloadService
from carer_desk.services.closure import ClosureService
from carer_desk.services.conversations import ConversationService
from carer_desk.services.duplicates import DuplicateService
from carer_desk.services.groups import GroupService
from carer_desk.services.payments import APPROVER_ROLE, PaymentService
from carer_desk.services.plans import PlanService
from carer_desk.services.print_queue import PrintQueueService
from carer_desk.services.printing import PrintService
from carer_desk.services.refused import RefusedChangeService
from carer_desk.services.subject_access import SubjectAccessService
from tests.carer_desk.services.service_support import TODAY, complete_assessment, make_settings

FUTURE = "added_by_a_newer_version"
FUTURE_VALUE = {"kept": True, "note": "written on a newer laptop"}


@dataclass
class Desk:
    """Every service over one vault, and the records an edit starts from."""

    vault: Any
    settings: Settings
    clock: Any
    carers: CarerService
    plans: PlanService
    cards: CardService
    payments: PaymentService
    conversations: ConversationService
    groups: GroupService
    duplicates: DuplicateService
    printing: PrintService
    calls: CallService
    closures: ClosureService
    refused: RefusedChangeService
    ids: dict[str, str]


@pytest.fixture
def desk(vault, clock) -> Desk:
    settings = make_settings()
    services = {
        name: cls(vault, settings, clock)
        for name, cls in (
            ("carers", CarerService),
            ("plans", PlanService),
            ("cards", CardService),
            ("payments", PaymentService),
            ("conversations", ConversationService),
            ("groups", GroupService),
            ("duplicates", DuplicateService),
            ("printing", PrintService),
            ("calls", CallService),
            ("closures", ClosureService),
        )
    }
    refused = RefusedChangeService(vault, settings, clock, outbox=vault)
    d = Desk(vault=vault, settings=settings, clock=clock, ids={}, refused=refused, **services)
    carer = d.carers.register(
        make.carer(cared_for=(make.cared_for_person(),), contacts=(make.contact(),))
    )
    twin = d.carers.register(make.carer(given_name="Anne", date_of_birth=carer.date_of_birth))
    plan = d.plans.create(make.plan(carer, created_on=TODAY)).plan
    card = d.cards.issue_card(plan.id)
    assessment = complete_assessment(vault, settings, clock, carer.id)
    draft = d.conversations.start(carer.id)
    # Everything completing needs, so a completion can be one of the writes tried.
    d.conversations.save_stage3(draft.id, make.assessment(goals=(), actions=()))
    goal = d.conversations.add_goal(draft.id, "Sleep through once a week")
    call = d.calls.record_call(
        d.cards.lookup(card.number), caller="a neighbour", follow_up="Ring the carer"
    )
    # The office refused the twin's registration (it stays held, with the reason).
    twin_change = next(c for c in vault.outbox_pending(1000) if c.record_id == twin.id)
    vault.outbox_reject(twin_change.change_id, "not in your team")
    requests = {
        state: d.payments.create_request(
            carer.id,
            amount_pence=5000,
            purpose=PaymentPurpose.SHORT_BREAK,
            wellbeing_outcome="Rest",
        )
        for state in ("draft", "submitted", "approved")
    }
    d.payments.submit(requests["submitted"].id)
    d.payments.submit(requests["approved"].id)
    vault.actor = "manager"  # the approver is never the person who asked
    d.payments.approve(requests["approved"].id, role=APPROVER_ROLE)
    group = d.groups.create_group(make.group())
    session = d.groups.schedule_session(group.id, TODAY)
    d.groups.add_member(group.id, carer.id, joined_on=TODAY)
    d.groups.mark_attendance(session.id, carer.id)
    d.ids.update(
        carer=carer.id,
        twin=twin.id,
        plan=plan.id,
        card=card.id,
        assessment=assessment.id,
        draft=draft.id,
        goal=goal.id,
        group=group.id,
        session=session.id,
        call=call.id,
        refused=twin_change.change_id,
        **{f"request_{state}": r.id for state, r in requests.items()},
    )
    return d


# --- planting fields only a newer version knows -------------------------------------------


def _plant_in(value: Any) -> Any:
    """The payload with the newer field added to it and to every object inside it."""
    if isinstance(value, dict):
        planted = {k: _plant_in(v) for k, v in value.items()}
        planted[FUTURE] = FUTURE_VALUE
        return planted
    if isinstance(value, list):
        return [_plant_in(v) for v in value]
    return value


def _known(value: Any) -> Any:
    """``value`` as this version wrote it: without the newer field anywhere."""
    if isinstance(value, dict):
        return {k: _known(v) for k, v in value.items() if k != FUTURE}
    if isinstance(value, list):
        return [_known(v) for v in value]
    return value


def _lost(before: Any, after: Any, path: str = "") -> Iterator[str]:
    """Where an object that held the newer field before the edit, and is still there
    after it, has lost it. Objects the edit added never had it; list items are followed
    by their id, or, without one, by holding the same values (an item left as it was)."""
    if isinstance(before, dict) and isinstance(after, dict):
        if FUTURE in before and after.get(FUTURE) != FUTURE_VALUE:
            yield path or "(top)"
        for key, value in before.items():
            if key != FUTURE and key in after:
                yield from _lost(value, after[key], f"{path}.{key}" if path else key)
    elif isinstance(before, list) and isinstance(after, list):
        for index, item in enumerate(before):
            twin = _same_item(item, after)
            if twin is not None:
                yield from _lost(item, twin, f"{path}[{index}]")


def _same_item(item: Any, items: list[Any]) -> Any:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return next((i for i in items if isinstance(i, dict) and i.get("id") == item["id"]), None)
    known = _known(item)
    return next((i for i in items if _known(i) == known), None)


def _plant_everything(vault) -> dict[tuple[str, str], dict[str, Any]]:
    """Every record as if synced from a newer laptop; returns each planted payload."""
    planted = {}
    for kind in KINDS:
        for record_id, payload in list(vault.iter_kind(kind)):
            planted[(kind, record_id)] = _plant_in(payload)
            vault.put(kind, record_id, planted[(kind, record_id)], action="sync")
    return planted


# --- every write method of every service --------------------------------------------------

Write = Callable[[Desk], object]


def _carer(d: Desk):
    return d.carers.get_carer(d.ids["carer"])


def _conversation(d: Desk):
    return d.conversations.get(d.ids["draft"])


def _refuse_twin(d: Desk) -> str:
    """The office refuses the twin's newest change (planting the newer field replaced the
    refusal the fixture made); returns its change id."""
    change = next(c for c in d.vault.outbox_pending(1000) if c.record_id == d.ids["twin"])
    d.vault.outbox_reject(change.change_id, "not in your team")
    return change.change_id


WRITES: dict[str, Write] = {
    "CarerService.update": lambda d: d.carers.update(replace(_carer(d), worker="asha")),
    "CarerService.register": lambda d: d.carers.register(make.carer(given_name="Bea")),
    "CarerService.import_carers": lambda d: d.carers.import_carers(
        [make.carer(given_name="Cal", family_name="New")], source="test.csv"
    ),
    "PlanService.create": lambda d: d.plans.create(make.plan(d.ids["twin"], created_on=TODAY)),
    "PlanService.update": lambda d: d.plans.update(
        replace(d.plans.get(d.ids["plan"]), pets="A cat")
    ),
    "PlanService.mark_reviewed": lambda d: d.plans.mark_reviewed(d.ids["plan"]),
    "CardService.issue_card": lambda d: d.cards.issue_card(
        d.ids["plan"], "cared_for", d.plans.get(d.ids["plan"]).cared_for[0].id
    ),
    "CardService.reissue_card": lambda d: d.cards.reissue_card(d.ids["card"], "lost"),
    "CardService.revoke_card": lambda d: d.cards.revoke_card(d.ids["card"], "not wanted"),
    "PaymentService.create_request": lambda d: d.payments.create_request(
        d.ids["carer"],
        amount_pence=1000,
        purpose=PaymentPurpose.SHORT_BREAK,
        wellbeing_outcome="Rest",
    ),
    "PaymentService.amend_draft": lambda d: d.payments.amend_draft(
        d.ids["request_draft"], amount_pence=6000
    ),
    "PaymentService.submit": lambda d: d.payments.submit(d.ids["request_draft"]),
    "PaymentService.cancel": lambda d: d.payments.cancel(d.ids["request_draft"], "no need"),
    "PaymentService.approve": lambda d: d.payments.approve(
        d.ids["request_submitted"], role=APPROVER_ROLE
    ),
    "PaymentService.decline": lambda d: d.payments.decline(
        d.ids["request_submitted"], "covered elsewhere", role=APPROVER_ROLE
    ),
    "PaymentService.mark_paid": lambda d: d.payments.mark_paid(
        d.ids["request_approved"], role="admin"
    ),
    "ConversationService.start": lambda d: d.conversations.start(d.ids["twin"]),
    "ConversationService.answer": lambda d: d.conversations.answer(
        d.ids["draft"],
        d.conversations.template(_conversation(d)).stage(1).prompts[0].id,
        "Better than last month",
    ),
    "ConversationService.save_stage1": lambda d: d.conversations.save_stage1(
        d.ids["draft"], replace(_conversation(d).stage1, strengths="Patient")
    ),
    "ConversationService.save_stage2": lambda d: d.conversations.save_stage2(
        d.ids["draft"], make.urgent_support()
    ),
    "ConversationService.save_stage3": lambda d: d.conversations.save_stage3(
        d.ids["draft"], replace(_conversation(d).stage3, payment_recommended=True)
    ),
    "ConversationService.set_seen_alone": lambda d: d.conversations.set_seen_alone(
        d.ids["draft"], True
    ),
    "ConversationService.add_goal": lambda d: d.conversations.add_goal(
        d.ids["draft"], "Walk the dog again"
    ),
    "ConversationService.rate_goal": lambda d: d.conversations.rate_goal(
        d.ids["draft"], d.ids["goal"], GoalAttainment.PARTLY_ACHIEVED
    ),
    "ConversationService.add_action": lambda d: d.conversations.add_action(
        d.ids["draft"], "Ring the GP", ActionTag.PREVENT
    ),
    "ConversationService.record_wellbeing_check": lambda d: d.conversations.record_wellbeing_check(
        d.ids["draft"],
        {
            s.id: WellbeingScale.SOMETIMES
            for s in d.conversations.template(_conversation(d)).wellbeing_statements
        },
    ),
    "ConversationService.complete": lambda d: d.conversations.complete(d.ids["draft"]),
    "ConversationService.save_draft": lambda d: d.conversations.save_draft(
        replace(_conversation(d), seen_alone=False)
    ),
    "GroupService.create_group": lambda d: d.groups.create_group(make.group(name="New")),
    "GroupService.update_group": lambda d: d.groups.update_group(
        replace(d.groups.group(d.ids["group"]), venue="The library")
    ),
    "GroupService.schedule_session": lambda d: d.groups.schedule_session(d.ids["group"], TODAY),
    "GroupService.update_session": lambda d: d.groups.update_session(
        replace(d.groups.session(d.ids["session"]), venue="The library")
    ),
    "GroupService.add_member": lambda d: d.groups.add_member(d.ids["group"], d.ids["twin"]),
    "GroupService.leave_group": lambda d: d.groups.leave_group(d.ids["group"], d.ids["carer"]),
    "GroupService.mark_attendance": lambda d: d.groups.mark_attendance(
        d.ids["session"], d.ids["carer"], attended=False
    ),
    "GroupService.flag_follow_up": lambda d: d.groups.flag_follow_up(
        d.ids["session"], d.ids["carer"]
    ),
    "GroupService.add_newcomer": lambda d: d.groups.add_newcomer(
        d.ids["session"], given_name="Dee", family_name="New", consent_given=True
    ),
    "DuplicateService.keep_apart": lambda d: d.duplicates.keep_apart(d.ids["carer"], d.ids["twin"]),
    "DuplicateService.merge": lambda d: d.duplicates.merge(d.ids["carer"], d.ids["twin"]),
    "CarerService.register_new": lambda d: d.carers.register_new(make.carer(given_name="Bo")),
    "PlanService.withdraw_consent": lambda d: d.plans.withdraw_consent(d.ids["plan"]),
    "PlanService.give_consent": lambda d: (
        d.plans.withdraw_consent(d.ids["plan"]),
        d.plans.give_consent(d.ids["plan"]),
    ),
    "ConversationService.assess_outcome": lambda d: d.conversations.assess_outcome(
        d.ids["draft"], CarerOutcome.NUTRITION, unable=True
    ),
    "ConversationService.decide_impact": lambda d: d.conversations.decide_impact(
        d.ids["draft"], False
    ),
    "ConversationService.record_continuing_to_care": lambda d: (
        d.conversations.record_continuing_to_care(d.ids["draft"], able=True, willing=False)
    ),
    "ConversationService.save_family": lambda d: d.conversations.save_family(
        d.ids["draft"], WholeFamily(children_in_household=True, children_helping_with_care=True)
    ),
    "ConversationService.record_young_carer_referral": lambda d: (
        d.conversations.record_young_carer_referral(d.ids["draft"])
    ),
    "CallService.record_call": lambda d: d.calls.record_call(
        d.cards.lookup(d.cards.cards_of(d.ids["carer"])[0].number), caller="paramedic"
    ),
    "CallService.record_line_call": lambda d: d.calls.record_line_call(
        d.cards.lookup(d.cards.cards_of(d.ids["carer"])[0].number).answer, caller="a neighbour"
    ),
    "CallService.mark_followed_up": lambda d: d.calls.mark_followed_up(d.ids["call"]),
    "ClosureService.close": lambda d: d.closures.close(d.ids["carer"], ClosureReason.MOVED_AWAY),
    "ClosureService.reopen": lambda d: (
        d.closures.close(d.ids["carer"], ClosureReason.MOVED_AWAY),
        d.closures.reopen(d.ids["carer"]),
    ),
    "RefusedChangeService.correct": lambda d: d.refused.correct(
        _refuse_twin(d), {**d.vault.get("carer", d.ids["twin"]), "worker": "asha"}
    ),
    "RefusedChangeService.discard": lambda d: d.refused.discard(_refuse_twin(d)),
    "PrintService.record_printed": lambda d: d.printing.record_printed(
        d.printing.card(d.ids["carer"])
    ),
    "PrintService.save": lambda d: d.printing.save(
        d.printing.card(d.ids["carer"]), Path(d.vault.path).parent / "card.pdf"
    ),
    "SubjectAccessService.export": lambda d: SubjectAccessService(
        d.vault, d.settings, d.clock
    ).export(d.ids["carer"], pdf_path=None, json_path=Path(d.vault.path).parent / "sar.json"),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_field_from_a_newer_version_survives_the_edit(desk: Desk, write: str) -> None:
    planted = _plant_everything(desk.vault)
    WRITES[write](desk)
    for (kind, record_id), before in planted.items():
        try:
            after = desk.vault.get(kind, record_id)
        except NotFoundError:  # deleted by the edit (a merge absorbs one carer)
            continue
        lost = list(_lost(before, after))
        assert not lost, f"{write} dropped the newer field from {kind} {record_id} at {lost}"


# --- the list above is every write ------------------------------------------------------

SERVICES = (
    CaseloadService,
    CarerFileService,
    CarerService,
    PlanService,
    CardService,
    PaymentService,
    ConversationService,
    GroupService,
    DuplicateService,
    PrintService,
    SubjectAccessService,
    CallService,
    ClosureService,
    RefusedChangeService,
    PrintQueueService,
)
READS = {
    "CaseloadService": {
        "holds_decrypted_data", "identities", "ids", "link", "prepare_search", "records_of",
        "refresh", "forget", "row", "rows", "search", "link_kind", "finish_link",
        "ensure_linked", "records_for",
    },
    "CarerFileService": {"open"},  # an audited view, no record written
    "CarerService": {
        "damaged", "describe", "forget", "get_carer", "holds_decrypted_data", "list_carers",
        "moving_to_adult_services", "notices", "readable", "refresh", "search", "sync_state",
        "unreadable",
    },
    "PlanService": {
        "due_for_review", "find_for_carer", "get", "missing_sections", "plan_for_carer",
    },
    "CardService": {
        "cards_of", "line_gaps", "live_card_for", "lookup", "pending_cards", "standing",
    },
    "PaymentService": {
        "budget_position", "cap_position", "financial_year", "flagged_for_office", "get",
        "list_for_carer", "open_requests", "stale_drafts", "waiting_for_decision",
        "advise", "decision_queue", "payments_to_make",
    },
    "ConversationService": {
        "determination", "eligibility", "get", "list_for_carer", "previous", "reminders",
        "template", "wellbeing_trajectory",
    },
    "CallService": {"calls_of", "open_follow_ups", "corrected"},  # corrected: writes nothing
    "ClosureService": {"closed_records"},
    "RefusedChangeService": {"record_for_correction", "refused"},
    "GroupService": {
        "attendance", "follow_ups", "group", "groups", "groups_of", "members", "register",
        "register_rows",
        "session",
        "sessions",
    },
    "DuplicateService": {"decisions", "possible_duplicates", "unfinished_merges"},
    "PrintService": {
        "card", "card_sheet", "key_fobs", "letter", "letter_for_carer", "letter_for_conversation",
        "live_cards_of",
        "pending_cards", "plan", "sign_in", "sign_in_for_carer", "support_plan",
        "why_not_printable",
    },
    "PrintQueueService": {"checked", "listed", "rows"},
    "SubjectAccessService": {"gather", "render_pdf"},
}  # fmt: skip


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.__name__)
def test_every_public_method_is_a_tested_write_or_a_known_read(service: type) -> None:
    public = {
        name
        for name, member in inspect.getmembers(service)
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }
    writes = {w.split(".")[1] for w in WRITES if w.startswith(service.__name__ + ".")}
    assert public == writes | READS[service.__name__], (
        "a new method: add it to WRITES (it writes) or READS (it only reads)"
    )
