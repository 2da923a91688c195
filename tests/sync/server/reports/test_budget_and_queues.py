"""The wellbeing budget and the work queues on the known dataset (dataset.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from carer_desk import factories as make
from carer_desk.ids import new_id
from carer_desk.rules.working_days import BankHolidayCalendar
from sync.protocol import Role
from sync.server.errors import Forbidden
from sync.server.reports.desk import ReportDesk
from tests.sync.server.reports import dataset
from tests.sync.server.reports.support import put

CAL = BankHolidayCalendar.default()


def _desk(store, budget: int) -> ReportDesk:
    return ReportDesk(store, lambda: dataset.AS_OF, CAL, annual_budget_pence=budget)


def test_a_closed_year_over_its_budget_says_so(store):
    dataset.build(store)
    answer = _desk(store, 50_000).budget("manager", Role.ADMIN, 2023)
    # Paid: £75 (June 2023), £200 (January), £150 (31 March); approved, unpaid: £120.
    assert (answer["paid_pence"], answer["committed_pence"]) == (42_500, 12_000)
    assert answer["remaining_pence"] == -4_500
    assert answer["forecast_outturn_pence"] == 54_500  # the year is over: what it spent
    assert answer["warning"].startswith("Over budget: £45.00 more is paid or committed")
    quarters = {q["key"]: (q["paid_pence"], q["committed_pence"]) for q in answer["by_quarter"]}
    assert quarters == {"Q1": (7_500, 0), "Q2": (0, 0), "Q3": (0, 0), "Q4": (35_000, 12_000)}
    purposes = {p["key"]: p["paid_pence"] for p in answer["by_purpose"]}
    assert purposes == {"day_out": 7_500, "short_break": 35_000}
    assert [(d["key"], d["paid_pence"]) for d in answer["by_district"]] == [
        ("west_oxfordshire", 42_500)
    ]
    assert [f["budget_pence"] for f in answer["by_funder"]] == [25_000, 25_000]
    assert [f["paid_pence"] for f in answer["by_funder"]] == [21_250, 21_250]


def test_the_run_rate_forecast_warns_before_the_money_runs_out(store):
    dataset.build(store)
    answer = _desk(store, 100_000).budget("approver", Role.PAYMENTS_APPROVER, 2024)
    # £300 paid on 1 April 2024; 94 of the year's 365 days gone on 3 July.
    assert answer["paid_pence"] == 30_000 and answer["remaining_pence"] == 70_000
    assert answer["forecast_outturn_pence"] == round(30_000 * 365 / 94)
    assert "Forecast to exceed the budget" in answer["warning"]
    calm = _desk(store, 200_000).budget("approver", Role.PAYMENTS_APPROVER, 2024)
    assert calm["warning"] is None
    with pytest.raises(Forbidden):
        _desk(store, 1).budget("worker", Role.OUTREACH_WORKER, 2024)


def test_work_queues_per_team_and_worker(store):
    carers = dataset.build(store)
    young = make.carer(worker="sam")
    plan = make.plan(young, created_on=date(2024, 6, 1), review_date=date(2024, 7, 10))
    card = make.card(plan, issued_on=date(2024, 6, 2))
    request = make.payment_request(
        young, requested_on=date(2024, 7, 1), conversation_id=new_id()
    ).submit(date(2024, 7, 1))
    put(store, young, plan, card, request, team="south")
    desk = _desk(store, 1)
    answer = desk.queues("manager", Role.ADMIN, None)
    by_queue: dict[str, list] = {}
    for item in answer["items"]:
        by_queue.setdefault(item["queue"], []).append(item)
    c = {name: carer.id for name, carer in carers.items()}
    assert (
        [(i["carer_id"], i["due_on"], i["overdue"]) for i in by_queue["waiting_list"]]
        == [
            (c["C5"], "2024-04-08", True),
            (c["C8"], "2024-07-04", False),
            (young.id, "2025-01-13", False),  # referred 6 January 2025 in the builders' world
        ][: len(by_queue["waiting_list"])]
    )
    assert [i["carer_id"] for i in by_queue["reviews_due"]] == [c["C10"]]
    assert by_queue["reviews_due"][0]["overdue"] is True
    assert sorted(i["carer_id"] for i in by_queue["plans_missing"]) == sorted(
        c[n] for n in ("C2", "C3", "C9", "C10")
    )
    assert [i["record_id"] for i in by_queue["plans_due"]] == [plan.id]
    assert [i["record_id"] for i in by_queue["cards_to_print"]] == [card.id]
    assert [i["record_id"] for i in by_queue["payment_decisions"]] == [request.id]
    south = desk.queues("sam", Role.OUTREACH_WORKER, "south")
    assert {i["team"] for i in south["items"]} == {"south"}
    assert {(n["worker"], n["queue"]) for n in south["counts"]} >= {("sam", "plans_due")}
    with pytest.raises(Forbidden):
        desk.queues("amy", Role.OUTREACH_WORKER, "north", "south")


def test_young_carers_approaching_18_are_queued_from_17_and_a_half(store):
    # The 18th birthday is kept only while the carer is under 18 when stored, so the
    # dates are counted from the real day the test runs (29 February avoided).
    today = date.today()
    adult_on = today + timedelta(days=100)
    adult_on = (
        adult_on + timedelta(days=1) if (adult_on.month, adult_on.day) == (2, 29) else adult_on
    )
    soon = make.carer(date_of_birth=adult_on.replace(year=adult_on.year - 18))
    later = make.carer(date_of_birth=adult_on.replace(year=adult_on.year - 16))
    put(store, soon, later, team="south")
    answer = ReportDesk(store, date.today, CAL).queues("manager", Role.ADMIN, None, "south")
    young = [i for i in answer["items"] if i["queue"] == "approaching_18"]
    assert [(i["carer_id"], i["due_on"]) for i in young] == [(soon.id, adult_on.isoformat())]
