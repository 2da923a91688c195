"""Golden tests for emergency cards: geometry, what is (not) printed, QR and check digit."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from carer_desk.errors import ValidationError
from carer_desk.printing.card_content import (
    CardContent,
    CardHolder,
    parse_qr_payload,
    qr_payload,
)
from carer_desk.printing.card_faces import safe_area
from carer_desk.printing.cards import (
    Duplex,
    back_position,
    render_card,
    render_card_sheets,
    render_key_fob_inserts,
)
from carer_desk.printing.geometry import (
    CARD_SAFE_MARGIN,
    CARD_SHEET,
    CR80_HEIGHT,
    CR80_WIDTH,
    FOB_SHEET,
    Box,
)
from carer_desk.rules.card_numbers import (
    format_card_number,
    generate_card_number,
    is_valid_card_number,
)
from tests.carer_desk.printing.pdf_probe import (
    MM,
    all_text,
    barcodes,
    char_boxes,
    page_text,
    pages,
    shown,
)

PHONE = "0345 050 8725"
HALF_MM = 0.5 * MM


def make_card(**extra) -> CardContent:
    number = extra.pop("number", None) or generate_card_number()
    return CardContent(
        card_number=number,
        card_number_display=format_card_number(number),
        emergency_phone=PHONE,
        **extra,
    )


def test_cr80_page_is_a_bank_card_to_half_a_millimetre():
    reader = PdfReader(io.BytesIO(render_card(make_card())))
    assert len(reader.pages) == 2  # front, back
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - 85.6 * MM) < HALF_MM
        assert abs(float(box.height) - 54.0 * MM) < HALF_MM


def test_front_shows_line_and_grouped_valid_number_but_no_personal_details():
    card = make_card(first_name="Zoë", contact_name="Ægir", contact_phone="07700 900123")
    front, back = pages(render_card(card))
    text = page_text(front)
    assert "I am a carer" in text and "someone depends on me" in text
    assert PHONE in text
    grouped = re.search(r"\d{4} \d{4} \d{4}", text).group(0)
    assert is_valid_card_number(grouped.replace(" ", ""))
    assert grouped == card.card_number_display
    for private in ("Zoë", "Ægir", "07700"):
        assert private not in text
    back_text = page_text(back)
    assert "Zoë" in back_text and "Ægir" in back_text and "07700 900123" in back_text


def test_back_leaves_out_name_and_contact_unless_chosen():
    back = pages(render_card(make_card()))[1]
    text = page_text(back)
    assert "If you find this card" in text
    assert "My first name" not in text and "Also contact" not in text
    assert "None" not in text


def test_qr_code_decodes_to_card_number_and_phone_only():
    card = make_card()
    decoded = barcodes(render_card(card))
    assert decoded == [qr_payload(card)]
    number, phone = parse_qr_payload(decoded[0])
    assert number == card.card_number and is_valid_card_number(number)
    assert phone == PHONE.replace(" ", "")


@pytest.mark.parametrize("holder", list(CardHolder))
def test_all_text_stays_inside_the_rounded_card_safe_area(holder):
    card = make_card(
        holder=holder,
        first_name="Bartholomew-Fitzwilliam-Montgomery",
        contact_name="عائشة خان الطويل جدا جدا",
        contact_phone="07700 900123",
    )
    area = safe_area(Box(0, 0, CR80_WIDTH, CR80_HEIGHT))
    for page in pages(render_card(card)):
        for x0, y0, x1, y1, ch in char_boxes(page):
            assert area.contains(Box(x0, y0, x1 - x0, y1 - y0), tolerance=0.3), ch["text"]


def test_cared_for_card_says_so():
    text = page_text(pages(render_card(make_card(holder=CardHolder.CARED_FOR)))[0])
    assert "I am looked after by a carer" in text


def _cut_lines(layout):
    xs = {
        round(b, 1)
        for c in range(layout.columns)
        for b in (layout.cell(c, 0).x, layout.cell(c, 0).right)
    }
    ys = {
        round(b, 1)
        for r in range(layout.rows)
        for b in (layout.cell(0, r).y, layout.cell(0, r).top)
    }
    return xs, ys


def test_sheet_crop_marks_sit_on_the_cut_lines_of_85_by_54_cards():
    sheet = pages(render_card_sheets([make_card() for _ in range(10)]))
    assert len(sheet) == 2
    xs, ys = _cut_lines(CARD_SHEET)
    cell = CARD_SHEET.cell(0, 0)
    assert abs(cell.width - 85 * MM) < HALF_MM and abs(cell.height - 54 * MM) < HALF_MM
    for page in sheet:
        vertical = {round(line["x0"], 1) for line in page.lines if line["x0"] == line["x1"]}
        horizontal = {
            round(page.height - line["top"], 1)
            for line in page.lines
            if line["top"] == line["bottom"]
        }
        assert all(any(abs(v - x) < HALF_MM for x in xs) for v in vertical)
        assert all(any(abs(h - y) < HALF_MM for y in ys) for h in horizontal)
        assert all(any(abs(v - x) < HALF_MM for v in vertical) for x in xs)
        assert all(any(abs(h - y) < HALF_MM for h in horizontal) for y in ys)


def _number_positions(page):
    found = {}
    for match in page.search(r"\d{4} \d{4} \d{4}"):
        found.setdefault(match["text"], (match["x0"], page.height - match["bottom"]))
    return found


def _cell_of(layout, x, y):
    for row in range(layout.rows):
        for column in range(layout.columns):
            cell = layout.cell(column, row)
            if cell.x <= x <= cell.right and cell.y <= y <= cell.top:
                return column, row
    raise AssertionError(f"({x}, {y}) is in no cell")


@pytest.mark.parametrize("duplex", list(Duplex))
def test_each_back_lands_behind_its_own_front(duplex):
    cards = [make_card() for _ in range(7)]
    front, back = pages(render_card_sheets(cards, duplex=duplex))
    fronts = _number_positions(front)
    backs = _number_positions(back)
    assert set(fronts) == set(backs) == {c.card_number_display for c in cards}
    for number, (x, y) in fronts.items():
        column, row = _cell_of(CARD_SHEET, x, y)
        expected = back_position(CARD_SHEET, column, row, duplex)
        assert _cell_of(CARD_SHEET, *backs[number]) == expected
        # Turned over, the back's cell is exactly where the front was: mirrored across
        # the vertical centre line (long edge) or the horizontal one (short edge).
        f, b = CARD_SHEET.cell(column, row), CARD_SHEET.cell(*expected)
        if duplex is Duplex.LONG_EDGE:
            assert abs((CARD_SHEET.page_width - b.right) - f.x) < HALF_MM and abs(b.y - f.y) < 0.01
        else:
            assert abs((CARD_SHEET.page_height - b.top) - f.y) < HALF_MM and abs(b.x - f.x) < 0.01


def test_a_batch_of_23_cards_fills_three_sheets_in_order():
    cards = [make_card() for _ in range(23)]
    sheet_pages = pages(render_card_sheets(cards))
    assert len(sheet_pages) == 6
    printed = [n for p in sheet_pages[::2] for n in _number_positions(p)]
    assert sorted(printed) == sorted(c.card_number_display for c in cards)
    assert len(_number_positions(sheet_pages[4])) == 3


def test_sheet_text_stays_inside_each_cards_safe_area():
    cards = [
        make_card(
            first_name="Zoë Ó'Brien-Wójcik-Bartholomew",
            contact_name="Nguyễn",
            contact_phone="07700 900123",
        )
        for _ in range(10)
    ]
    areas = [
        CARD_SHEET.cell(c, r).inset(CARD_SAFE_MARGIN)
        for r in range(CARD_SHEET.rows)
        for c in range(CARD_SHEET.columns)
    ]
    for page in pages(render_card_sheets(cards)):
        for x0, y0, x1, y1, ch in char_boxes(page):
            glyph = Box(x0, y0, x1 - x0, y1 - y0)
            assert any(a.contains(glyph, tolerance=0.3) for a in areas), ch["text"]


def test_key_fob_inserts_show_line_and_number():
    cards = [make_card() for _ in range(3)]
    page = pages(render_key_fob_inserts(cards))[0]
    text = page_text(page)
    assert text.count(PHONE) == 3
    for card in cards:
        assert card.card_number_display in text
    areas = [FOB_SHEET.cell(c, r) for r in range(FOB_SHEET.rows) for c in range(FOB_SHEET.columns)]
    for x0, y0, x1, y1, _ch in char_boxes(page):
        assert any(a.contains(Box(x0, y0, x1 - x0, y1 - y0), tolerance=0.3) for a in areas)


def test_right_to_left_contact_is_drawn_shaped_and_in_visual_order():
    back = pages(render_card(make_card(contact_name="عائشة", contact_phone="07700 900123")))[1]
    text = page_text(back)
    assert shown("عائشة") in text
    assert "07700 900123" in text


def test_bad_card_content_is_refused_with_a_reason():
    with pytest.raises(ValidationError, match="24-hour line"):
        CardContent(
            card_number="123456789012", card_number_display="1234 5678 9012", emergency_phone=""
        )
    with pytest.raises(ValidationError, match="same digits"):
        CardContent(
            card_number="123456789012", card_number_display="1234 5678 9013", emergency_phone=PHONE
        )
    with pytest.raises(ValidationError, match="no cards"):
        render_card_sheets([])


def test_no_placeholder_text_anywhere_on_cards():
    text = all_text(render_card_sheets([make_card(), make_card(holder=CardHolder.CARED_FOR)]))
    assert "None" not in text and "null" not in text


def test_every_qr_code_on_a_full_sheet_decodes_to_its_own_card():
    cards = [make_card() for _ in range(10)]
    decoded = barcodes(render_card_sheets(cards), page_index=0, dpi=200)
    assert sorted(decoded) == sorted(qr_payload(c) for c in cards)
