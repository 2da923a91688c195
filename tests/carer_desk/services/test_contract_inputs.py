"""Recording what the contract KPIs are counted from: first contact with a carer on the
waiting list, self-assessments received and reviewed, and the GP question (issue 11)."""

from __future__ import annotations

from datetime import date

import pytest

from carer_desk import factories as make
from carer_desk.errors import RuleViolation, ValidationError
from carer_desk.records.carer import ClosureReason
from carer_desk.records.conversation import ConversationMode
from carer_desk.services.carers import CarerService
from carer_desk.services.closure import ClosureService
from carer_desk.services.contract_inputs import ContractInputService
from carer_desk.services.conversations import ConversationService
from tests.carer_desk.services.service_support import TODAY, add_carer

# Friday 23 May 2025; Monday 26 May is the spring bank holiday, so the fifth working day
# after is Monday 2 June (TODAY), not Friday 30 May.
BEFORE_BANK_HOLIDAY = date(2025, 5, 23)


def test_the_waiting_list_counts_its_deadline_in_working_days(vault, settings, clock):
    service = ContractInputService(vault, settings, clock)
    late = add_carer(vault, "Bea", referral=make.referral(date(2025, 5, 1)))
    due = add_carer(vault, "Cal", referral=make.referral(BEFORE_BANK_HOLIDAY))
    add_carer(vault, "Dee", referral=make.referral(date(2025, 5, 1), contacted_on=date(2025, 5, 2)))
    waiting = service.waiting_list()
    assert [(w.carer_id, w.contact_due_by, w.overdue) for w in waiting] == [
        (late.id, date(2025, 5, 9), True),
        (due.id, TODAY, False),
    ]


def test_first_contact_takes_a_carer_off_the_waiting_list_and_is_kept(vault, settings, clock):
    service = ContractInputService(vault, settings, clock)
    carer = add_carer(vault, referral=make.referral(BEFORE_BANK_HOLIDAY))
    service.record_first_contact(carer.id)
    stored = CarerService(vault, settings, clock).get_carer(carer.id)
    assert stored.referral.contacted_on == TODAY
    assert service.first_contact_within_deadline(stored) is True
    assert service.waiting_list() == []


def test_a_first_contact_before_the_referral_or_in_the_future_is_refused(vault, settings, clock):
    service = ContractInputService(vault, settings, clock)
    carer = add_carer(vault, referral=make.referral(BEFORE_BANK_HOLIDAY))
    with pytest.raises(ValidationError, match="before the referral"):
        service.record_first_contact(carer.id, date(2025, 5, 22))
    with pytest.raises(ValidationError, match="future"):
        service.record_first_contact(carer.id, date(2025, 6, 3))
    assert CarerService(vault, settings, clock).get_carer(carer.id).referral.contacted_on is None


def test_closed_records_are_not_on_the_waiting_list(vault, settings, clock):
    service = ContractInputService(vault, settings, clock)
    carer = add_carer(vault, referral=make.referral(BEFORE_BANK_HOLIDAY))
    ClosureService(vault, settings, clock).close(carer.id, ClosureReason.MOVED_AWAY)
    assert service.waiting_list() == []


def test_a_self_assessment_received_earlier_is_reviewed_against_two_working_days(
    vault, settings, clock
):
    service = ContractInputService(vault, settings, clock)
    carer = add_carer(vault)
    received = service.self_assessment_received(carer.id, BEFORE_BANK_HOLIDAY)
    assert (received.mode, received.started_on) == (
        ConversationMode.SELF_ASSESSMENT,
        BEFORE_BANK_HOLIDAY,
    )
    [queued] = service.self_assessments_to_review()
    # Tue 27 and Wed 28 May: the bank holiday is not a working day.
    assert (queued.review_due_by, queued.overdue) == (date(2025, 5, 28), True)
    reviewed = service.self_assessment_reviewed(received.id, date(2025, 5, 28))
    assert ConversationService(vault, settings, clock).get(reviewed.id).reviewed_on == date(
        2025, 5, 28
    )
    assert service.self_assessments_to_review() == []


def test_only_a_self_assessment_is_marked_reviewed(vault, settings, clock):
    carer = add_carer(vault)
    visit = ConversationService(vault, settings, clock).start(carer.id)
    with pytest.raises(RuleViolation, match="Only a self-assessment"):
        ContractInputService(vault, settings, clock).self_assessment_reviewed(visit.id)


def test_the_gp_question_is_recorded(vault, settings, clock):
    service = ContractInputService(vault, settings, clock)
    carer = add_carer(vault)
    service.record_gp_encouraged(carer.id, date(2025, 5, 30))
    service.record_gp_registered(carer.id, True)
    stored = CarerService(vault, settings, clock).get_carer(carer.id)
    assert stored.encouraged_to_register_with_gp_on == date(2025, 5, 30)
    assert stored.registered_with_gp_as_carer is True


def test_an_import_carries_the_first_contact_and_the_gp_date(tmp_path):
    from carer_desk.clock import FixedClock
    from carer_desk.importer import ImportRefused, read_carers

    header = (
        "given_name,family_name,referral_date,referral_source,consent_given,consent_date,"
        "referral_contacted_on,encouraged_to_register_with_gp_on"
    )
    path = tmp_path / "caseload.csv"
    path.write_text(
        f"{header}\nAnn,Lee,2025-05-23,self,yes,2025-05-23,2025-05-30,2025-05-30\n",
        encoding="utf-8",
    )
    [carer] = read_carers(path, clock=FixedClock(TODAY))
    assert carer.referral.contacted_on == date(2025, 5, 30)
    assert carer.encouraged_to_register_with_gp_on == date(2025, 5, 30)
    path.write_text(
        f"{header}\nAnn,Lee,2025-05-23,self,yes,2025-05-23,2025-05-22,\n", encoding="utf-8"
    )
    with pytest.raises(ImportRefused) as caught:
        read_carers(path, clock=FixedClock(TODAY))
    assert "must not be before the referral date" in dict(caught.value.problems)["line 2"]
