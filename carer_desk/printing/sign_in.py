"""The paper sign-in sheet for a peer-support group session.

The paper fallback when the facilitator's laptop is flat or the hall has no signal. It
holds only what a register needs: names already on the group's list, blank rows for
newcomers (who write a phone or email), and a consent tick box, because a newcomer's
details may only be kept if they agree.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm

from carer_desk.formatting import long_date
from carer_desk.printing.cards import new_canvas
from carer_desk.printing.document import BRAND, INK, MUTED
from carer_desk.printing.fit import Align, draw_fitted
from carer_desk.printing.fonts import BOLD, REGULAR
from carer_desk.printing.geometry import A4_HEIGHT, A4_WIDTH, DOC_MARGIN_LEFT, Box

ROW_HEIGHT = 11.0 * mm
HEADER_ROW_HEIGHT = 12.0 * mm
TABLE_TOP = A4_HEIGHT - 62.0 * mm
TABLE_BOTTOM = 24.0 * mm
TABLE_WIDTH = A4_WIDTH - 2 * DOC_MARGIN_LEFT
CELL_PAD = 1.5 * mm
TICK_BOX = 5.0 * mm
# Column widths as shares of the table width.
COLUMNS = (
    ("Name", 0.40),
    ("Here today", 0.12),
    ("New? Phone or email", 0.33),
    ("I agree*", 0.15),
)
CONSENT_TEXT = (
    "* New to the group? Tick \u201cI agree\u201d if you are happy for Carers Oxfordshire to "
    "keep your name and phone or email, to tell you about future sessions. "
    "If you do not tick, we will not keep your details."
)
ROWS_PER_PAGE = int((TABLE_TOP - HEADER_ROW_HEIGHT - TABLE_BOTTOM) // ROW_HEIGHT)
ZEBRA = HexColor("#F2F6F6")


@dataclass(frozen=True)
class SignInSheet:
    group_name: str
    session_on: date
    starts_at: str | None  # "10:30"
    venue: str | None
    facilitator: str | None
    names: tuple[str, ...]  # people expected (the group's register), in order
    blank_rows: int = 8


def _column_boxes(y: float, height: float) -> list[Box]:
    boxes, x = [], DOC_MARGIN_LEFT
    for _, share in COLUMNS:
        width = TABLE_WIDTH * share
        boxes.append(Box(x, y, width, height))
        x += width
    return boxes


def _tick_box(canvas, cell: Box) -> None:
    canvas.rect(
        cell.x + (cell.width - TICK_BOX) / 2,
        cell.y + (cell.height - TICK_BOX) / 2,
        TICK_BOX,
        TICK_BOX,
        stroke=1,
        fill=0,
    )


def _page(canvas, sheet: SignInSheet, rows: Sequence[str | None], number: int, total: int) -> None:
    top = A4_HEIGHT - 18 * mm
    canvas.setFillColor(BRAND)
    draw_fitted(
        canvas,
        f"Sign-in sheet: {sheet.group_name}",
        Box(DOC_MARGIN_LEFT, top - 10 * mm, TABLE_WIDTH, 10 * mm),
        BOLD,
        max_size=18,
        min_size=11,
        max_lines=1,
    )
    when = long_date(sheet.session_on) + (f" at {sheet.starts_at}" if sheet.starts_at else "")
    details = [when] + [v for v in (sheet.venue,) if v]
    if sheet.facilitator:
        details.append(f"Facilitator: {sheet.facilitator}")
    canvas.setFillColor(INK)
    draw_fitted(
        canvas,
        " · ".join(details),
        Box(DOC_MARGIN_LEFT, top - 18 * mm, TABLE_WIDTH, 7 * mm),
        REGULAR,
        max_size=11,
        min_size=8,
        max_lines=1,
    )
    canvas.setFillColor(MUTED)
    draw_fitted(
        canvas,
        CONSENT_TEXT,
        Box(DOC_MARGIN_LEFT, TABLE_TOP + 2 * mm, TABLE_WIDTH, 20 * mm),
        REGULAR,
        max_size=10,
        min_size=8,
    )

    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.5)
    y = TABLE_TOP - HEADER_ROW_HEIGHT
    canvas.setFillColor(BRAND)
    canvas.rect(DOC_MARGIN_LEFT, y, TABLE_WIDTH, HEADER_ROW_HEIGHT, stroke=1, fill=1)
    canvas.setFillColor(HexColor("#FFFFFF"))
    for (title, _), cell in zip(COLUMNS, _column_boxes(y, HEADER_ROW_HEIGHT), strict=True):
        draw_fitted(
            canvas,
            title,
            cell.inset(CELL_PAD),
            BOLD,
            max_size=10,
            min_size=7,
            align=Align.CENTRE,
            valign_middle=True,
        )
    for index, name in enumerate(rows):
        y -= ROW_HEIGHT
        cells = _column_boxes(y, ROW_HEIGHT)
        if index % 2:
            canvas.setFillColor(ZEBRA)
            canvas.rect(DOC_MARGIN_LEFT, y, TABLE_WIDTH, ROW_HEIGHT, stroke=0, fill=1)
        for cell in cells:
            canvas.rect(cell.x, cell.y, cell.width, cell.height, stroke=1, fill=0)
        canvas.setFillColor(INK)
        if name:
            draw_fitted(
                canvas,
                name,
                cells[0].inset(CELL_PAD),
                REGULAR,
                max_size=11,
                min_size=8,
                max_lines=2,
                valign_middle=True,
            )
        _tick_box(canvas, cells[1])
        if not name:
            _tick_box(canvas, cells[3])
    canvas.setFillColor(MUTED)
    canvas.setFont(REGULAR, 9)
    canvas.drawString(
        DOC_MARGIN_LEFT,
        12 * mm,
        "Please hand this sheet to the facilitator. Confidential once filled in.",
    )
    canvas.drawRightString(A4_WIDTH - DOC_MARGIN_LEFT, 12 * mm, f"Page {number} of {total}")


def render_sign_in_sheet(sheet: SignInSheet) -> bytes:
    """The sheet as PDF bytes: names first, then blank rows, page after page as needed."""
    rows: list[str | None] = [n for n in sheet.names if n and n.strip()]
    rows += [None] * max(0, sheet.blank_rows)
    if not rows:
        rows = [None] * ROWS_PER_PAGE
    # Fill the last page with blank rows: paper is printed anyway, and newcomers come.
    if len(rows) % ROWS_PER_PAGE:
        rows += [None] * (ROWS_PER_PAGE - len(rows) % ROWS_PER_PAGE)
    pages = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (A4_WIDTH, A4_HEIGHT), f"Sign-in sheet: {sheet.group_name}")
    for number, page_rows in enumerate(pages, start=1):
        _page(canvas, sheet, page_rows, number, len(pages))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
