"""Drawing one card face (front, back, key-fob insert) into a box on a canvas.

The same drawing serves a CR80 card printer page, a cell on an A4 sheet of perforated
cards and a key-fob insert: only the box differs. Every piece of text is fitted into a
box inside the card's safe area, so nothing is cut off by a drifting cutter.
"""

from __future__ import annotations

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from carer_desk.printing.card_content import CardContent, CardHolder, qr_payload
from carer_desk.printing.fit import Align, draw_fitted
from carer_desk.printing.fonts import BOLD, REGULAR
from carer_desk.printing.geometry import CARD_SAFE_MARGIN, CR80_CORNER_RADIUS, Box

# Dark teal on white: 9:1 contrast, survives a cheap laser printer and photocopying.
BRAND = HexColor("#00565B")
INK = HexColor("#1A1A1A")
MUTED = HexColor("#4D4D4D")

BAND_HEIGHT = 13.0 * mm
QR_SIZE = 21.0 * mm
GAP = 2.0 * mm
FOB_MARGIN = 2.0 * mm
QR_QUIET_MODULES = 2  # plus the white card around it
QR_MASK_PATTERN = 0

HEADLINES = {
    CardHolder.CARER: ("I am a carer", "someone depends on me"),
    CardHolder.CARED_FOR: ("I am looked after by a carer", "they have an emergency plan for me"),
}
# The fob is a third of a card: the headline must stay short enough to read at 9 pt.
FOB_HEADLINES = {
    CardHolder.CARER: "I am a carer — call",
    CardHolder.CARED_FOR: "I have a carer — call",
}


def safe_area(card_box: Box) -> Box:
    return card_box.inset(CARD_SAFE_MARGIN)


