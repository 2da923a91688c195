"""The wellbeing-payment decision letter sent to a carer.

Plain words, first person plural, no service jargon: the carer learns what was decided,
how much, for what, and (if declined) why and what they can do next.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from carer_desk.errors import ValidationError
from carer_desk.formatting import long_date, money
from carer_desk.printing.document import BRAND, INK, MUTED, PDF_CREATOR, markup
from carer_desk.printing.fonts import BOLD, REGULAR, register_fonts
from carer_desk.printing.geometry import (
    A4_HEIGHT,
    A4_WIDTH,
    DOC_MARGIN_BOTTOM,
    DOC_MARGIN_LEFT,
    DOC_MARGIN_RIGHT,
    DOC_MARGIN_TOP,
)


@dataclass(frozen=True)
class DecisionLetter:
    service_name: str
    service_address: tuple[str, ...]
    service_phone: str | None  # the office number; left out when not configured
    carer_name: str  # as the carer likes to be addressed
    carer_address: tuple[str, ...]  # may be empty when not recorded
    dated: date
    approved: bool
    amount_pence: int
    purpose: str  # in words: "A short break or holiday"
    paid_to: str | None = None  # "you" or the supplier's name
    decline_reason: str | None = None
    signed_by: str | None = None
    large_print: bool = False
    # The carer's assessment the request follows (Care Act s.13(2)): its decision in a
    # sentence and its reasons, printed with the letter.
    assessment_decision: str | None = None
    assessment_reasons: tuple[str, ...] = ()
    assessed_on: date | None = None
    # Declined: when the carer may apply again, in a sentence.
    apply_again: str | None = None
    # How to complain about the decision (the office's complaints contact, when set).
    complaints_contact: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.approved and not (self.decline_reason and self.decline_reason.strip()):
            problems.append(("decline_reason", "a declined request needs the reason, in words"))
        if self.amount_pence <= 0:
            problems.append(("amount_pence", "the amount must be more than £0"))
        if problems:
            raise ValidationError(problems)


def _reach_us(letter: DecisionLetter) -> str:
    if letter.service_phone:
        return f"please ring us on {letter.service_phone}"
    return "please get in touch with the person you spoke to"


def _assessment(letter: DecisionLetter) -> list[str]:
    if letter.assessment_decision is None:
        return []
    when = f" on {long_date(letter.assessed_on)}" if letter.assessed_on else ""
    return [
        f"Your carer's assessment{when} found: {letter.assessment_decision.rstrip('.')}. "
        + " ".join(r.rstrip(".") + "." for r in letter.assessment_reasons)
    ]


def _complain(letter: DecisionLetter) -> str:
    how = (
        f"contact {letter.complaints_contact}"
        if letter.complaints_contact
        else _reach_us(letter).removeprefix("please ")
    )
    return (
        "If you are unhappy with this decision, you can ask us to look at it again, or "
        f"make a complaint: {how}. We will tell you how your complaint is handled."
    )


def _paragraphs(letter: DecisionLetter) -> list[str]:
    amount = money(letter.amount_pence)
    if letter.approved:
        to = (
            "to you"
            if not letter.paid_to or letter.paid_to.lower() == "you"
            else f"straight to {letter.paid_to}"
        )
        return [
            "Thank you for talking to us about a carer's wellbeing payment.",
            f"We are pleased to tell you that we have agreed a payment of {amount} "
            f"for: {letter.purpose}.",
            f"We will pay the money {to}. We hope it gives you some time for yourself.",
            *_assessment(letter),
            f"If anything changes, or you would like to talk, {_reach_us(letter)}.",
        ]
    return [
        "Thank you for talking to us about a carer's wellbeing payment.",
        f"We are sorry, but we cannot agree the payment of {amount} for: {letter.purpose}.",
        f"This is why: {letter.decline_reason.strip()}",  # type: ignore[union-attr]
        *_assessment(letter),
        letter.apply_again
        or "You can apply again at any time, for example if your circumstances change.",
        "This does not stop us helping you in other ways. If you would like to talk about "
        f"this decision or about other support, {_reach_us(letter)}.",
        _complain(letter),
    ]


def render_decision_letter(letter: DecisionLetter) -> bytes:
    register_fonts()
    size = 16 if letter.large_print else 11
    body = ParagraphStyle(
        "body",
        fontName=REGULAR,
        fontSize=size,
        leading=size * 1.4,
        textColor=INK,
        spaceAfter=size * 0.8,
    )
    right = ParagraphStyle("right", parent=body, alignment=2, textColor=MUTED, spaceAfter=0)
    heading = ParagraphStyle(
        "heading",
        parent=body,
        fontName=BOLD,
        fontSize=size * 1.3,
        leading=size * 1.7,
        textColor=BRAND,
    )
    address = ParagraphStyle("address", parent=body, spaceAfter=0)
    story = [
        Paragraph(
            markup(letter.service_name),
            ParagraphStyle("org", parent=right, fontName=BOLD, textColor=BRAND),
        )
    ]
    story += [Paragraph(markup(line), right) for line in letter.service_address if line]
    if letter.service_phone:
        story.append(Paragraph(markup(f"Phone {letter.service_phone}"), right))
    story.append(Spacer(1, size * 2))
    story += [
        Paragraph(markup(line), address)
        for line in (letter.carer_name, *letter.carer_address)
        if line
    ]
    story.append(Spacer(1, size * 1.5))
    story.append(Paragraph(markup(long_date(letter.dated)), body))
    story.append(Paragraph("Your carer's wellbeing payment", heading))
    story.append(Paragraph(markup(f"Dear {letter.carer_name},"), body))
    story += [Paragraph(markup(p), body) for p in _paragraphs(letter)]
    story.append(Spacer(1, size))
    story.append(Paragraph("With best wishes,", body))
    if letter.signed_by:
        story.append(Paragraph(markup(letter.signed_by), body))
    story.append(Paragraph(markup(letter.service_name), body))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=(A4_WIDTH, A4_HEIGHT),
        leftMargin=DOC_MARGIN_LEFT,
        rightMargin=DOC_MARGIN_RIGHT,
        topMargin=DOC_MARGIN_TOP,
        bottomMargin=DOC_MARGIN_BOTTOM,
        title="Your carer's wellbeing payment",
        author=PDF_CREATOR,
        creator=PDF_CREATOR,
        invariant=1,
    ).build(story)
    return buffer.getvalue()
