"""Importing a caseload: all or nothing, every bad row reported with its line number."""

from __future__ import annotations

import json

HEADER = (
    "given_name,family_name,date_of_birth,postcode,town,address_line1,referral_date,"
    "referral_source,consent_given,consent_date,carer_types,phone,preferred_channel\n"
)
GOOD = (
    "Zoë,Ó'Brien-Wójcik,1961-04-02,OX4 1AB,Oxford,1 Mill Road,2024-01-10,self,yes,"
    "2024-01-10,parent_carer;working,01865 123456,phone\n"
    "Ægir,Nguyễn,12/03/1950,ox16 5qa,Banbury,2 High Street,2024-02-01,gp_practice,yes,"
    "2024-02-01,,,\n"
)


def _count(cli) -> int:
    return len(json.loads(cli("list", "carers", "--json").stdout))


def test_good_csv_imports_every_row(vault_cli, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    result = vault_cli("import", str(path))
    assert result.returncode == 0, result.stderr
    assert "Imported 2 carers" in result.stdout
    carers = json.loads(vault_cli("list", "carers", "--json").stdout)
    postcodes = sorted(c["address"]["postcode"] for c in carers)
    assert postcodes == ["OX16 5QA", "OX4 1AB"]


def test_a_bad_row_refuses_the_whole_file_naming_line_and_field(vault_cli, tmp_path):
    bad = (
        "Sam,Jones,2090-01-01,NOTAPOSTCODE,Oxford,3 Lane,2024-01-01,self,yes,2024-01-01,"
        ",,\n"
        ",NoFirstName,1970-01-01,OX1 1AA,Oxford,4 Lane,2024-01-01,carrier pigeon,yes,"
        "2024-01-01,,,\n"
    )
    path = tmp_path / "caseload.csv"
    path.write_text(HEADER + GOOD + bad, encoding="utf-8")
    result = vault_cli("import", str(path))
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert "line 4: date_of_birth: must be in the past" in result.stderr
    assert "line 4: address.postcode" in result.stderr
    assert "line 5: given_name" in result.stderr
    assert "line 5: referral_source" in result.stderr
    assert "Traceback" not in result.stderr
    assert _count(vault_cli) == 0  # the good rows were not kept either


def test_importing_the_same_file_twice_is_refused_not_duplicated(vault_cli, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    assert vault_cli("import", str(path)).returncode == 0
    again = vault_cli("import", str(path))
    assert again.returncode == 1
    assert "already in the vault" in again.stderr
    assert _count(vault_cli) == 2


def test_unknown_and_missing_columns_are_named(vault_cli, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text("given_name,surname\nA,B\n", encoding="utf-8")
    result = vault_cli("import", str(path))
    assert result.returncode == 1
    assert "missing column(s): family_name" in result.stderr
    assert "unknown column(s): surname" in result.stderr


def test_jsonl_round_trips_the_list_output(vault_cli, tmp_path, cli):
    vault_cli("seed-demo", "--carers", "4")
    exported = json.loads(vault_cli("list", "carers", "--json").stdout)
    path = tmp_path / "carers.jsonl"
    path.write_text(
        "\n".join(json.dumps(c, ensure_ascii=False) for c in exported) + "\n", encoding="utf-8"
    )
    other = tmp_path / "other"
    cli.data_dir = other
    assert cli("vault", "init").returncode == 0
    result = cli("import", str(path))
    assert result.returncode == 0, result.stderr
    # Same ids, same contents, same order (both lists are sorted by name).
    assert json.loads(cli("list", "carers", "--json").stdout) == exported


def test_broken_jsonl_line_is_reported_with_its_number(vault_cli, tmp_path):
    path = tmp_path / "carers.jsonl"
    path.write_text('{"given_name": "A"\n', encoding="utf-8")
    result = vault_cli("import", str(path))
    assert result.returncode == 1
    assert "line 1: not valid JSON" in result.stderr


def test_a_file_that_is_not_utf8_gets_advice(vault_cli, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_bytes(HEADER.encode() + "Zoë,Smith".encode("latin-1"))
    result = vault_cli("import", str(path))
    assert result.returncode == 1
    assert "CSV UTF-8" in result.stderr
