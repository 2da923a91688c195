"""The report PDF: every section and figure printed, suppression kept in the charts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pypdf import PdfReader

from carer_desk.printing.report_pdf import chart, render_report
from carer_desk.rules.reporting import Audience, Figure, Period, Report, Unit

Q = Period("Q4 2023/24", date(2024, 1, 1), date(2024, 3, 31))
Y = Period("2023/24 to date (Q1–Q4)", date(2023, 4, 1), date(2024, 3, 31))


def _report() -> Report:
    def figs(self_refs: int, gp: int, paid: int) -> tuple[Figure, ...]:
        return (
            Figure(
                "referrals.total",
                "Referrals",
                "Referrals received",
                Unit.COUNT,
                self_refs + gp,
                self_refs + gp,
            ),
            Figure(
                "referrals.source.self",
                "Referrals",
                "Self-referral",
                Unit.COUNT,
                self_refs,
                self_refs,
            ),
            Figure("referrals.source.gp_practice", "Referrals", "GP practice", Unit.COUNT, gp, gp),
            Figure(
                "payments.total",
                "Wellbeing payments",
                "Paid in total",
                Unit.PENCE,
                paid * 15_000,
                paid,
            ),
            Figure(
                "waits.average_days",
                "Referral to assessment",
                "Average wait (days)",
                Unit.DAYS,
                11.5,
                2,
            ),
        )

    return Report(
        title="Contract monitoring report",
        periods=(Q, Y),
        columns=(figs(3, 12, 2), figs(9, 30, 7)),
        generated_at=datetime(2024, 7, 3, tzinfo=UTC),
        notes=("Working days exclude England bank holidays.",),
    )


def _text(pdf: bytes) -> str:
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_prints_every_section_and_number():
    text = _text(render_report(_report()))
    for words in (
        "Contract monitoring report",
        "Referrals received",
        "Self-referral",
        "GP practice",
        "£300.00",
        "£1,050.00",
        "11.5",
        "Page 1 of 1",
        "Internal: every number is shown",
    ):
        assert words in text, words


def test_an_external_pdf_hides_small_numbers_in_table_and_chart():
    report = _report().for_audience(Audience.EXTERNAL)
    text = _text(render_report(report))
    assert "<5" in text and "£300.00" not in text
    assert "numbers under 5 are shown as <5" in text
    section_rows = [(f, s) for f, s in report.rows() if f.section == "Referrals"]
    drawing = chart(report, "Referrals", section_rows)
    bars = drawing.contents[0].data
    # Bars in reverse order (top first): GP practice, self; Q then year to date.
    assert bars == [[12, 0], [30, 9]]
