"""The shipped pick-lists must say exactly what the record vocabularies say."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from carer_desk.errors import NotFoundError
from carer_desk.records.reference import REFERENCE_LISTS, load_reference_list


@pytest.mark.parametrize("name", sorted(REFERENCE_LISTS))
def test_each_reference_file_matches_its_vocabulary(name: str) -> None:
    assert load_reference_list(name) == REFERENCE_LISTS[name].choices()


def test_no_reference_file_is_left_without_a_vocabulary() -> None:
    folder = resources.files("resources").joinpath("reference")
    shipped = {
        entry.name.removesuffix(".json")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    }
    assert shipped == set(REFERENCE_LISTS)
    for name in shipped:
        data = json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8"))
        assert data["list"] == name
        assert data["description"]


def test_every_label_is_written_for_people() -> None:
    for enum in REFERENCE_LISTS.values():
        for member in enum:
            assert member.label and member.label[0].isupper(), member
            assert "_" not in member.label, member


def test_an_unknown_list_names_the_lists() -> None:
    with pytest.raises(NotFoundError, match="There is no reference list 'towns'; lists: districts"):
        load_reference_list("towns")
