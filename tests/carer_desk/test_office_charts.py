"""The contract report's charts as the desktop draws them (``ContractReport.charts``):
the same bars as the PDF's, money in pounds, categories empty in every period left out,
and a suppressed "<5" drawn as zero and named, so a chart never shows what the table
hides."""

from __future__ import annotations

from datetime import date, datetime

from carer_desk.office import ContractReport, ReportFigure, ReportPeriod
from carer_desk.rules.reporting import Unit


def _report(*figures: ReportFigure) -> ContractReport:
    periods = (
        ReportPeriod("Q2 2025/26", date(2025, 7, 1), date(2025, 9, 30)),
        ReportPeriod("2025/26 to date (Q1–Q2)", date(2025, 4, 1), date(2025, 9, 30)),
    )
    return ContractReport("Contract monitoring report", periods, figures, (), datetime(2025, 10, 1))


def _fig(key: str, section: str, label: str, unit: Unit, *values) -> ReportFigure:
    return ReportFigure(key, section, label, unit, values)


def test_charts_hold_the_breakdowns_and_kpi_outcomes_in_the_reports_order():
    report = _report(
        _fig("referrals.total", "Referrals", "Referrals", Unit.COUNT, 12, 30),
        _fig("referrals.source.gp_practice", "Referrals", "GP practice", Unit.COUNT, 7, 20),
        _fig("referrals.source.hospital", "Referrals", "Hospital", Unit.COUNT, 0, 0),
        _fig("referrals.source.self", "Referrals", "Self-referral", Unit.COUNT, 5, 10),
        _fig(
            "payments.purpose.breaks.count",
            "Wellbeing payments",
            "Breaks: payments",
            Unit.COUNT,
            3,
            9,
        ),
        _fig(
            "payments.purpose.breaks.total",
            "Wellbeing payments",
            "Breaks: total paid",
            Unit.PENCE,
            45000,
            135050,
        ),
        _fig("waiting_list.within", "Waiting list (5 working days)", "Within", Unit.COUNT, 4, 9),
        _fig("waiting_list.percent", "Waiting list (5 working days)", "%", Unit.PERCENT, 80, 90),
    )
    charts = {c.section: c for c in report.charts()}
    assert list(charts) == ["Referrals", "Wellbeing payments", "Waiting list (5 working days)"]
    referrals = charts["Referrals"]
    assert referrals.title == "Referrals by source"
    assert referrals.bars == (("GP practice", (7, 20)), ("Self-referral", (5, 10)))
    assert charts["Wellbeing payments"].bars == (("Breaks", (450.0, 1350.5)),)
    assert charts["Waiting list (5 working days)"].bars == (("Within", (4, 9)),)
    assert "GP practice: Q2 2025/26 7, 2025/26 to date (Q1–Q2) 20" in referrals.sentence()
    assert "£1,350.50" in charts["Wellbeing payments"].sentence()


def test_a_suppressed_number_is_drawn_as_zero_and_named():
    report = _report(
        _fig("referrals.source.gp_practice", "Referrals", "GP practice", Unit.COUNT, "<5", 20),
        _fig("referrals.source.self", "Referrals", "Self-referral", Unit.COUNT, "<5", "<5"),
    )
    (chart,) = report.charts()
    assert chart.bars == (("GP practice", (0, 20)),)
    assert chart.suppressed == ("GP practice", "Self-referral")


def test_a_report_with_nothing_to_chart_has_no_charts():
    assert (
        _report(_fig("referrals.total", "Referrals", "Referrals", Unit.COUNT, 0, 0)).charts() == []
    )