def qr_modules(text: str) -> list[list[bool]]:
    """The QR code's dark/light modules for ``text`` (error correction level M)."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)  # picks the densest mode the text allows (alphanumeric here)
    code.version = code.calculate_version()
    # Every mask pattern gives a valid, decodable code; ReportLab's search for the best
    # one encodes the symbol eight times, which made a 500-card batch four times slower.
    code.makeImpl(False, QR_MASK_PATTERN)
    return code.modules


def draw_qr(canvas: Canvas, text: str, box: Box) -> None:
    """A QR code filling ``box`` (square), with a quiet zone of its own inside the box."""
    modules = qr_modules(text)
    count = len(modules)
    side = min(box.width, box.height)
    module = side / (count + 2 * QR_QUIET_MODULES)
    x0 = box.x + QR_QUIET_MODULES * module
    top = box.y + side - QR_QUIET_MODULES * module
    path = canvas.beginPath()
    for row, cells in enumerate(modules):
        column = 0
        # Runs of dark modules become one rectangle: fewer PDF operators, no hairline
        # gaps between neighbouring modules when the card printer rasterises.
        while column < count:
            if not cells[column]:
                column += 1
                continue
            start = column
            while column < count and cells[column]:
                column += 1
            path.rect(
                x0 + start * module, top - (row + 1) * module, (column - start) * module, module
            )
    canvas.saveState()
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _band(canvas: Canvas, area: Box, height: float, colour: Color) -> Box:
    band = Box(area.x, area.top - height, area.width, height)
    canvas.setFillColor(colour)
    canvas.roundRect(
        band.x, band.y, band.width, band.height, CR80_CORNER_RADIUS / 2, stroke=0, fill=1
    )
    return band


def draw_front(canvas: Canvas, card: CardContent, card_box: Box) -> None:
    """Front: headline, 24-hour number, grouped card number and the QR code."""
    area = safe_area(card_box)
    canvas.saveState()
    band = _band(canvas, area, BAND_HEIGHT, BRAND)
    headline, subline = HEADLINES[card.holder]
    inner = band.inset(2.0 * mm, 1.2 * mm)
    canvas.setFillColor(white)
    draw_fitted(
        canvas,
        headline,
        Box(inner.x, inner.y + inner.height * 0.45, inner.width, inner.height * 0.55),
        BOLD,
        max_size=13,
        min_size=8,
        max_lines=1,
    )
    draw_fitted(
        canvas,
        subline,
        Box(inner.x, inner.y, inner.width, inner.height * 0.42),
        REGULAR,
        max_size=8.5,
        min_size=6,
        max_lines=1,
    )

    below = Box(area.x, area.y, area.width, band.y - area.y - GAP)
    qr_box = Box(below.right - QR_SIZE, below.y, QR_SIZE, QR_SIZE)
    draw_qr(canvas, qr_payload(card), qr_box)

    text_w = below.width - QR_SIZE - GAP
    canvas.setFillColor(MUTED)
    row = below.height / 4
    top = below.top
    draw_fitted(
        canvas,
        "24-hour emergency line",
        Box(below.x, top - row * 0.8, text_w, row * 0.8),
        REGULAR,
        max_size=7,
        min_size=5.5,
        max_lines=1,
    )
    canvas.setFillColor(INK)
    draw_fitted(
        canvas,
        card.emergency_phone,
        Box(below.x, top - row * 1.95, text_w, row * 1.15),
        BOLD,
        max_size=14,
        min_size=8,
        max_lines=1,
    )
    canvas.setFillColor(MUTED)
    draw_fitted(
        canvas,
        "Card number",
        Box(below.x, top - row * 2.75, text_w, row * 0.8),
        REGULAR,
        max_size=7,
        min_size=5.5,
        max_lines=1,
    )
    canvas.setFillColor(INK)
    draw_fitted(
        canvas,
        card.card_number_display,
        Box(below.x, below.y, text_w, row * 1.2),
        BOLD,
        max_size=12,
        min_size=7,
        max_lines=1,
    )
    canvas.restoreState()


def draw_back(canvas: Canvas, card: CardContent, card_box: Box) -> None:
    """Back: what the finder should do, then (only if chosen) a first name and contact."""
    area = safe_area(card_box)
    canvas.saveState()
    canvas.setFillColor(BRAND)
    heading = Box(area.x, area.top - 5.0 * mm, area.width, 5.0 * mm)
    draw_fitted(
        canvas, "If you find this card", heading, BOLD, max_size=10, min_size=7, max_lines=1
    )
    who = (
        "Someone at home may need care now."
        if card.holder is CardHolder.CARER
        else ("My carer may need help too.")
    )
    steps = (
        f"1. Ring {card.emergency_phone} (24 hours).\n"
        f"2. Read out the card number {card.card_number_display}.\n"
        f"3. Say where the card holder is. {who}"
    )
    details = card.back_details
    details_h = 4.2 * mm * len(details)
    steps_box = Box(
        area.x,
        area.y + details_h + (GAP if details else 0),
        area.width,
        heading.y - 1.0 * mm - (area.y + details_h + (GAP if details else 0)),
    )
    canvas.setFillColor(INK)
    draw_fitted(canvas, steps, steps_box, REGULAR, max_size=8, min_size=5.5)
    if details:
        canvas.setStrokeColor(MUTED)
        canvas.setLineWidth(0.4)
        line_y = area.y + details_h + GAP / 2
        canvas.line(area.x, line_y, area.right, line_y)
        draw_fitted(
            canvas,
            "\n".join(details),
            Box(area.x, area.y, area.width, details_h),
            BOLD,
            max_size=7.5,
            min_size=5.5,
        )
    canvas.restoreState()


def draw_fob(canvas: Canvas, card: CardContent, fob_box: Box) -> None:
    """Key-fob insert: the headline, the number to ring and the card number."""
    area = fob_box.inset(FOB_MARGIN)
    canvas.saveState()
    band = _band(canvas, area, area.height * 0.34, BRAND)
    canvas.setFillColor(white)
    draw_fitted(
        canvas,
        FOB_HEADLINES[card.holder],
        band.inset(1.2 * mm, 0.8 * mm),
        BOLD,
        max_size=9,
        min_size=5.5,
        max_lines=1,
        valign_middle=True,
    )
    canvas.setFillColor(INK)
    rest = Box(area.x, area.y, area.width, band.y - area.y - 0.8 * mm)
    draw_fitted(
        canvas,
        card.emergency_phone,
        Box(rest.x, rest.y + rest.height * 0.45, rest.width, rest.height * 0.55),
        BOLD,
        max_size=11,
        min_size=6,
        max_lines=1,
        align=Align.CENTRE,
    )
    draw_fitted(
        canvas,
        f"Card {card.card_number_display}",
        Box(rest.x, rest.y, rest.width, rest.height * 0.42),
        REGULAR,
        max_size=8,
        min_size=5.5,
        max_lines=1,
        align=Align.CENTRE,
    )
    canvas.restoreState()
