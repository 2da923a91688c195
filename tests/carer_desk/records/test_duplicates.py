"""The duplicate decision record: one pair, one spelling; a merge says what was kept."""

from __future__ import annotations

from datetime import date

import pytest

from carer_desk.errors import ValidationError
from carer_desk.factories import DAY
from carer_desk.ids import new_id
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.records.duplicates import DuplicateDecision, DuplicateOutcome
from carer_desk.records.plausible_dates import build_checked

A, B = sorted((new_id(), new_id()))


def _decision(**changes) -> DuplicateDecision:
    fields = dict(
        carer_ids=(B, A),
        decision=DuplicateOutcome.MERGED,
        kept_id=B,
        decided_by="  ann ",
        decided_on=date(2025, 6, 2),
    )
    fields.update(changes)
    # Built as a service writes it: dates after today are refused too.
    return build_checked(DuplicateDecision, DAY, **fields)


def test_the_pair_is_stored_sorted_so_either_order_finds_it() -> None:
    decision = _decision()
    assert decision.carer_ids == (A, B)
    assert decision.absorbed_id == A
    assert decision.decided_by == "ann"
    assert from_payload("duplicate_decision", to_payload(decision)) == decision


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"carer_ids": (A, A)}, "carer_ids", "themselves"),
        ({"carer_ids": (A,)}, "carer_ids", "two carer"),
        ({"carer_ids": (A, "not-an-id")}, "carer_ids", "two carer"),
        ({"kept_id": None}, "kept_id", "which carer record was kept"),
        ({"kept_id": new_id()}, "kept_id", "one of the two"),
        ({"decision": DuplicateOutcome.KEEP_APART}, "kept_id", "keep both"),
        ({"decided_by": " "}, "decided_by", "who decided"),
        ({"decided_on": date(2999, 1, 1)}, "decided_on", "future"),
    ],
)
def test_a_bad_decision_names_the_field_and_what_to_do(changes, field, words) -> None:
    with pytest.raises(ValidationError) as caught:
        _decision(**changes)
    assert any(path == field and words in message for path, message in caught.value.problems)
