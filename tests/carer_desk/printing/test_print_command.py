"""The ``print`` sub-command, parsed and run against a real vault."""

from __future__ import annotations

import argparse
import io
import json

import pytest
from pypdf import PdfReader

from carer_desk.cli.print_command import PrintUsageError, add_print_parser, run_print
from carer_desk.config import CardSettings, Settings
from carer_desk.errors import CarerDeskError
from carer_desk.records.codec import from_payload
from carer_desk.records.plan import CardStatus
from tests.carer_desk.printing import samples
from tests.carer_desk.printing.pdf_probe import all_text

SETTINGS = Settings(cards=CardSettings(emergency_line_phone="0345 050 8725"))


@pytest.fixture
def store(tmp_path):
    vault = samples.open_vault(tmp_path)
    yield vault
    vault.close()


@pytest.fixture
def world(store):
    return samples.seed(store)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="carer-desk")
    add_print_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["print", *argv])


def test_card_sheet_for_the_print_queue(store, world, tmp_path, capsys):
    out = tmp_path / "cards.pdf"
    assert (
        run_print(
            parse("card-sheet", "--all-pending", "--duplex", "short-edge", "--out", str(out)),
            store,
            SETTINGS,
        )
        == 0
    )
    assert "Carer emergency cards" in PdfReader(out).metadata.title
    assert "3 cards marked printed" in capsys.readouterr().out
    assert {from_payload("card", p).status for _, p in store.iter_kind("card")} == {
        CardStatus.PRINTED
    }


def test_plan_with_password_from_the_environment(store, world, tmp_path, monkeypatch):
    monkeypatch.setenv("PLAN_PW", "correct horse battery")
    out = tmp_path / "plan.pdf"
    run_print(
        parse(
            "plan",
            "--carer",
            world.long_name.id,
            "--easy-read",
            "--password-env",
            "PLAN_PW",
            "--out",
            str(out),
        ),
        store,
        SETTINGS,
    )
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert reader.is_encrypted and reader.decrypt("correct horse battery")


def test_every_document_writes_a_pdf(store, world, tmp_path):
    runs = {
        "card.pdf": ("card", "--carer", world.rtl.id),
        "fobs.pdf": ("key-fobs", "--carers", f"{world.long_name.id},{world.rtl.id}"),
        "support.pdf": ("support-plan", "--carer", world.long_name.id, "--large-print"),
        "letter.pdf": ("letter", "--request", world.declined.id),
        "sign.pdf": ("sign-in", "--session", world.session.id),
    }
    for name, argv in runs.items():
        assert run_print(parse(*argv, "--out", str(tmp_path / name)), store, SETTINGS) == 0
        assert all_text((tmp_path / name).read_bytes()).strip()


def test_subject_access_writes_pdf_and_json(store, world, tmp_path):
    run_print(
        parse(
            "subject-access",
            "--carer",
            world.long_name.id,
            "--out",
            str(tmp_path / "sar.pdf"),
            "--json",
            str(tmp_path / "sar.json"),
        ),
        store,
        SETTINGS,
    )
    assert json.loads((tmp_path / "sar.json").read_text("utf-8"))["carer_id"] == world.long_name.id
    assert store.audit_entries()[-1].action == "export"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("plan", "--out", "x.pdf"), "needs --carer"),
        (("plan", "--carer", "a", "--out", "x.txt"), ".pdf file"),
        (("card-sheet", "--out", "x.pdf"), "exactly one of"),
        (("card-sheet", "--all-pending", "--carers", "a", "--out", "x.pdf"), "exactly one of"),
        (("plan", "--carer", "a", "--large-print", "--easy-read", "--out", "x.pdf"), "not both"),
        (("letter", "--request", "a", "--easy-read", "--out", "x.pdf"), "plans only"),
        (
            ("plan", "--carer", "a", "--password-env", "UNSET_VAR_X", "--out", "x.pdf"),
            "UNSET_VAR_X",
        ),
    ],
)
def test_bad_options_get_one_line_reasons(store, argv, message):
    with pytest.raises(PrintUsageError, match=message):
        run_print(parse(*argv), store, SETTINGS)


def test_unknown_carer_and_missing_folder_are_clear_errors(store, world, tmp_path):
    with pytest.raises(CarerDeskError, match="list carers --json"):
        run_print(
            parse("plan", "--carer", "0" * 32, "--out", str(tmp_path / "p.pdf")), store, SETTINGS
        )
    with pytest.raises(CarerDeskError, match="does not exist"):
        run_print(
            parse(
                "plan", "--carer", world.long_name.id, "--out", str(tmp_path / "nowhere" / "p.pdf")
            ),
            store,
            SETTINGS,
        )
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".part", ".pdf")]
