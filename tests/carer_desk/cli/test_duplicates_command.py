"""``carer-desk duplicates``, ``merge-carers`` and ``keep-apart`` as a user runs them."""

from __future__ import annotations

import json
from datetime import date

from carer_desk import factories as make
from carer_desk.records.carer import Carer
from carer_desk.records.codec import to_payload


def _carer(given: str, family: str, born: date, postcode: str, **changes) -> Carer:
    return make.carer(
        given_name=given,
        family_name=family,
        date_of_birth=born,
        address=make.address(town="Banbury", postcode=postcode, district=None),
        **changes,
    )


def _import(cli, tmp_path, *carers: Carer) -> None:
    path = tmp_path / "caseload.jsonl"
    path.write_text("".join(json.dumps(to_payload(c)) + "\n" for c in carers))
    result = cli("import", str(path))
    assert result.returncode == 0, result.stderr


def test_review_keep_apart_and_merge_from_the_command_line(vault_cli, tmp_path) -> None:
    ann = _carer("Ann", "Smith", date(1961, 3, 4), "OX16 5AA")
    anne = _carer(
        "Anne",
        "Smyth",
        date(1961, 3, 4),
        "OX16 5AA",
        contact=make.contact_details(phone="01295 111222", email="ann@example.org"),
    )
    mum = _carer("Jo", "Brown", date(1950, 2, 1), "OX1 2JD")
    daughter = _carer("Jo", "Brown", date(1950, 2, 1), "OX1 2JD", preferred_name="Joanne")
    _import(vault_cli, tmp_path, ann, anne, mum, daughter)

    listed = vault_cli("duplicates", "--json")
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)["possible_duplicates"]
    pairs = {frozenset((d["carer_id"], d["other_id"])) for d in found}
    assert pairs == {frozenset((ann.id, anne.id)), frozenset((mum.id, daughter.id))}

    apart = vault_cli("keep-apart", mum.id, daughter.id, "--note", "Mother and daughter")
    assert apart.returncode == 0, apart.stderr
    text = vault_cli("duplicates").stdout
    assert "1 possible duplicate(s)" in text and "Anne Smyth" in text and "Jo Brown" not in text

    merged = vault_cli("merge-carers", ann.id, anne.id)
    assert merged.returncode == 0, merged.stderr
    assert f"Merged {anne.id} into Ann Smith ({ann.id})" in merged.stdout
    assert "Warning:" in merged.stdout and "decision's note" in merged.stdout
    assert vault_cli("duplicates").stdout.strip() == "No possible duplicates."
    shown = json.loads(vault_cli("show", "carer", ann.id, "--json").stdout)
    assert shown["contact"]["email"] == "ann@example.org"
    gone = vault_cli("show", "carer", anne.id)
    assert gone.returncode == 1


def test_refusals_are_one_line_with_what_to_do(vault_cli, tmp_path) -> None:
    ann = _carer("Ann", "Smith", date(1961, 3, 4), "OX16 5AA")
    _import(vault_cli, tmp_path, ann)
    unknown = vault_cli("merge-carers", ann.id, "0" * 32)
    assert unknown.returncode == 1
    assert "no carer with id" in unknown.stderr and "Traceback" not in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    same = vault_cli("keep-apart", ann.id, ann.id)
    assert same.returncode == 1 and "two different" in same.stderr
    usage = vault_cli("keep-apart", ann.id)
    assert usage.returncode == 2
