"""The request form's rules, without a window: amounts as people type them, and every
problem named by its field."""

from __future__ import annotations

import pytest

from carer_desk.records.payment import PaidTo, PaymentPurpose
from ui.forms.payment_form import (
    blank_values,
    parse_amount,
    request_fields,
    request_from_values,
)

CHOICES = (("a" * 32, "Carer's assessment completed on 3 March 2026"),)
FIELDS = request_fields(CHOICES)


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("150", 15_000), ("£149.50", 14_950), ("£ 12.5", 1_250), ("1,200", 120_000), ("", None)],
)
def test_amounts_as_people_type_them(typed, pence):
    assert parse_amount(typed) == pence


@pytest.mark.parametrize("typed", ["abc", "12.345", "-5", "0", "£0.00", "£20,000", "1,20"])
def test_amounts_that_are_not_one_say_what_to_write(typed):
    with pytest.raises(ValueError) as problem:
        parse_amount(typed)
    assert str(problem.value)


def test_a_blank_form_names_each_thing_missing():
    args, problems = request_from_values({**blank_values(()), "conversation_id": None}, FIELDS)
    assert args is None
    assert set(problems) == {"amount", "purpose", "wellbeing_outcome", "conversation_id"}
    assert "complete stage 3" in problems["conversation_id"]


def test_a_supplier_must_be_named_and_a_carer_payment_drops_one():
    values = {
        **blank_values(CHOICES),
        "amount": "150",
        "purpose": PaymentPurpose.HOUSEHOLD_BILLS.value,
        "wellbeing_outcome": "Heating through the winter.",
        "paid_to": PaidTo.SUPPLIER.value,
    }
    args, problems = request_from_values(values, FIELDS)
    assert args is None and "name the supplier" in problems["supplier_name"]
    args, problems = request_from_values(
        {**values, "paid_to": PaidTo.CARER.value, "supplier_name": "Someone"}, FIELDS
    )
    assert problems == {}
    assert args is not None
    assert args.amount_pence == 15_000 and args.supplier_name is None
    assert args.purpose is PaymentPurpose.HOUSEHOLD_BILLS
    assert args.conversation_id == "a" * 32
