"""What printing must now do (issue 9): the address where care is needed, only consented
contacts, the state of consent, the written determination on the decision letter, a
24-hour number that rings someone, and any data printed in bounded time."""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import date

import pytest

from carer_desk import factories as make
from carer_desk.cli.print_command import add_print_parser, run_print
from carer_desk.config import CardSettings, DemoSettings, Settings
from carer_desk.errors import RuleViolation
from carer_desk.printing.card_content import card_content_for
from carer_desk.printing.cards import render_cr80_cards
from carer_desk.printing.document import render_document
from carer_desk.printing.plan import plan_document
from carer_desk.printing.sign_in import SignInSheet, render_sign_in_sheet
from carer_desk.services.printing import PrintService
from tests.carer_desk.printing.pdf_probe import all_text

REAL = Settings(cards=CardSettings(emergency_line_phone="0345 050 8725"))
DRAMA = Settings(cards=CardSettings(emergency_line_phone="0808 157 0192"))


def _text(pdf: bytes) -> str:
    return " ".join(all_text(pdf).split())


def test_the_printed_plan_shows_where_care_is_needed_for_a_distance_carer() -> None:
    carer = make.carer(lives_with_cared_for=False)
    there = make.address(line1="9 Mill Lane", town="Bampton", postcode="OX18 2HA")
    plan = make.plan(carer, cared_for=(make.plan_person(address=there),))
    text = _text(
        render_document(
            plan_document(plan, carer, printed_on=date(2025, 6, 2), emergency_phone=None)
        )
    )
    assert "Address: 9 Mill Lane, Bampton, OX18 2HA" in text
    assert "1 High St" not in text  # never the carer's own address for someone elsewhere
    unknown = make.plan(carer)
    text = _text(
        render_document(
            plan_document(unknown, carer, printed_on=date(2025, 6, 2), emergency_phone=None)
        )
    )
    assert "Address: Not recorded" in text


def test_the_printed_plan_leaves_out_contacts_who_did_not_agree_and_says_consent_was_withdrawn():
    carer = make.carer()
    refusing = make.emergency_contact(name="Rob Refused", consent_given=False, consent_date=None)
    plan = make.plan(
        carer,
        emergency_contacts=(make.emergency_contact(), refusing),
        consent_to_share_with_emergency_service=False,
        consent_withdrawn_on=date(2025, 5, 1),
    )
    text = _text(
        render_document(
            plan_document(plan, carer, printed_on=date(2025, 6, 2), emergency_phone=None)
        )
    )
    assert "Rob Refused" not in text and "Mary Lee" in text
    assert "Withdrawn on 1 May 2025: the emergency line does not use this plan." in text


def test_cards_are_refused_with_a_fictional_number_except_in_the_demo(store, world) -> None:
    with pytest.raises(RuleViolation, match="fictional number"):
        PrintService(store, DRAMA).card_sheet(all_pending=True)
    demo = replace(DRAMA, demo=DemoSettings(invented_data=True))
    assert PrintService(store, demo).card_sheet(all_pending=True).cards
    with pytest.raises(RuleViolation, match="placeholder 0800 000 0000"):
        PrintService(store, Settings()).card(world.long_name.id)


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="carer-desk")
    add_print_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["print", *argv])


def test_the_letter_and_sign_in_sheet_can_be_printed_for_a_carer(store, world, tmp_path, capsys):
    letter = tmp_path / "letter.pdf"
    assert (
        run_print(
            _parse("letter", "--carer", world.long_name.id, "--out", str(letter)), store, REAL
        )
        == 0
    )
    assert "we cannot agree the payment" in _text(letter.read_bytes())
    sign_in = tmp_path / "sign-in.pdf"
    assert (
        run_print(_parse("sign-in", "--carer", world.rtl.id, "--out", str(sign_in)), store, REAL)
        == 0
    )
    assert world.group.name in _text(sign_in.read_bytes())
    with pytest.raises(Exception, match="--request ID or --carer ID"):
        run_print(_parse("letter", "--out", str(letter)), store, REAL)


def test_a_99000_character_name_still_prints_cut_to_fit() -> None:
    huge = "A" * 99_000
    carer = make.carer(given_name=huge)
    plan = make.plan(carer, cared_for=(make.plan_person(name=huge),), card_first_name_on_back=True)
    pdf = render_document(
        plan_document(plan, carer, printed_on=date(2025, 6, 2), emergency_phone=None)
    )
    shown = all_text(pdf).count("A")
    # Cut to what a page can bear (a label is 300 characters, an entry 20,000), not lost.
    assert 300 <= shown < 2 * 20_000
    card = render_cr80_cards(
        [card_content_for(make.card(plan), plan, carer, emergency_phone="0345 050 8725")]
    )
    assert "…" in all_text(card)
    sheet = render_sign_in_sheet(
        SignInSheet(
            group_name=huge,
            session_on=date(2025, 6, 2),
            starts_at=None,
            venue=None,
            facilitator=None,
            names=(huge,),
            blank_rows=1,
        )
    )
    assert "…" in all_text(sheet)
