"""Payment rules the laptop and the server agree on (issue 9): the day money frees up,
stale drafts, the same-purpose warning kept on the request, budgets per financial year,
year-end attribution, the decline letter, and the rules the server says are in force."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from carer_desk import factories as make
from carer_desk.clock import SettableClock
from carer_desk.config import PaymentSettings, Settings
from carer_desk.errors import ValidationError
from carer_desk.records.payment import PaymentPurpose
from carer_desk.rules.financial_year import financial_year_starting
from carer_desk.rules.payment_rules import PaymentRules, RulesInForce, settings_in_force
from carer_desk.services.payments import APPROVER_ROLE, PaymentService
from carer_desk.services.printing import PrintService
from carer_desk.services.repository import Repository
from tests.carer_desk.printing.pdf_probe import all_text
from tests.carer_desk.services.service_support import complete_assessment, make_settings


def _request(service, carer_id, pence, purpose=PaymentPurpose.SHORT_BREAK):
    return service.create_request(
        carer_id, amount_pence=pence, purpose=purpose, wellbeing_outcome="Time to rest"
    )


def test_money_given_on_leap_day_frees_on_1_march(vault, settings, carer):
    clock = SettableClock(date(2024, 2, 29))
    complete_assessment(vault, settings, clock, carer.id)
    service = PaymentService(vault, settings, clock)
    service.submit(_request(service, carer.id, 30_000).id)
    position = service.cap_position(carer.id, date(2024, 6, 1))
    assert position.until == date(2025, 3, 1)
    assert position.available_then_pence == 30_000
    assert position.message.startswith(
        "£0.00 left of the £300.00 limit until 1 March 2025, when up to £300.00 can be requested."
    )
    assert "Counted: £300.00 waiting for a decision, dated 29 February 2024." in position.message
    assert service.cap_position(carer.id, date(2025, 2, 28)).remaining_pence == 0
    assert service.cap_position(carer.id, date(2025, 3, 1)).remaining_pence == 30_000


def test_a_forgotten_draft_no_longer_blocks_the_cap_and_is_listed(vault, settings, carer):
    clock = SettableClock(date(2025, 1, 6))
    complete_assessment(vault, settings, clock, carer.id)
    service = PaymentService(vault, settings, clock)
    old = _request(service, carer.id, 30_000)
    clock.day = date(2025, 3, 10)  # 63 days later: past the 60-day default
    complete_assessment(vault, settings, clock, carer.id)
    fresh = _request(service, carer.id, 10_000)
    submitted = service.submit(fresh.id)
    assert submitted.cap.allowed
    assert [d.id for d in submitted.cap.stale_drafts] == [old.id]
    assert "more than 60 days old; submit it or cancel it" in submitted.cap.message
    assert [r.id for r in service.stale_drafts(carer.id)] == [old.id]
    position = service.cap_position(carer.id)
    assert "Not counted: £300.00 draft (not yet submitted), dated 6 January 2025" in (
        position.message
    )


def test_the_same_purpose_warning_is_kept_on_the_request_for_the_approver(
    vault, settings, clock, carer
):
    complete_assessment(vault, settings, clock, carer.id)
    service = PaymentService(vault, settings, clock)
    service.submit(_request(service, carer.id, 5_000).id)
    second = service.submit(_request(service, carer.id, 5_000).id)
    assert second.warning is not None
    assert service.get(second.request.id).duplicate_purpose_warning == second.warning


def test_a_new_years_budget_never_rewrites_an_old_years_position(vault, clock, carer):
    budgets = PaymentSettings(budget_by_year=((2025, 60_000_000),))
    settings = replace(make_settings(), payments=budgets)
    service = PaymentService(vault, settings, clock)
    assert service.budget_position(financial_year_starting(2024)).budget_pence == 52_525_000
    assert service.budget_position(financial_year_starting(2025)).budget_pence == 60_000_000


def test_year_end_attribution_follows_the_setting(vault, carer):
    march = SettableClock(date(2025, 3, 20))
    settings = make_settings()
    complete_assessment(vault, settings, march, carer.id)
    service = PaymentService(vault, settings, march)
    request = service.submit(_request(service, carer.id, 12_000).id).request
    vault.actor = "manager"
    service.approve(request.id, role=APPROVER_ROLE)
    march.day = date(2025, 4, 3)
    service.mark_paid(request.id, role="admin")
    old, new = financial_year_starting(2024), financial_year_starting(2025)
    assert service.budget_position(old).spent_pence == 12_000  # default: the year approved
    assert service.budget_position(new).spent_pence == 0
    by_payment = replace(settings, payments=PaymentSettings(year_end_attribution="paid"))
    paid_view = PaymentService(vault, by_payment, march)
    assert paid_view.budget_position(new).spent_pence == 12_000


def test_the_decline_letter_says_when_to_apply_again_and_how_to_complain(vault, carer):
    clock = SettableClock(date(2025, 3, 3))
    settings = replace(
        make_settings(),
        letters=replace(make_settings().letters, complaints_contact="complaints@example.org"),
    )
    complete_assessment(vault, settings, clock, carer.id)
    service = PaymentService(vault, settings, clock)
    given = service.submit(_request(service, carer.id, 30_000).id).request
    vault.actor = "manager"
    service.approve(given.id, role=APPROVER_ROLE)
    vault.actor = "tester"
    clock.day = date(2025, 3, 4)
    # A second request the laptop let through offline, declined by the office.
    late = make.payment_request(
        carer, requested_on=date(2025, 3, 4), conversation_id=given.conversation_id
    )
    late = late.submit(date(2025, 3, 4)).decline("manager", date(2025, 3, 4), "Over the limit")
    Repository(vault).save(late, action="create")
    text = " ".join(all_text(PrintService(vault, settings, clock).letter(late.id).pdf).split())
    assert "You can apply again for £150.00 from 3 March 2026" in text
    assert "make a complaint: contact complaints@example.org" in text
    assert "Your carer's assessment on 3 March 2025 found" in text


# --- the rules the server says are in force -------------------------------------------------


def test_payment_rules_travel_and_come_back_the_same() -> None:
    rules = PaymentRules(
        payments=PaymentSettings(cap_pence=40_000, budget_by_year=((2025, 1),)),
        card_number_length=14,
    )
    assert PaymentRules.from_wire(rules.to_wire()) == rules


def test_bad_payment_rules_name_every_bad_key() -> None:
    with pytest.raises(ValidationError) as caught:
        PaymentRules.from_table({"cap_pounds": 300, "window_months": "twelve"})
    text = str(caught.value)
    assert "cap_pounds: is not a setting" in text and "window_months: must be" in text
    with pytest.raises(ValidationError, match="card_number_length: must be at least 6"):
        PaymentRules.from_table({"card_number_length": 3})
    with pytest.raises(ValidationError, match="payment rules must be"):
        PaymentRules.from_wire({"format": "something else"})


def test_the_laptop_prefers_the_rules_the_server_sent() -> None:
    local = Settings()
    told = RulesInForce(
        PaymentRules(payments=PaymentSettings(cap_pence=25_000), card_number_length=14),
        received_at=datetime(2025, 6, 1, 9, tzinfo=UTC),
        server="https://carerdesk.example.org",
    )
    applied, received = settings_in_force(local, told.to_json())
    assert applied.payments.cap_pence == 25_000 and applied.cards.number_length == 14
    assert applied.cards.emergency_line_phone == local.cards.emergency_line_phone
    assert received == told
    assert settings_in_force(local, None) == (local, None)
    damaged = {"rules": {"format": "nope"}, "received_at": "x", "server": "y"}
    assert settings_in_force(local, damaged) == (local, None)  # its own rules, with a warning
