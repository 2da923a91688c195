"""Reports over the HTTP API: for the service manager only, in JSON, CSV and PDF, with
drill-downs, and every one audited."""

from __future__ import annotations

from datetime import date

import pytest

from sync.protocol import Role
from tests.sync.server.harness import Harness
from tests.sync.server.reports import dataset


@pytest.fixture
def office(tmp_path):
    h = Harness(tmp_path / "server", today=lambda: dataset.AS_OF)
    dataset.build(h.store)
    yield h
    h.close()


def _actions(h: Harness) -> list[tuple[str, str, dict]]:
    return [(a.actor, a.action, a.details) for a in h.store.iter_audit() if "report" in a.action]


def test_the_service_manager_gets_the_report_in_every_format(office):
    admin = office.device("manager", Role.ADMIN)
    answer = admin.get("/v1/reports/quarterly", params={"fy": 2023, "quarter": 4})
    assert answer.status_code == 200, answer.text
    figures = {f["key"]: f["values"] for f in answer.json()["figures"]}
    assert figures["referrals.total"] == [5, 7]
    external = admin.get(
        "/v1/reports/quarterly",
        params={"fy": 2023, "quarter": 4, "format": "csv", "audience": "external"},
    )
    assert external.headers["content-type"].startswith("text/csv")
    assert "referrals.self,Self-referrals,count,<5,<5" in external.content.decode("utf-8-sig")
    pdf = admin.get("/v1/reports/quarterly", params={"fy": 2023, "quarter": 4, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    assert [(actor, action, d["format"]) for actor, action, d in _actions(office)] == [
        ("manager", "report", "json"),
        ("manager", "report", "csv"),
        ("manager", "report", "pdf"),
    ]


def test_a_drill_down_names_records_and_is_audited(office):
    admin = office.device("manager", Role.ADMIN)
    answer = admin.get(
        "/v1/reports/quarterly/drill",
        params={"fy": 2023, "quarter": 4, "key": "waiting_list.overdue"},
    )
    assert answer.status_code == 200, answer.text
    [row] = answer.json()["records"]
    assert row["kind"] == "carer" and row["referral_on"] == "2024-03-29"
    assert _actions(office)[-1][1:] == (
        "report-drill",
        {"figure": "waiting_list.overdue", "period": "Q4 2023/24", "records": 1},
    )
    unknown = admin.get(
        "/v1/reports/quarterly/drill", params={"fy": 2023, "quarter": 4, "key": "nonsense"}
    )
    assert unknown.status_code == 404 and "no figure 'nonsense'" in unknown.json()["detail"]


@pytest.mark.parametrize(
    "role", [Role.OUTREACH_WORKER, Role.PAYMENTS_APPROVER, Role.GROUP_FACILITATOR]
)
def test_other_roles_are_refused_reports_and_drill_downs(office, role):
    team = "north" if role == Role.OUTREACH_WORKER else None
    device = office.device(f"user-{role.value}", role, team)
    for path in ("/v1/reports/quarterly", "/v1/reports/quarterly/drill"):
        answer = device.get(path, params={"fy": 2023, "quarter": 4, "key": "referrals.total"})
        assert answer.status_code == 403
        assert "service manager" in answer.json()["detail"]
    assert _actions(office) == []


def test_a_year_outside_the_data_is_a_clear_error(office):
    admin = office.device("manager", Role.ADMIN)
    answer = admin.get("/v1/reports/quarterly", params={"fy": 2031, "quarter": 1})
    assert answer.status_code == 400
    assert f"to {date(2024, 4, 1).year}" in answer.json()["detail"]


def test_the_budget_and_work_queues_over_the_api(office):
    approver = office.device("approver", Role.PAYMENTS_APPROVER)
    budget = approver.get("/v1/reports/budget", params={"fy": 2023})
    assert budget.status_code == 200, budget.text
    assert budget.json()["paid_pence"] == 42_500
    worker = office.device("amy", Role.OUTREACH_WORKER, "north")
    queues = worker.get("/v1/reports/queues")
    assert queues.status_code == 200, queues.text
    assert {i["team"] for i in queues.json()["items"]} == {"north"}
    assert worker.get("/v1/reports/queues", params={"team": "south"}).status_code == 403
    assert worker.get("/v1/reports/budget").status_code == 403
