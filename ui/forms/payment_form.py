"""The wellbeing-payment request form as data: its fields, the amount as typed ("150",
"£149.50") turned into pence, and the form's values turned into the core's request
arguments with every problem named by its field. Qt-free.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from carer_desk.formatting import long_date
from carer_desk.records.conversation import GuidedConversation
from carer_desk.records.payment import PaidTo, PaymentPurpose
from ui.forms.fields import FieldSpec, Kind, Problems, choices_of

# No single wellbeing payment comes near this; a bigger figure is a typing slip.
AMOUNT_MAX_PENCE = 1_000_000  # £10,000
OUTCOME_MAX = 2_000
_AMOUNT = re.compile(r"^£?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")
AMOUNT_HINT = "write the amount in pounds, for example 150 or 149.50"


def parse_amount(
    text: str,
    *,
    most: int = AMOUNT_MAX_PENCE,
    too_much: str = "that is far more than any wellbeing payment; check the amount",
) -> int | None:
    """Pence for "150", "£149.50", "1,200"; None when blank; ValueError with what to
    write otherwise (``too_much`` above ``most`` pence)."""
    text = (text or "").strip()
    if not text:
        return None
    m = _AMOUNT.match(text)
    if not m:
        raise ValueError(AMOUNT_HINT)
    pounds = int(m[1].replace(",", ""))
    pence = int((m[2] or "0").ljust(2, "0"))
    total = pounds * 100 + pence
    if total <= 0:
        raise ValueError("the amount must be more than £0")
    if total > most:
        raise ValueError(too_much)
    return total


def assessment_choices(
    conversations: Sequence[GuidedConversation],
) -> tuple[tuple[str, str], ...]:
    """The carer's completed assessments, latest first, as the form offers them."""
    done = sorted(
        (c for c in conversations if c.assessment_completed and c.completed_on is not None),
        key=lambda c: (c.completed_on, c.id),
        reverse=True,
    )
    return tuple(
        (c.id, f"Carer's assessment completed on {long_date(c.completed_on)}")  # type: ignore[arg-type]
        for c in done
    )


def request_fields(assessments: tuple[tuple[str, str], ...]) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec(
            "amount",
            "Amount (£)",
            required=True,
            max_length=12,
            placeholder="e.g. 150 or 149.50",
            hint=AMOUNT_HINT,
        ),
        FieldSpec(
            "purpose",
            "What it is for",
            Kind.CHOICE,
            choices=choices_of(PaymentPurpose),
            required=True,
        ),
        FieldSpec(
            "wellbeing_outcome",
            "What it will achieve for the carer",
            Kind.LONG_TEXT,
            required=True,
            max_length=OUTCOME_MAX,
            hint="In the carer's words where you can: what will be better for them",
        ),
        FieldSpec(
            "paid_to", "How it is paid", Kind.CHOICE, choices=choices_of(PaidTo), required=True
        ),
        FieldSpec(
            "supplier_name",
            "Supplier's name",
            max_length=100,
            hint="Only when it is paid to a supplier",
        ),
        FieldSpec(
            "conversation_id",
            "Linked assessment",
            Kind.CHOICE,
            choices=assessments,
            required=True,
            hint="The carer's assessment this payment follows from",
        ),
    )


def blank_values(assessments: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {
        "amount": "",
        "purpose": None,
        "wellbeing_outcome": "",
        "paid_to": PaidTo.CARER.value,
        "supplier_name": "",
        "conversation_id": assessments[0][0] if assessments else None,
    }


def typed_amount(values: dict[str, Any]) -> int | None:
    """The amount typed so far, or None while it is blank or not yet a number."""
    try:
        return parse_amount(str(values.get("amount") or ""))
    except ValueError:
        return None


def typed_purpose(values: dict[str, Any]) -> PaymentPurpose | None:
    try:
        return PaymentPurpose(values.get("purpose")) if values.get("purpose") else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RequestArgs:
    """What :meth:`PaymentService.create_request` takes, from the form."""

    amount_pence: int
    purpose: PaymentPurpose
    wellbeing_outcome: str
    paid_to: PaidTo
    supplier_name: str | None
    conversation_id: str

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "amount_pence": self.amount_pence,
            "purpose": self.purpose,
            "wellbeing_outcome": self.wellbeing_outcome,
            "paid_to": self.paid_to,
            "supplier_name": self.supplier_name,
            "conversation_id": self.conversation_id,
        }


def request_from_values(
    values: dict[str, Any], fields: Sequence[FieldSpec]
) -> tuple[RequestArgs | None, dict[str, str]]:
    problems = Problems()
    by_key = {f.key: f for f in fields}
    try:
        amount = parse_amount(str(values.get("amount") or ""))
    except ValueError as exc:
        problems.add("amount", str(exc))
        amount = None
    else:
        if amount is None:
            problems.add("amount", f"the amount is needed; {AMOUNT_HINT}")
    purpose = typed_purpose(values)
    if purpose is None:
        problems.add("purpose", "choose what the payment is for")
    outcome = str(values.get("wellbeing_outcome") or "").strip()
    if not outcome:
        problems.add(
            "wellbeing_outcome", "say what the payment will achieve for the carer's wellbeing"
        )
    elif len(outcome) > by_key["wellbeing_outcome"].max_length:
        problems.add("wellbeing_outcome", f"keep it to {OUTCOME_MAX} characters")
    try:
        paid_to = PaidTo(values.get("paid_to") or PaidTo.CARER.value)
    except ValueError:
        paid_to = PaidTo.CARER
    supplier = str(values.get("supplier_name") or "").strip() or None
    if paid_to is PaidTo.SUPPLIER and supplier is None:
        problems.add("supplier_name", "it is paid to a supplier: name the supplier")
    if paid_to is PaidTo.CARER:
        supplier = None
    conversation = values.get("conversation_id")
    if not conversation:
        problems.add(
            "conversation_id",
            "link the carer's assessment this follows from (complete stage 3 of a guided "
            "conversation first if there is none)",
        )
    if problems.items:
        return None, problems.items
    assert amount is not None and purpose is not None
    return (
        RequestArgs(amount, purpose, outcome, paid_to, supplier, str(conversation)),
        {},
    )
