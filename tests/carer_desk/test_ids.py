"""Record ids."""

from __future__ import annotations

from carer_desk.ids import is_record_id, new_id


def test_new_ids_are_32_hex_digits_and_distinct() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(is_record_id(i) for i in ids)
