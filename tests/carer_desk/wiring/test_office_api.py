"""The service manager's gateway to the office over the real server (in process): the
report, a drill-down, the budget, the queues and the admin API come back as the core's
values, and every refusal is the server's own sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from carer_desk.errors import CarerDeskError, LaptopRevoked
from carer_desk.office import Audience, OfficeRefused, ReportFormat
from carer_desk.wiring.office_api import ServerOffice
from sync.protocol import Role
from tests.sync.server import records as r
from tests.sync.server.harness import HARNESS_TODAY, PASSWORD, Harness


@pytest.fixture
def harness(tmp_path: Path):
    h = Harness(tmp_path / "server")
    yield h
    h.close()


def _office(harness: Harness, username: str = "manager", role: Role = Role.ADMIN):
    device = harness.device(username, role)
    revoked: list[bool] = []
    office = ServerOffice(
        "http://localhost",
        device.headers["Authorization"].removeprefix("Bearer "),
        on_revoked=lambda: revoked.append(True),
        client=harness.client,
    )
    return office, device, revoked


def _fy() -> int:
    return HARNESS_TODAY.year if HARNESS_TODAY.month >= 4 else HARNESS_TODAY.year - 1


def test_the_report_its_files_and_a_drill_down(harness) -> None:
    office, device, _ = _office(harness)
    device.push(r.change(r.carer("north")), r.change(r.carer("south")))
    report = office.quarterly(_fy(), 1)
    assert len(report.periods) == 2 and report.periods[0].label.startswith("Q1")
    keys = {f.key for f in report.figures}
    assert {"referrals.total", "payments.total"} <= keys
    assert "Referrals" in " ".join(report.sections()) or report.sections()
    pdf = office.quarterly_file(_fy(), 1, ReportFormat.PDF, Audience.EXTERNAL, 5)
    assert pdf.startswith(b"%PDF")
    csv = office.quarterly_file(_fy(), 1, ReportFormat.CSV, Audience.INTERNAL, 5)
    assert b"referrals.total" in csv
    drill = office.drill(_fy(), 1, "referrals.total", year_to_date=True)
    assert drill.figure == "referrals.total"
    assert drill.columns[0] == "record_id" if drill.rows else drill.columns == ()
    with pytest.raises(OfficeRefused) as refused:
        office.drill(_fy(), 1, "no.such.figure", year_to_date=False)
    assert "no figure 'no.such.figure'" in str(refused.value)


def test_the_budget_and_the_queues(harness) -> None:
    office, _, _ = _office(harness)
    budget = office.budget(None)
    assert budget.budget_pence > 0
    assert [name for name, _ in budget.summary()][:2] == ["Budget", "Paid"]
    assert len(budget.by_funder) == 2
    queues = office.queues("north")
    assert queues.team == "north"
    with pytest.raises(OfficeRefused) as refused:
        office.budget(1999)
    assert "financial year" in str(refused.value)


def test_users_laptops_and_settings(harness) -> None:
    office, _, _ = _office(harness)
    assert "Created ann.new" in office.create_user("ann.new", "outreach-worker", "north", PASSWORD)
    with pytest.raises(OfficeRefused) as refused:
        office.create_user("bob", "outreach-worker", None, "b" * 12)
    assert str(refused.value) == "An outreach worker needs a team: north, central, south or city."
    assert "central" in office.change_user("ann.new", "outreach-worker", "central").lower()
    harness.device("ann.new", device_name="ann's laptop")
    assert "1 device(s) revoked" in office.disable_user("ann.new")
    users = {u.username: u for u in office.users()}
    assert users["ann.new"].disabled and users["ann.new"].team == "central"
    assert "Enabled ann.new" in office.enable_user("ann.new")
    assert "reset" in office.reset_password("ann.new", "c" * 12)
    with pytest.raises(OfficeRefused):
        office.disable_user("manager")  # not one's own account
    laptops = {d.name: d for d in office.laptops()}
    assert laptops["ann's laptop"].revoked  # revoked when the account was disabled
    other = harness.device("carl", Role.GROUP_FACILITATOR, device_name="carl's laptop")
    revoked = office.revoke_laptop(other.enrolment["device_id"])
    assert revoked.revoked and revoked.revoked_by == "manager"
    settings = office.settings()
    titles = [s.title for s in settings.sections()]
    assert "Payments" in titles and "Years each record is kept" in titles


def test_a_worker_is_refused_and_a_revoked_laptop_is_told(harness) -> None:
    office, _, _ = _office(harness, "wendy", Role.OUTREACH_WORKER)
    with pytest.raises(OfficeRefused) as refused:
        office.users()
    assert "admin role" in str(refused.value)
    admin, device, told = _office(harness)
    harness.store.revoke_device(device.enrolment["device_id"], by="someone")
    with pytest.raises(LaptopRevoked):
        admin.users()
    assert told == [True]
    with pytest.raises(CarerDeskError, match="not connected"):
        ServerOffice(None, None).users()


def test_settings_changed_over_the_api_where_the_server_takes_changes(harness) -> None:
    office, _, _ = _office(harness)
    before = office.settings()
    if not before.editable:
        pytest.skip("this server takes no settings changes over its API (s17-reports-server)")
    after = office.change_payment_rules({"cap_pence": 35_000})
    assert after.payment_rule("cap_pence") == 35_000
    year = _fy() + 1
    after = office.set_budget(year, 60_000_000)
    assert any(b.financial_year == year and b.budget_pence == 60_000_000 for b in after.budgets())
    kind = next(iter(after.retention()))
    after = office.change_retention({kind: 9})
    assert after.retention()[kind] == 9
    with pytest.raises(OfficeRefused) as refused:
        office.change_payment_rules({"annual_budget_pence": 1})
    assert "budget" in str(refused.value)
