"""The quarterly contract-monitoring report checked number by number against the dataset
in dataset.py, worked out by hand there and below: Q4 2023/24 (January to March 2024,
with the leap day and Easter), its year to date, and Q1 2024/25 across the financial-year
boundary. The same dataset on SQLite and PostgreSQL gives the same report."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from carer_desk.rules.reporting import Audience, report_csv, report_json
from carer_desk.rules.working_days import BankHolidayCalendar
from sync.server.reports.quarterly import UnknownFigure, drill_down, quarterly_report
from tests.sync.server.reports import dataset
from tests.sync.server.reports.support import store_at

CAL = BankHolidayCalendar.default()
NOW = datetime(2024, 7, 3, 9, 0, tzinfo=UTC)

# Every figure that is not zero, per column; every other figure must be zero or "none".
Q4_2023 = {
    "referrals.total": 5,
    "referrals.source.self": 3,
    "referrals.source.gp_practice": 1,
    "referrals.source.hospital": 1,
    "referrals.self": 3,
    "assessments.total": 3,
    "assessments.route.in_person": 3,
    "reviews.total": 1,
    "groups.carers": 2,
    "carers.parent_registered": 1,
    "plans.in_place": 1,
    "gp.registered": 2,
    "gp.encouraged": 1,
    "payments.count": 2,
    "payments.total": 35_000,
    "payments.purpose.short_break.count": 2,
    "payments.purpose.short_break.total": 35_000,
    "self_assessments.received": 3,
    "self_assessments.within": 1,
    "self_assessments.late": 1,
    "self_assessments.overdue": 1,
    "self_assessments.within_percent": 33.3,
    "waiting_list.received": 5,
    "waiting_list.within": 3,
    "waiting_list.late": 1,
    "waiting_list.overdue": 1,
    "waiting_list.within_percent": 60.0,
    "waits.assessed": 2,
    "waits.average_days": 11.5,
    "waits.median_days": 11.5,
    "waits.longest_days": 18,
    "wellbeing.compared": 2,
    "wellbeing.improved": 1,
}
YTD_2023 = {
    "referrals.total": 7,
    "referrals.source.self": 3,
    "referrals.source.gp_practice": 1,
    "referrals.source.hospital": 1,
    "referrals.source.operational_team": 1,
    "referrals.source.other_professional": 1,
    "referrals.self": 3,
    "assessments.total": 6,
    "assessments.route.in_person": 5,
    "assessments.route.phone": 1,
    "reviews.total": 1,
    "groups.carers": 3,
    "carers.parent_registered": 2,
    "plans.in_place": 1,
    "gp.registered": 2,
    "gp.encouraged": 2,
    "payments.count": 3,
    "payments.total": 42_500,
    "payments.purpose.short_break.count": 2,
    "payments.purpose.short_break.total": 35_000,
    "payments.purpose.day_out.count": 1,
    "payments.purpose.day_out.total": 7_500,
    "self_assessments.received": 3,
    "self_assessments.within": 1,
    "self_assessments.late": 1,
    "self_assessments.overdue": 1,
    "self_assessments.within_percent": 33.3,
    "waiting_list.received": 7,
    "waiting_list.within": 5,
    "waiting_list.late": 1,
    "waiting_list.overdue": 1,
    "waiting_list.within_percent": 71.4,
    "waits.assessed": 5,
    "waits.average_days": 14.6,
    "waits.median_days": 6.0,
    "waits.longest_days": 39,
    "wellbeing.compared": 2,
    "wellbeing.improved": 1,
}
Q1_2024 = {
    "referrals.total": 2,
    "referrals.source.self": 1,
    "referrals.source.gp_practice": 1,
    "referrals.self": 1,
    "assessments.total": 2,
    "assessments.route.phone": 1,
    "assessments.route.self_assessment": 1,
    "reviews.total": 2,
    "groups.carers": 2,
    "carers.parent_registered": 1,
    "plans.in_place": 2,
    "gp.registered": 2,
    "gp.encouraged": 1,
    "payments.count": 1,
    "payments.total": 30_000,
    "payments.purpose.equipment.count": 1,
    "payments.purpose.equipment.total": 30_000,
    "self_assessments.received": 1,
    "self_assessments.within": 1,
    "self_assessments.within_percent": 100.0,
    "waiting_list.received": 2,
    "waiting_list.within": 1,
    "waiting_list.pending": 1,
    "waiting_list.within_percent": 100.0,
    "waits.assessed": 2,
    "waits.average_days": 6.0,
    "waits.median_days": 6.0,
    "waits.longest_days": 6,
    "wellbeing.compared": 1,
    "wellbeing.improved": 1,
}
NO_VALUE = {"waits.average_days", "waits.median_days", "waits.longest_days"}
NO_VALUE |= {f"{p}.within_percent" for p in ("self_assessments", "waiting_list")}


def _expect(values: dict, nonzero: dict) -> None:
    unexpected = {
        key: value for key, value in values.items() if key not in nonzero and value not in (0, None)
    }
    assert unexpected == {}
    assert {k: values[k] for k in nonzero} == nonzero


@pytest.fixture
def built(store):
    carers = dataset.build(store)
    return store, carers


def test_q4_2023_24_and_its_year_to_date_match_the_hand_count(built):
    store, _ = built
    report = quarterly_report(store, 2023, 4, CAL, as_of=dataset.AS_OF, now=NOW)
    assert [p.label for p in report.periods] == ["Q4 2023/24", "2023/24 to date (Q1–Q4)"]
    assert (report.periods[0].start.isoformat(), report.periods[0].end.isoformat()) == (
        "2024-01-01",
        "2024-03-31",
    )
    _expect(report.values(0), Q4_2023)
    _expect(report.values(1), YTD_2023)
    assert report.rows_read > 0


def test_q1_2024_25_across_the_financial_year_boundary(built):
    store, _ = built
    report = quarterly_report(store, 2024, 1, CAL, as_of=dataset.AS_OF, now=NOW)
    _expect(report.values(0), Q1_2024)
    _expect(report.values(1), Q1_2024)  # the year to date of Q1 is Q1


def test_each_figure_drills_down_to_the_records_behind_it(built):
    store, carers = built
    c = {name: carer.id for name, carer in carers.items()}
    period, rows = drill_down(store, 2023, 4, "waiting_list.within", CAL, as_of=dataset.AS_OF)
    assert period.label == "Q4 2023/24"
    assert {r["record_id"] for r in rows} == {c["C1"], c["C2"], c["C3"]}
    assert all(r["kind"] == "carer" and "referral_on" in r for r in rows)
    _, overdue = drill_down(store, 2023, 4, "waiting_list.overdue", CAL, as_of=dataset.AS_OF)
    assert [r["record_id"] for r in overdue] == [c["C5"]]
    _, waits = drill_down(
        store, 2023, 4, "waits.longest_days", CAL, as_of=dataset.AS_OF, year_to_date=True
    )
    assert {r["record_id"] for r in waits} == {c[n] for n in ("C1", "C4", "C6", "C9", "C10")}
    _, improved = drill_down(store, 2024, 1, "wellbeing.improved", CAL, as_of=dataset.AS_OF)
    assert [r["record_id"] for r in improved] == [c["C1"]]
    _, groups = drill_down(store, 2023, 4, "groups.carers", CAL, as_of=dataset.AS_OF)
    assert {r["record_id"] for r in groups} == {c["C1"], c["C2"]}
    # Every counted figure's drill-down has as many rows as the figure says.
    report = quarterly_report(store, 2023, 4, CAL, as_of=dataset.AS_OF, now=NOW)
    for fig in report.columns[0]:
        if fig.unit.value == "count":
            _, behind = drill_down(store, 2023, 4, fig.key, CAL, as_of=dataset.AS_OF)
            assert len(behind) == fig.value, fig.key
    with pytest.raises(UnknownFigure):
        drill_down(store, 2023, 4, "referrals.by_star_sign", CAL, as_of=dataset.AS_OF)


def test_small_numbers_are_suppressed_only_in_outputs_that_leave(built):
    store, _ = built
    report = quarterly_report(store, 2023, 4, CAL, as_of=dataset.AS_OF, now=NOW)
    inside = report_json(report)
    outside = report_json(report.for_audience(Audience.EXTERNAL))
    by_key = {f["key"]: f["values"] for f in outside["figures"]}
    assert by_key["referrals.total"] == [5, 7]  # five is not a small number
    assert by_key["referrals.self"] == ["<5", "<5"]
    assert by_key["payments.total"] == ["<5", "<5"]  # money from fewer than five payments
    assert by_key["waits.average_days"] == ["<5", 14.6]
    assert by_key["referrals.source.childrens_services"] == [0, 0]  # zero identifies nobody
    assert {f["key"]: f["values"] for f in inside["figures"]}["referrals.self"] == [3, 3]
    three = report_json(report.for_audience(Audience.EXTERNAL, 3))
    assert {f["key"]: f["values"] for f in three["figures"]}["referrals.self"] == [3, 3]
    csv_text = report_csv(report.for_audience(Audience.EXTERNAL)).decode("utf-8-sig")
    assert "referrals.self,Self-referrals,count,<5,<5" in csv_text
    assert "payments.total,Paid in total,pence,<5,<5" in csv_text


def test_sqlite_and_postgresql_give_the_same_report(tmp_path, pg_cluster):
    reports = []
    for name, url in (
        ("sqlite", f"sqlite:///{tmp_path / 'a.sqlite3'}"),
        ("postgresql", pg_cluster.create_database()),
    ):
        store = store_at(tmp_path / name, url)
        try:
            dataset.build(store)
            for fy, q in ((2023, 4), (2024, 1)):
                reports.append(
                    (
                        name,
                        report_json(
                            quarterly_report(store, fy, q, CAL, as_of=dataset.AS_OF, now=NOW)
                        ),
                    )
                )
        finally:
            store.close()
    sqlite_reports = [r for name, r in reports if name == "sqlite"]
    postgres_reports = [r for name, r in reports if name == "postgresql"]
    assert sqlite_reports == postgres_reports
