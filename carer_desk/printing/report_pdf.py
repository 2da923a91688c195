"""A report (``carer_desk.rules.reporting.Report``) as an A4 PDF with charts, for the
commissioners: a table of figures per section, one column per period, and a bar chart
for each section that breaks a total down (referral sources, assessment routes, payment
purposes) plus the two working-day KPIs. Data in, bytes out.

In an external report every number the suppression rule hides is "<5" in the table and
its bar is drawn as zero, so a chart can never give away what the table hides.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import HexColor, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table
from reportlab.platypus.tables import TableStyle

from carer_desk.formatting import long_date
from carer_desk.printing.document import BRAND, INK, MUTED, PDF_CREATOR, Document, Layout, markup
from carer_desk.printing.document import _numbered_canvas as numbered_canvas
from carer_desk.printing.fonts import BOLD, REGULAR, register_fonts
from carer_desk.printing.geometry import (
    A4_HEIGHT,
    A4_WIDTH,
    DOC_MARGIN_BOTTOM,
    DOC_MARGIN_LEFT,
    DOC_MARGIN_RIGHT,
    DOC_MARGIN_TOP,
)
from carer_desk.rules.reporting import (
    CHARTS,
    Audience,
    Figure,
    Report,
    Unit,
    bar_label,
    in_chart,
)

BODY = 9.5
CHART_HEIGHT_PER_BAR = 15
CHART_LABEL_WIDTH = 190
PERIOD_COLOURS = (BRAND, HexColor("#8FBFC2"))
GRID = HexColor("#C8D6D7")
CONTENT_WIDTH = A4_WIDTH - DOC_MARGIN_LEFT - DOC_MARGIN_RIGHT


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "body", fontName=REGULAR, fontSize=BODY, leading=BODY * 1.3, textColor=INK
    )
    return {
        "body": body,
        "title": ParagraphStyle(
            "title", parent=body, fontName=BOLD, fontSize=18, leading=22, textColor=BRAND
        ),
        "heading": ParagraphStyle(
            "heading",
            parent=body,
            fontName=BOLD,
            fontSize=12.5,
            leading=16,
            textColor=BRAND,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "note": ParagraphStyle("note", parent=body, textColor=MUTED, fontSize=8.5),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
    }


def _sections(report: Report) -> list[tuple[str, list[tuple[Figure, tuple[Figure, ...]]]]]:
    order: dict[str, list[tuple[Figure, tuple[Figure, ...]]]] = {}
    for fig, same in report.rows():
        order.setdefault(fig.section, []).append((fig, same))
    return list(order.items())


def _table(report: Report, rows: list[tuple[Figure, tuple[Figure, ...]]], styles) -> Table:
    header = ["", *(p.label for p in report.periods)]
    data = [[Paragraph(markup(h), styles["cell"]) for h in header]]
    for fig, same in rows:
        cells = [f.shown(report.audience, report.threshold) for f in same]
        data.append([Paragraph(markup(fig.label), styles["cell"]), *cells])
    value_width = 95
    table = Table(
        data,
        colWidths=[CONTENT_WIDTH - value_width * len(report.periods)]
        + [value_width] * len(report.periods),
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 8.5),
                ("FONT", (1, 0), (-1, 0), BOLD, 8.5),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, BRAND),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _bars(report: Report, section: str, rows) -> list[tuple[str, list[Figure]]]:
    bars = [
        (bar_label(fig.label), list(same))
        for fig, same in rows
        if in_chart(section, fig.key, fig.unit)
    ]
    # A chart of nothing but zeros says nothing; leave out categories empty in every period.
    return [(label, same) for label, same in bars if any(f.value for f in same)]


def chart(report: Report, section: str, rows) -> Drawing | None:
    """A horizontal bar chart for the section, one bar per period; None when empty."""
    if section not in CHARTS:
        return None
    bars = _bars(report, section, rows)
    if not bars:
        return None
    periods = len(report.periods)
    height = CHART_HEIGHT_PER_BAR * len(bars) * periods + 40
    drawing = Drawing(CONTENT_WIDTH, height)
    bc = HorizontalBarChart()
    bc.x, bc.y = CHART_LABEL_WIDTH, 20
    bc.width, bc.height = CONTENT_WIDTH - CHART_LABEL_WIDTH - 60, height - 30
    hidden = [[f.suppressed(report.audience, report.threshold) for f in same] for _, same in bars]
    scale = 100 if CHARTS[section][1] is Unit.PENCE else 1
    bc.data = [
        [0 if hidden[b][p] else (bars[b][1][p].value or 0) / scale for b in range(len(bars))][::-1]
        for p in range(periods)
    ]
    bc.categoryAxis.categoryNames = [label[:40] for label, _ in bars][::-1]
    bc.categoryAxis.labels.fontName = REGULAR
    bc.categoryAxis.labels.fontSize = 7.5
    bc.categoryAxis.labels.boxAnchor = "e"
    bc.categoryAxis.labels.dx = -4
    bc.valueAxis.valueMin = 0
    bc.valueAxis.labels.fontName = REGULAR
    bc.valueAxis.labels.fontSize = 7
    if scale == 100:
        bc.valueAxis.labelTextFormat = "£%d"
    bc.barSpacing = 1
    bc.groupSpacing = 5
    for index, colour in enumerate(PERIOD_COLOURS[:periods]):
        bc.bars[index].fillColor = colour
        bc.bars[index].strokeColor = white
    drawing.add(bc)
    legend_x = CHART_LABEL_WIDTH
    for p, period in enumerate(report.periods):
        drawing.add(
            String(
                legend_x,
                4,
                f"■ {period.label}",
                fontName=REGULAR,
                fontSize=7.5,
                fillColor=PERIOD_COLOURS[p % 2],
            )
        )
        legend_x += 150
    return drawing


def render_report(report: Report) -> bytes:
    """The report as PDF bytes: title, periods, notes, then per section its chart and
    table of figures."""
    register_fonts()
    styles = _styles()
    audience = (
        f"For sharing outside the organisation: numbers under {report.threshold} are shown "
        f"as <{report.threshold}."
        if report.audience is Audience.EXTERNAL
        else "Internal: every number is shown. Do not share outside the organisation."
    )
    story: list = [
        Paragraph(markup(report.title), styles["title"]),
        Paragraph(
            markup(
                " · ".join(
                    f"{p.label}: {long_date(p.start)} – {long_date(p.end)}" for p in report.periods
                )
            ),
            styles["body"],
        ),
        Paragraph(markup(audience), styles["note"]),
        Spacer(1, 6),
    ]
    for section, rows in _sections(report):
        block: list = [Paragraph(markup(section), styles["heading"])]
        drawing = chart(report, section, rows)
        if drawing is not None:
            block.append(drawing)
        story.append(KeepTogether(block))
        story.append(_table(report, rows, styles))
    story.append(Spacer(1, 10))
    story.extend(Paragraph(markup(n), styles["note"]) for n in report.notes)
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=(A4_WIDTH, A4_HEIGHT),
        leftMargin=DOC_MARGIN_LEFT,
        rightMargin=DOC_MARGIN_RIGHT,
        topMargin=DOC_MARGIN_TOP,
        bottomMargin=DOC_MARGIN_BOTTOM,
        title=report.title,
        author=PDF_CREATOR,
        creator=PDF_CREATOR,
        invariant=1,
    )
    running = Document(
        title=report.title,
        about=" / ".join(p.label for p in report.periods),
        printed_on=report.generated_at.date(),
        sections=(),
        footer_note="Official: contract monitoring"
        if report.audience is Audience.EXTERNAL
        else "Official – sensitive: internal",
    )
    template.build(story, canvasmaker=numbered_canvas(running, Layout.STANDARD))
    return buffer.getvalue()


def section_names(report: Report) -> Sequence[str]:
    return [name for name, _ in _sections(report)]
