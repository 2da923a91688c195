"""Plans, support plans, letters and sign-in sheets as a reader sees them."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from carer_desk.errors import ValidationError
from carer_desk.printing.document import Layout, render_document
from carer_desk.printing.geometry import A4_HEIGHT, A4_WIDTH, DOC_MARGIN_LEFT
from carer_desk.printing.letter import DecisionLetter, render_decision_letter
from carer_desk.printing.plan import SECTION_ORDER, plan_document
from carer_desk.printing.protect import protect_pdf
from carer_desk.printing.sign_in import (
    COLUMNS,
    TABLE_BOTTOM,
    TABLE_TOP,
    SignInSheet,
    render_sign_in_sheet,
)
from carer_desk.printing.support_plan import support_plan_document
from carer_desk.records.plan import PlanPerson
from tests.carer_desk.printing import samples
from tests.carer_desk.printing.pdf_probe import all_text, char_boxes, page_text, pages, shown

TODAY = date(2025, 6, 1)


def _plan_pdf(layout=Layout.STANDARD, medicines=12, **carer_extra):
    carer = samples.carer(samples.LONG_NAME_GIVEN, samples.LONG_NAME_FAMILY, **carer_extra)
    plan = samples.plan_for(carer, medicines=medicines)
    doc = plan_document(plan, carer, printed_on=TODAY, emergency_phone="0345 050 8725")
    return render_document(doc, layout), carer, plan


def test_plan_sections_come_in_the_order_a_stranger_needs_them():
    pdf, _, _ = _plan_pdf()
    text = all_text(pdf)
    positions = [text.find(title) for title in SECTION_ORDER if title in text]
    assert positions == sorted(positions)
    assert (
        text.index("Who to call")
        < text.index("Medication")
        < text.index("Allergies")
        < text.index("How to get in")
        < text.index("Daily routine")
    )


def test_every_plan_page_says_page_x_of_y_with_printed_and_review_dates():
    pdf, _, _ = _plan_pdf(medicines=30)
    plan_pages = pages(pdf)
    assert len(plan_pages) >= 3
    for number, page in enumerate(plan_pages, start=1):
        text = page_text(page)
        assert f"Page {number} of {len(plan_pages)}" in text
        assert "Printed 1 June 2025" in text and "Review by 1 October 2026" in text


def test_plan_lists_every_medicine_and_contacts_in_order_with_rtl_name_shaped():
    pdf, _, plan = _plan_pdf(medicines=20)
    text = all_text(pdf)
    for med in plan.cared_for[0].medication:
        assert med.name in text.replace("\n", " ")
    assert shown("عائشة خان") in text
    assert text.index("1. ") < text.index("2. Nguyễn Văn An")
    assert "Penicillin" in text
    # The key-safe code is never stored, so the plan names who can give it instead.
    assert "For the code, ask the emergency line" in text.replace("\n", " ")


def test_missing_allergies_print_not_recorded_and_never_none():
    carer = samples.carer()
    plan = samples.plan_for(carer)
    bare = PlanPerson(name="Ægir Þórsson")
    plan = type(plan)(
        **{
            **{f: getattr(plan, f) for f in plan.__dataclass_fields__},
            "cared_for": (bare,),
            "card_contact_on_back": None,
        }
    )
    text = all_text(
        render_document(plan_document(plan, carer, printed_on=TODAY, emergency_phone=None))
    )
    allergies = text[text.index("Allergies") :]
    assert "Not recorded" in allergies.splitlines()[1]
    assert "None" not in text and "null" not in text


def test_large_print_has_no_letter_smaller_than_16_points():
    pdf, _, _ = _plan_pdf(Layout.LARGE_PRINT)
    sizes = {round(ch["size"], 1) for page in pages(pdf) for ch in page.chars if ch["text"].strip()}
    assert min(sizes) >= 15.99


def test_easy_read_puts_one_sentence_per_line():
    pdf, _, _ = _plan_pdf(Layout.EASY_READ, medicines=2)
    lines = all_text(pdf).splitlines()
    assert "Moderate dementia." in lines
    assert "Needs help to wash, dress and eat." in lines


@pytest.mark.parametrize("layout", list(Layout))
def test_no_text_leaves_the_page_margins(layout):
    pdf, _, _ = _plan_pdf(layout)
    for page in pages(pdf):
        for x0, y0, x1, y1, ch in char_boxes(page):
            assert x0 >= DOC_MARGIN_LEFT - 0.5 and x1 <= A4_WIDTH - DOC_MARGIN_LEFT + 0.5, ch
            assert y0 > 0 and y1 < A4_HEIGHT, ch


def test_support_plan_uses_plain_words_and_keeps_safeguarding_out():
    carer = samples.carer()
    conversation = samples.conversation_for(carer)
    pdf = render_document(support_plan_document(conversation, carer, printed_on=TODAY))
    text = all_text(pdf)
    assert "What matters to you" in text and "Keeping Ægir at home" in text
    assert "One evening a week for choir practice" in text
    assert "Ask about a sitting service on Tuesdays" in text and "By 1 June 2025" in text
    assert "SECRET-SAFEGUARDING-NOTE" not in text
    for jargon in ("case", "client", "Support now", "waiting list"):
        assert not re.search(rf"\b{jargon}\b", text, re.IGNORECASE), jargon


def test_declined_letter_gives_reason_amount_and_a_way_to_talk():
    letter = DecisionLetter(
        service_name="Carers Oxfordshire",
        service_address=("Oxford",),
        service_phone="0345 050 8725",
        carer_name="Nguyễn Thị Minh Khai",
        carer_address=("12 Long Lane", "Bicester", "OX26 1AA"),
        dated=TODAY,
        approved=False,
        amount_pence=30000,
        purpose="A short break or holiday",
        decline_reason="You had a payment in the last 12 months.",
    )
    text = all_text(render_decision_letter(letter)).replace("\n", " ")
    assert "Dear Nguyễn Thị Minh Khai," in text
    assert "cannot agree the payment of £300.00" in text
    assert "You had a payment in the last 12 months." in text
    assert "0345 050 8725" in text and "None" not in text


def test_approved_letter_to_a_supplier_and_declined_needs_a_reason():
    letter = DecisionLetter(
        service_name="Carers Oxfordshire",
        service_address=(),
        service_phone="0345 050 8725",
        carer_name="Ægir",
        carer_address=(),
        dated=TODAY,
        approved=True,
        amount_pence=12550,
        purpose="Driving lessons",
        paid_to="Oxford Driving School",
        large_print=True,
    )
    pdf = render_decision_letter(letter)
    text = all_text(pdf).replace("\n", " ")
    assert "agreed a payment of £125.50" in text and "straight to Oxford Driving School" in text
    assert min(ch["size"] for p in pages(pdf) for ch in p.chars if ch["text"].strip()) >= 15.99
    with pytest.raises(ValidationError, match="reason"):
        DecisionLetter(
            service_name="x",
            service_address=(),
            service_phone="1",
            carer_name="y",
            carer_address=(),
            dated=TODAY,
            approved=False,
            amount_pence=100,
            purpose="z",
        )


def test_sign_in_sheet_lists_names_then_blank_rows_with_consent_boxes():
    names = (
        *tuple(samples.HARD_NAMES),
        "Bartholomew Fitzwilliam-Montgomery-Smythe de la "
        "Rochefoucauld-Habsburg the Third of Wittenham",
    )
    pdf = render_sign_in_sheet(
        SignInSheet(
            group_name="Didcot dementia carers' café",
            session_on=TODAY,
            starts_at="10:30",
            venue="Cornerstone, Didcot",
            facilitator="priya",
            names=names,
            blank_rows=30,
        )
    )
    sheet = pages(pdf)
    assert len(sheet) == 2
    text = all_text(pdf)
    for name in samples.HARD_NAMES:
        assert shown(name) in text
    assert "I agree" in text and "Page 2 of 2" in text
    boxes = [r for r in sheet[0].rects if abs(r["width"] - r["height"]) < 0.1]
    assert len(boxes) > len(names)  # tick boxes, present and consent
    # No character straddles a column line: every name stays inside its own cell.
    edges, x = [], DOC_MARGIN_LEFT
    for _, share in COLUMNS:
        x += (A4_WIDTH - 2 * DOC_MARGIN_LEFT) * share
        edges.append(x)
    table_chars = [c for c in sheet[0].chars if TABLE_BOTTOM < A4_HEIGHT - c["bottom"] < TABLE_TOP]
    assert table_chars
    for c in table_chars:
        assert not any(c["x0"] < edge - 0.1 and c["x1"] > edge + 0.1 for edge in edges), c


def test_password_protected_pdf_opens_only_with_the_password():
    pdf, _, _ = _plan_pdf(medicines=1)
    locked = protect_pdf(pdf, "correct horse battery")
    reader = PdfReader(io.BytesIO(locked))
    assert reader.is_encrypted
    assert not reader.decrypt("wrong password")
    assert reader.decrypt("correct horse battery")
    assert "Emergency plan" in reader.pages[0].extract_text()
    with pytest.raises(ValidationError, match="at least 8"):
        protect_pdf(pdf, "short")
