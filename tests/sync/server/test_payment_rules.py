"""Issue 9: the payment rules the server decides by come from its own settings file, are
told to laptops at sync, keep budgets per financial year, attribute money at the year end
as configured, and the approver sees the same-purpose warning in the decision."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from carer_desk.config import ConfigError, PaymentSettings
from carer_desk.rules.payment_rules import PaymentRules
from sync.protocol import Role
from sync.server.__main__ import main
from sync.server.settings import SETTINGS_FILE, ServerSettings
from tests.sync.server import records as r
from tests.sync.server.harness import Device, Harness
from tests.sync.server.test_payments import decide, setup_carer

TODAY = date(2026, 3, 15)


def server_with(tmp_path: Path, settings_toml: str, today: Callable[[], date]) -> Harness:
    data_dir = tmp_path / "server"
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / SETTINGS_FILE).write_text(settings_toml, encoding="utf-8")
    return Harness(data_dir, today=today)


@pytest.fixture
def h(tmp_path: Path) -> Iterator[Harness]:
    harness = server_with(
        tmp_path,
        "[payments]\ncap_pence = 20000\nassessment_valid_months = 6\n"
        "budget_by_year = [[2025, 100000], [2026, 40000]]\n[cards]\nnumber_length = 14\n",
        lambda: TODAY,
    )
    yield harness
    harness.close()


def test_the_server_decides_by_the_cap_in_its_settings_file(worker: Device, approver) -> None:
    (first,) = setup_carer(worker, 15000)
    answer = decide(approver, first.id)
    assert answer.status_code == 200 and answer.json()["cap_pence"] == 20000
    second = r.payment(first.carer_id, first.conversation_id, 10000, requested_on=TODAY)
    assert worker.push_one(r.change(second))["status"] == "applied"
    refused = decide(approver, second.id)
    assert refused.status_code == 409 and "£200" in refused.json()["detail"]
    # A request above the cap in force is refused as soon as it is sent.
    big = r.payment(first.carer_id, first.conversation_id, 25000, requested_on=TODAY)
    result = worker.push_one(r.change(big))
    assert result["status"] == "rejected" and "£200.00 limit" in result["reason"]


def test_laptops_are_told_the_rules_in_force(worker: Device) -> None:
    answer = worker.get("/v1/payment-rules")
    assert answer.status_code == 200
    told = PaymentRules.from_wire(answer.json()["rules"])
    assert told.payments.cap_pence == 20000
    assert told.payments.assessment_valid_months == 6
    assert told.payments.budget_for(2026) == 40000
    assert told.card_number_length == 14


def test_the_rules_need_a_device_credential(h: Harness) -> None:
    assert h.client.get("/v1/payment-rules").status_code == 401


def test_a_bad_settings_file_is_refused_naming_each_key(tmp_path: Path, capsys) -> None:
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    (data_dir / SETTINGS_FILE).write_text(
        '[payments]\ncap_pounds = 300\nwindow_months = "twelve"\n[limits]\nx = 1\n'
    )
    with pytest.raises(ConfigError) as raised:
        ServerSettings.for_data_dir(data_dir)
    message = str(raised.value)
    assert "payments.cap_pounds" in message and "payments.window_months" in message
    assert "limits: is not a server setting" in message and SETTINGS_FILE in message
    (data_dir / SETTINGS_FILE).write_text("[cards]\nnumber_length = 3\n")
    with pytest.raises(ConfigError, match=r"cards\.number_length"):
        ServerSettings.for_data_dir(data_dir)
    (data_dir / SETTINGS_FILE).write_text("[payments]\ncap_pounds = 300\n")
    assert main(["--data-dir", str(data_dir), "list-users"]) == 1
    assert "payments.cap_pounds" in capsys.readouterr().err


def test_a_new_years_budget_does_not_rewrite_the_old_years_position(tmp_path: Path) -> None:
    # 15 March 2026 is in the year that began on 1 April 2025, whose budget is £1,000;
    # the £400 set for the year beginning in April 2026 must not apply to it.
    h = server_with(
        tmp_path, "[payments]\nbudget_by_year = [[2025, 100000], [2026, 40000]]\n", lambda: TODAY
    )
    try:
        worker = h.device("worker-north", Role.OUTREACH_WORKER, "north")
        approver = h.device("manager", Role.PAYMENTS_APPROVER)
        for _ in range(2):
            (request,) = setup_carer(worker, 30000)
            assert decide(approver, request.id).status_code == 200
        (third,) = setup_carer(worker, 30000)
        answer = decide(approver, third.id)
        assert answer.status_code == 200 and answer.json()["budget_remaining_pence"] == 10000
    finally:
        h.close()


@pytest.mark.parametrize(("attribution", "allowed"), [("approved", True), ("paid", False)])
def test_year_end_attribution_of_approved_but_unpaid_money_is_configurable(
    tmp_path: Path, attribution: str, allowed: bool
) -> None:
    # £250 approved on 20 March 2026 (the old year) and paid on 2 April (the new one).
    # The new year's budget is £400: £200 more fits only if the £250 stays in the old year.
    clock = {"today": date(2026, 3, 15)}
    h = server_with(
        tmp_path,
        f'[payments]\nyear_end_attribution = "{attribution}"\nbudget_by_year = [[2026, 40000]]\n',
        lambda: clock["today"],
    )
    try:
        worker = h.device("worker-north", Role.OUTREACH_WORKER, "north")
        approver = h.device("manager", Role.PAYMENTS_APPROVER)
        admin = h.device("office-admin", Role.ADMIN)
        (old,) = setup_carer(worker, 25000)
        clock["today"] = date(2026, 3, 20)
        assert decide(approver, old.id).status_code == 200
        clock["today"] = date(2026, 4, 2)
        paid = old.approve(by="manager", on=date(2026, 3, 20)).mark_paid(date(2026, 4, 2))
        assert admin.push_one(r.change(paid, base_version=2))["status"] == "applied"
        clock["today"] = date(2026, 4, 10)
        carer = r.carer("north")
        talk = r.assessment(carer.id, date(2026, 4, 1))
        new = r.payment(carer.id, talk.id, 20000, requested_on=date(2026, 4, 10))
        worker.push(r.change(carer), r.change(talk), r.change(new))
        answer = decide(approver, new.id)
        if allowed:
            assert answer.status_code == 200, answer.text
            assert answer.json()["budget_remaining_pence"] == 20000
        else:
            assert answer.status_code == 409 and "budget" in answer.json()["detail"]
    finally:
        h.close()


def test_the_approver_sees_the_same_purpose_warning(h: Harness, worker, approver) -> None:
    first, second = setup_carer(worker, 5000, 5000)
    assert decide(approver, first.id).json()["duplicate_purpose_warning"] is not None
    body = decide(approver, second.id).json()
    warning = body["duplicate_purpose_warning"]
    # Worked out by the server from every request it holds, even when the laptop that
    # submitted the request did not store one on it.
    assert warning and "already has a request" in warning
    assert second.duplicate_purpose_warning is None


def test_the_decisions_warning_compares_the_servers_days_of_submission(tmp_path: Path) -> None:
    # Recorded 95 days apart on laptops (more than the 90 days of the warning), received by
    # the office 65 days apart: the decision warns, by the days the cap counts.
    clock = {"today": TODAY}
    h = server_with(tmp_path, "", lambda: clock["today"])
    try:
        worker = h.device("worker-north", Role.OUTREACH_WORKER, "north")
        approver = h.device("manager", Role.PAYMENTS_APPROVER)
        carer = r.carer("north")
        talk = r.assessment(carer.id)
        early = r.payment(carer.id, talk.id, 5000, requested_on=date(2026, 2, 13))
        results = worker.push(r.change(carer), r.change(talk), r.change(early))
        assert {x["status"] for x in results} == {"applied"}, results
        clock["today"] = date(2026, 5, 19)
        later = r.payment(carer.id, talk.id, 5000, requested_on=date(2026, 5, 19))
        assert worker.push_one(r.change(later))["status"] == "applied"
        body = decide(approver, later.id).json()
        warning = body["duplicate_purpose_warning"]
        assert warning and "dated 15 March 2026, 65 days before this one" in warning
    finally:
        h.close()


def test_the_stored_warning_is_the_one_returned(h: Harness, worker, approver) -> None:
    carer = r.carer("north")
    talk = r.assessment(carer.id)
    request = r.payment(carer.id, talk.id, 5000)
    noted = r.replace(request, duplicate_purpose_warning="Seen at submission: a gym in May.")
    worker.push(r.change(carer), r.change(talk), r.change(noted))
    body = decide(approver, request.id).json()
    assert body["duplicate_purpose_warning"] == "Seen at submission: a gym in May."


def test_settings_given_in_code_win_over_the_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    (data_dir / SETTINGS_FILE).write_text("[payments]\ncap_pence = 20000\n")
    rules = PaymentRules(payments=PaymentSettings(cap_pence=10000))
    assert ServerSettings.for_data_dir(data_dir).payments.payments.cap_pence == 20000
    chosen = ServerSettings.for_data_dir(data_dir, payments=rules)
    assert chosen.payments.payments.cap_pence == 10000
