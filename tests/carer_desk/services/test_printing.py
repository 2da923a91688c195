"""Printing use cases against a real vault: what is printed, audited and marked printed."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carer_desk.clock import FixedClock
from carer_desk.config import CardSettings, Settings
from carer_desk.errors import NotFoundError, RuleViolation, UnknownCarer
from carer_desk.printing.cards import Duplex
from carer_desk.printing.document import Layout
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.records.plan import CardStatus
from carer_desk.services.printing import OutputFileError, PrintService, write_file_atomically
from tests.carer_desk.printing import samples
from tests.carer_desk.printing.pdf_probe import all_text, pages, shown

TODAY = date(2025, 6, 1)
LINE = "0345 050 8725"


@pytest.fixture
def store(tmp_path):
    vault = samples.open_vault(tmp_path)
    yield vault
    vault.close()


@pytest.fixture
def world(store):
    return samples.seed(store)


@pytest.fixture
def service(store):
    return PrintService(
        store, Settings(cards=CardSettings(emergency_line_phone=LINE)), FixedClock(TODAY)
    )


def _card_statuses(store):
    return {cid: from_payload("card", p).status for cid, p in store.iter_kind("card")}


def test_rendering_alone_audits_nothing_and_leaves_cards_pending(store, world, service):
    before = len(store.audit_entries())
    rendered = service.card_sheet(all_pending=True)
    assert len(pages(rendered.pdf)) == 2
    assert len(store.audit_entries()) == before
    assert set(_card_statuses(store).values()) == {CardStatus.PENDING_PRINT}


def test_saving_a_sheet_marks_cards_printed_and_audits_each_for_its_carer(
    store, world, service, tmp_path
):
    rendered = service.card_sheet(all_pending=True, duplex=Duplex.SHORT_EDGE)
    out = service.save(rendered, tmp_path / "cards.pdf")
    assert out.read_bytes() == rendered.pdf
    assert set(_card_statuses(store).values()) == {CardStatus.PRINTED}
    prints = [e for e in store.audit_entries() if e.action == "print"]
    assert sorted(e.record_id for e in prints) == sorted(c.id for c in world.cards)
    assert {e.details["for"] for e in prints} == {world.long_name.id, world.rtl.id}
    assert all(e.actor == "sam" and e.details["duplex"] == "short-edge" for e in prints)
    assert service.pending_cards() == []
    with pytest.raises(NotFoundError, match="no cards waiting"):
        service.card_sheet(all_pending=True)


def test_revoked_card_is_never_printed(store, world, service):
    card = world.cards[2].revoke(TODAY, "lost")
    store.put("card", card.id, to_payload(card))
    with pytest.raises(NotFoundError, match="has no card to print"):
        service.card(world.rtl.id)


def test_cards_refused_until_the_24_hour_line_is_configured(store, world):
    unset = PrintService(store, Settings(), FixedClock(TODAY))
    with pytest.raises(RuleViolation, match="emergency line number is not set"):
        unset.card_sheet(all_pending=True)


def test_card_back_shows_first_name_only_and_the_chosen_contact(world, service):
    text = all_text(service.card(world.long_name.id).pdf)
    assert "My first name: Zoë" in text and "Bartholomew" not in text
    assert shown("عائشة") in text and "07700 900456" in text


def test_plan_for_long_and_rtl_names_in_every_layout(world, service):
    for layout in Layout:
        text = all_text(service.plan(world.long_name.id, layout).pdf).replace("\n", " ")
        assert "Rochefoucauld" in text and "Medicine 14" in text
        assert "None" not in text
    rtl = all_text(service.plan(world.rtl.id).pdf)
    assert shown("عائشة") in rtl


def test_support_plan_letter_and_sign_in(world, service):
    support = all_text(service.support_plan(world.long_name.id, large_print=True).pdf)
    assert "Your support plan" in support and "SECRET" not in support
    letter = all_text(service.letter(world.declined.id).pdf).replace("\n", " ")
    assert "within the last 12 months" in letter and "£300.00" in letter
    # The 24-hour line is for emergencies; a letter never sends questions there.
    assert LINE not in letter and "get in touch" in letter
    sign_in = service.sign_in(world.session.id)
    text = all_text(sign_in.pdf)
    for carer in (world.long_name, world.rtl, world.plain):
        assert shown(carer.display_name)[:12] in text or carer.family_name in text
    assert {c for c, _, _ in sign_in.subjects} == {world.long_name.id, world.rtl.id, world.plain.id}


def test_unknown_ids_and_undecided_letters_get_clear_errors(store, world, service):
    # The message names no command (the desktop shows it too); the CLI adds its hint.
    with pytest.raises(UnknownCarer, match="check the id"):
        service.plan("0" * 32)
    with pytest.raises(NotFoundError, match="no emergency plan"):
        service.plan(world.plain.id)
    draft = world.declined.__class__(
        **{
            **{
                f: getattr(world.declined, f)
                for f in (
                    "carer_id",
                    "amount_pence",
                    "purpose",
                    "wellbeing_outcome",
                    "requested_by",
                    "requested_on",
                )
            }
        }
    )
    store.put("payment_request", draft.id, to_payload(draft))
    with pytest.raises(RuleViolation, match="approved or declined"):
        service.letter(draft.id)


def test_password_protected_save_is_audited_as_protected(store, world, service, tmp_path):
    rendered = service.plan(world.long_name.id)
    out = service.save(rendered, tmp_path / "plan.pdf", password="correct horse battery")
    assert out.read_bytes().startswith(b"%PDF") and b"Rochefoucauld" not in out.read_bytes()
    entry = [e for e in store.audit_entries() if e.action == "print"][-1]
    assert entry.details["protected"] == "yes" and entry.details["document"] == "plan"
    assert entry.details["for"] == world.long_name.id


def test_atomic_write_leaves_no_fragment_on_failure(tmp_path):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")

    # A failure half-way through writing (here: data of the wrong type reaches write())
    # must leave the old file untouched and no temporary file behind.
    with pytest.raises(TypeError):
        write_file_atomically(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]
    with pytest.raises(OutputFileError, match="does not exist"):
        write_file_atomically(tmp_path / "missing" / "x.pdf", b"x")


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(st.sampled_from(["print_all", "reissue", "print_one"]), min_size=1, max_size=5)
)
def test_queue_and_statuses_stay_consistent_under_interleaved_prints(tmp_path_factory, steps):
    """Whatever order cards are printed and reissued in, the queue is exactly the cards
    never printed, revoked cards never print, and every print is audited."""
    vault = samples.open_vault(tmp_path_factory.mktemp("v"))
    try:
        world = samples.seed(vault)
        service = PrintService(
            vault, Settings(cards=CardSettings(emergency_line_phone=LINE)), FixedClock(TODAY)
        )
        printed_audits = 0
        for step in steps:
            if step == "print_all" and service.pending_cards():
                rendered = service.card_sheet(all_pending=True)
                service.record_printed(rendered)
                printed_audits += len(rendered.cards)
            elif step == "reissue":
                live = [from_payload("card", p) for _, p in vault.iter_kind("card")]
                live = [c for c in live if c.is_live and c.carer_id == world.rtl.id]
                new = samples.card_for(world.plans[world.rtl.id])
                vault.put("card", live[0].id, to_payload(live[0].revoke(TODAY, "lost")))
                vault.put("card", new.id, to_payload(new))
            else:
                rendered = service.card(world.rtl.id)
                service.record_printed(rendered)
                printed_audits += len(rendered.cards)
            cards = [from_payload("card", p) for _, p in vault.iter_kind("card")]
            pending = {c.id for c in cards if c.status == CardStatus.PENDING_PRINT}
            assert {c.id for c in service.pending_cards()} == pending
            assert sum(1 for c in cards if c.carer_id == world.rtl.id and c.is_live) == 1
            assert len([e for e in vault.audit_entries() if e.action == "print"]) == printed_audits
    finally:
        vault.close()


def test_letters_carry_the_configured_office_address_and_phone(store, world):
    from carer_desk.config import LetterSettings

    settings = Settings(
        cards=CardSettings(emergency_line_phone=LINE),
        letters=LetterSettings(
            sender_name="Carers Oxfordshire",
            sender_address=("Unit 9, Example Park", "Oxford OX4 9ZZ"),
            sender_phone="01865 000111",
        ),
    )
    service = PrintService(store, settings, FixedClock(TODAY))
    letter = all_text(service.letter(world.declined.id).pdf).replace("\n", " ")
    assert "Unit 9, Example Park" in letter
    assert "01865 000111" in letter
    assert LINE not in letter
