"""Emergency card documents: a single CR80 card, A4 sheets of ten, key-fob inserts.

Sheets put fronts and backs on alternate pages. The back page is laid out so that, once
the printer turns the sheet over the edge the user chose, each back lands behind its own
front: turning over the long edge swaps the columns, turning over the short edge swaps
the rows.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from enum import StrEnum

from reportlab.lib.colors import black
from reportlab.pdfgen.canvas import Canvas

from carer_desk.errors import ValidationError
from carer_desk.printing.card_content import CardContent
from carer_desk.printing.card_faces import draw_back, draw_fob, draw_front
from carer_desk.printing.fonts import register_fonts
from carer_desk.printing.geometry import (
    CARD_SHEET,
    CR80_HEIGHT,
    CR80_WIDTH,
    CROP_MARK_LENGTH,
    CROP_MARK_OFFSET,
    CROP_MARK_WIDTH,
    FOB_SHEET,
    Box,
    GridLayout,
)

logger = logging.getLogger(__name__)

PDF_CREATOR = "Carer Desk"


class Duplex(StrEnum):
    """The edge the printer turns the sheet over for the back page."""

    LONG_EDGE = "long-edge"
    SHORT_EDGE = "short-edge"


def new_canvas(buffer: io.BytesIO, size: tuple[float, float], title: str) -> Canvas:
    register_fonts()
    canvas = Canvas(buffer, pagesize=size, pageCompression=1, invariant=1)
    canvas.setTitle(title)
    canvas.setCreator(PDF_CREATOR)
    canvas.setAuthor(PDF_CREATOR)
    return canvas


def back_position(layout: GridLayout, column: int, row: int, duplex: Duplex) -> tuple[int, int]:
    """Where the back of the card at (column, row) goes on the back page."""
    if duplex is Duplex.LONG_EDGE:
        return layout.columns - 1 - column, row
    return column, layout.rows - 1 - row


def draw_crop_marks(canvas: Canvas, layout: GridLayout) -> None:
    """Short lines in the margins and gutters on the extension of every cut line."""
    canvas.saveState()
    canvas.setStrokeColor(black)
    canvas.setLineWidth(CROP_MARK_WIDTH)
    first, last = layout.cell(0, 0), layout.cell(layout.columns - 1, layout.rows - 1)
    xs = sorted(
        {b for c in range(layout.columns) for b in (layout.cell(c, 0).x, layout.cell(c, 0).right)}
    )
    ys = sorted(
        {b for r in range(layout.rows) for b in (layout.cell(0, r).y, layout.cell(0, r).top)}
    )
    off, length = CROP_MARK_OFFSET, CROP_MARK_LENGTH
    for x in xs:
        canvas.line(x, first.top + off, x, first.top + off + length)
        canvas.line(x, last.y - off, x, last.y - off - length)
    for y in ys:
        canvas.line(first.x - off, y, first.x - off - length, y)
        canvas.line(last.right + off, y, last.right + off + length, y)
    # Marks in the gutters too, where there is room, so each card can be cut on its own.
    gutter_mark = min(length, layout.column_gap / 2 - off)
    if layout.columns > 1 and gutter_mark > 0.5:
        for c in range(layout.columns - 1):
            left_edge = layout.cell(c, 0).right
            right_edge = layout.cell(c + 1, 0).x
            for y in ys:
                canvas.line(left_edge + off, y, left_edge + off + gutter_mark, y)
                canvas.line(right_edge - off, y, right_edge - off - gutter_mark, y)
    canvas.restoreState()


def render_card(card: CardContent) -> bytes:
    """One card for a CR80 card printer: page 1 the front, page 2 the back."""
    return render_cr80_cards([card])


def render_cr80_cards(cards: Sequence[CardContent]) -> bytes:
    """Cards for a CR80 card printer: each card's front page followed by its back page."""
    if not cards:
        raise ValidationError([("cards", "there are no cards to print")])
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (CR80_WIDTH, CR80_HEIGHT), "Carer emergency card")
    box = Box(0, 0, CR80_WIDTH, CR80_HEIGHT)
    for card in cards:
        draw_front(canvas, card, box)
        canvas.showPage()
        draw_back(canvas, card, box)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _chunks(cards: Sequence[CardContent], size: int) -> list[Sequence[CardContent]]:
    return [cards[i : i + size] for i in range(0, len(cards), size)]


def render_card_sheets(
    cards: Sequence[CardContent],
    *,
    duplex: Duplex = Duplex.LONG_EDGE,
    crop_marks: bool = True,
    layout: GridLayout = CARD_SHEET,
) -> bytes:
    """A4 sheets of cards: fronts on odd pages, their backs on the following even page."""
    if not cards:
        raise ValidationError([("cards", "there are no cards to print")])
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (layout.page_width, layout.page_height), "Carer emergency cards")
    for chunk in _chunks(cards, layout.per_page):
        placed = [(card, i % layout.columns, i // layout.columns) for i, card in enumerate(chunk)]
        for card, column, row in placed:
            draw_front(canvas, card, layout.cell(column, row))
        if crop_marks:
            draw_crop_marks(canvas, layout)
        canvas.showPage()
        for card, column, row in placed:
            draw_back(canvas, card, layout.cell(*back_position(layout, column, row, duplex)))
        if crop_marks:
            draw_crop_marks(canvas, layout)
        canvas.showPage()
    canvas.save()
    logger.info("rendered %d cards on %d sheets", len(cards), -(-len(cards) // layout.per_page))
    return buffer.getvalue()


def render_key_fob_inserts(cards: Sequence[CardContent]) -> bytes:
    """Key-fob inserts on plain A4 (one side), with crop marks for cutting by hand."""
    if not cards:
        raise ValidationError([("cards", "there are no key-fob inserts to print")])
    buffer = io.BytesIO()
    canvas = new_canvas(
        buffer, (FOB_SHEET.page_width, FOB_SHEET.page_height), "Carer emergency key-fob inserts"
    )
    for chunk in _chunks(cards, FOB_SHEET.per_page):
        for i, card in enumerate(chunk):
            draw_fob(canvas, card, FOB_SHEET.cell(i % FOB_SHEET.columns, i // FOB_SHEET.columns))
        draw_crop_marks(canvas, FOB_SHEET)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
