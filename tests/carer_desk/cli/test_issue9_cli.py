"""Every user-visible message of issue 9, through the real ``carer-desk`` command (child
processes on real vault files), as a new user meets them."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from carer_desk import factories as make
from carer_desk.config import CardSettings, Settings
from carer_desk.records.carer import Carer
from carer_desk.records.payment import PaymentPurpose
from carer_desk.services.cards import CardService
from carer_desk.services.carers import CarerService
from carer_desk.services.conversations import ConversationService
from carer_desk.services.groups import GroupService
from carer_desk.services.payments import APPROVER_ROLE, PaymentService
from carer_desk.services.plans import PlanService
from carer_desk.wiring.enrolment import Enrolment, save_enrolment
from storage.vault import Vault
from tests.carer_desk.cli.conftest import PASSPHRASE

LINE = "0345 050 8725"
SETTINGS = Settings(cards=CardSettings(emergency_line_phone=LINE))


def _open(cli) -> Vault:
    vault = Vault.open(cli.data_dir / "vault.sqlite", actor="tester")
    vault.unlock(PASSPHRASE)
    return vault


def _with_line(cli, phone: str = LINE, extra: str = "") -> None:
    text = cli.config.read_text(encoding="utf-8")
    cli.config.write_text(f'{text}\n[cards]\nemergency_line_phone = "{phone}"\n{extra}')


def _carer_with_everything(vault: Vault) -> tuple[Carer, dict[str, str]]:
    """A carer with a completed assessment, a decided payment, a plan, a card and a group."""
    carer = CarerService(vault, SETTINGS).register(make.carer(given_name="Ivy", family_name="Holt"))
    talks = ConversationService(vault, SETTINGS)
    conversation = talks.start(carer.id)
    talks.save_stage3(conversation.id, make.assessment())
    talks.complete(conversation.id)
    payments = PaymentService(vault, SETTINGS)
    request = payments.create_request(
        carer.id, amount_pence=9_000, purpose=PaymentPurpose.DAY_OUT, wellbeing_outcome="Rest"
    )
    payments.submit(request.id)
    vault.actor = "manager"
    payments.decline(request.id, "Covered by another grant", role=APPROVER_ROLE)
    vault.actor = "tester"
    plan = PlanService(vault, SETTINGS).create(make.plan(carer, created_on=make.DAY)).plan
    card = CardService(vault, SETTINGS).issue_card(plan.id)
    groups = GroupService(vault, SETTINGS)
    group = groups.create_group(make.group())
    session = groups.schedule_session(group.id, date(2099, 1, 5))
    groups.add_member(group.id, carer.id, joined_on=make.DAY)
    ids = dict(
        conversation=conversation.id,
        request=request.id,
        plan=plan.id,
        card=card.id,
        number=card.number,
        group=group.id,
        session=session.id,
    )
    return carer, ids


@pytest.fixture
def world(vault_cli):
    vault = _open(vault_cli)
    try:
        carer, ids = _carer_with_everything(vault)
    finally:
        vault.close()
    return carer, ids


# --- show and print, by carer ----------------------------------------------------------------


def test_show_carer_lists_every_linked_record_with_its_id(vault_cli, world):
    carer, ids = world
    shown = vault_cli("show", "carer", carer.id)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    for key in ("conversation", "request", "plan", "card", "group"):
        assert ids[key] in text, key
    assert "assessment: The carer has eligible needs for support." in text
    assert "Declined" in text and "£90.00" in text
    assert "None" not in text


def test_the_letter_and_the_sign_in_sheet_take_the_carer(vault_cli, world, tmp_path):
    carer, _ = world
    _with_line(vault_cli)
    letter = vault_cli("print", "letter", "--carer", carer.id, "--out", str(tmp_path / "l.pdf"))
    assert letter.returncode == 0, letter.stderr
    sheet = vault_cli("print", "sign-in", "--carer", carer.id, "--out", str(tmp_path / "s.pdf"))
    assert sheet.returncode == 0, sheet.stderr
    neither = vault_cli("print", "letter", "--out", str(tmp_path / "x.pdf"))
    assert neither.returncode == 1
    assert "needs --request ID or --carer ID" in neither.stderr


# --- the emergency line ---------------------------------------------------------------------


def test_a_card_never_prints_with_a_number_that_rings_nobody(vault_cli, world, tmp_path):
    out = str(tmp_path / "cards.pdf")
    placeholder = vault_cli("print", "card-sheet", "--all-pending", "--out", out)
    assert placeholder.returncode == 1
    assert "still hold the placeholder 0800 000 0000" in placeholder.stderr
    _with_line(vault_cli, "0808 157 0192")
    drama = vault_cli("print", "card-sheet", "--all-pending", "--out", out)
    assert drama.returncode == 1
    assert "is a fictional number" in drama.stderr and "rings nobody" in drama.stderr
    assert not Path(out).exists()


def test_withdrawn_consent_on_the_line_and_a_call_recorded(vault_cli, world):
    carer, ids = world
    ready = vault_cli("lookup", ids["number"])
    assert ready.returncode == 0, ready.stderr
    assert "Plan found: ring the emergency contacts in the order listed." in ready.stdout
    assert "Ring 1: Mary Lee (daughter)" in ready.stdout
    assert "care needed at: 1 High St, Witney, OX28 6AA" in ready.stdout
    withdrawn = vault_cli("plan-consent", "withdraw", "--carer", carer.id)
    assert "the carer's cards are suspended until consent is given again" in withdrawn.stdout
    suspended = vault_cli("lookup", ids["number"])
    assert "Consent withdrawn on" in suspended.stdout
    assert (
        "do not use this plan; arrange replacement care via the emergency replacement care "
        "service" in suspended.stdout
    )
    assert "Mary Lee" not in suspended.stdout
    too_long = vault_cli("record-call", ids["number"], "--caller", "A neighbour", "--hours", "50")
    assert too_long.returncode == 1
    assert "50 hours is more than the usual 48" in too_long.stderr
    call = vault_cli(
        "record-call", ids["number"], "--caller", "A neighbour", "--hours", "60",
        "--exceptional", "Carer in hospital overnight", "--follow-up", "Ring the daughter",
    )  # fmt: skip
    assert call.returncode == 0, call.stderr
    assert "60 hours of replacement care" in call.stdout
    assert "Calls to the emergency line (1):" in vault_cli("show", "carer", carer.id).stdout


def test_a_card_for_an_empty_plan_is_refused_naming_what_is_missing(vault_cli):
    vault = _open(vault_cli)
    try:
        carer = CarerService(vault, SETTINGS).register(
            make.carer(given_name="Em", family_name="Ty")
        )
        from carer_desk.records.plan import EmergencyPlan

        PlanService(vault, SETTINGS).create(EmergencyPlan(carer_id=carer.id, created_on=make.DAY))
    finally:
        vault.close()
    refused = vault_cli("issue-card", "--carer", carer.id)
    assert refused.returncode == 1
    assert "not agreed to share this plan with the emergency line" in refused.stderr


# --- closing a record, the cap, the transition list --------------------------------------------


def test_closing_a_record_says_what_it_did(vault_cli, world):
    carer, ids = world
    closed = vault_cli("close-record", carer.id, "--reason", "moved_away")
    assert closed.returncode == 0, closed.stderr
    assert "Ivy Holt's record is closed from" in closed.stdout
    assert "(moved away). 1 card revoked." in closed.stdout
    assert "record closed (moved away)" in vault_cli("lookup", ids["number"]).stdout
    again = vault_cli("close-record", carer.id, "--reason", "moved_away")
    assert again.returncode == 1 and "was already closed" in again.stderr
    reopened = vault_cli("reopen-record", carer.id)
    assert "record is open again" in reopened.stdout


def test_the_cap_and_the_young_carers_moving_to_adult_services(vault_cli, world):
    carer, _ = world
    cap = vault_cli("cap", "--carer", carer.id)
    assert cap.returncode == 0, cap.stderr
    assert cap.stdout.startswith("£300.00 left of the £300.00 limit")
    assert vault_cli("list", "moving-to-adult").stdout.startswith("No young carer")
    unknown = vault_cli("cap", "--carer", "0" * 32)
    assert unknown.returncode == 1 and "list carers --json" in unknown.stderr


# --- damaged records, refused changes, demo settings, the acting person ----------------------


def _damage_one_carer(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        record_id, sealed = db.execute(
            "SELECT id, sealed FROM records WHERE kind = 'carer' LIMIT 1"
        ).fetchone()
        broken = bytes(sealed[:-1]) + bytes([sealed[-1] ^ 0xFF])
        db.execute("UPDATE records SET sealed = ? WHERE id = ?", (broken, record_id))
        db.commit()
    finally:
        db.close()
    return record_id


def test_a_damaged_carer_is_named_in_list_and_search_never_dropped_silently(vault_cli):
    assert vault_cli("seed-demo", "--carers", "4").returncode == 0
    damaged = _damage_one_carer(vault_cli.data_dir / "vault.sqlite")
    listed = vault_cli("list", "carers")
    assert listed.returncode == 1
    assert f"DAMAGED: carer record {damaged} failed its integrity check" in listed.stderr
    assert "vault check" in listed.stderr
    assert "3 carers." in listed.stdout
    as_json = vault_cli("list", "carers", "--json")
    assert as_json.returncode == 1 and len(json.loads(as_json.stdout)) == 3
    found = vault_cli("search", "a")
    assert found.returncode == 1 and damaged in found.stderr


def test_a_refused_change_can_be_discarded_and_then_the_laptop_signs_out(vault_cli):
    vault = _open(vault_cli)
    try:
        carer = CarerService(vault, SETTINGS).register(
            make.carer(given_name="Ref", family_name="Used")
        )
        change = next(c for c in vault.outbox_pending(10) if c.record_id == carer.id)
        vault.outbox_reject(change.change_id, "This carer is not in your team")
    finally:
        vault.close()
    blocked = vault_cli("sign-out", "--yes")
    assert blocked.returncode == 1
    assert "correct or discard the refused changes ('carer-desk refused')" in blocked.stderr
    listed = vault_cli("refused")
    assert listed.returncode == 0, listed.stderr
    assert f"{change.change_id}  change to carer Ref Used" in listed.stdout
    assert "refused because: This carer is not in your team" in listed.stdout
    shown = json.loads(vault_cli("refused", "show", change.change_id).stdout)
    assert shown["id"] == carer.id
    discarded = vault_cli("refused", "discard", change.change_id)
    assert discarded.returncode == 0, discarded.stderr
    assert "The office never accepted this record" in discarded.stdout
    assert vault_cli("refused").stdout.startswith("Nothing is refused")
    assert vault_cli("sign-out", "--yes").returncode == 0


def _enrol_as(cli, server: str = "https://carerdesk.example.org", username: str = "ann") -> None:
    vault = _open(cli)
    try:
        save_enrolment(
            vault,
            Enrolment(
                server=server,
                device_id="d" * 32,
                username=username,
                role="outreach-worker",
                credential="secret-device-credential",
                team="north",
            ),
        )
    finally:
        vault.close()


def test_seed_demo_refuses_on_a_laptop_enrolled_with_a_real_server(vault_cli):
    _enrol_as(vault_cli)
    refused = vault_cli("seed-demo", "--carers", "3")
    assert refused.returncode == 1
    assert "enrolled with the office server https://carerdesk.example.org" in refused.stderr
    assert "nothing was added" in refused.stderr


def test_a_real_servers_laptop_refuses_the_demos_settings(vault_cli):
    _enrol_as(vault_cli)
    _with_line(vault_cli, "0808 157 0192", "\n[demo]\ninvented_data = true\n")
    refused = vault_cli("list", "carers")
    assert refused.returncode == 1
    assert "are the demo's (invented data, a fictional 24-hour number)" in refused.stderr


def test_the_audit_log_names_the_enrolled_user_not_the_login(vault_cli, world):
    carer, _ = world
    _enrol_as(vault_cli, username="ann")
    shown = vault_cli("show", "carer", carer.id)  # CARER_DESK_USER is "tester" here
    assert shown.returncode == 0, shown.stderr
    assert "enrolled for ann, so the audit log names ann, not tester" in shown.stderr
    vault = _open(vault_cli)
    try:
        views = [e for e in vault.audit_entries() if e.action == "view"]
        assert views[-1].actor == "ann" and views[-1].record_id == carer.id
    finally:
        vault.close()


def test_a_wrong_passphrase_on_a_vault_without_recovery_key_promises_no_recovery(vault_cli):
    wrong = vault_cli("list", "carers", passphrase="not the passphrase at all")
    assert wrong.returncode == 1
    assert "cannot be recovered" in wrong.stderr
    assert "administrator can recover" not in wrong.stderr


def test_an_import_out_of_bounds_is_refused_row_by_row(vault_cli, tmp_path):
    path = tmp_path / "caseload.csv"
    path.write_text(
        "given_name,family_name,date_of_birth,referral_date,referral_source,consent_given,"
        "consent_date\n"
        "Ann,Lee,2019-01-01,2025-01-06,self,yes,2025-01-06\n"
        "Bo\u202e,Ray,1970-01-01,2025-01-06,self,yes,2025-01-06\n",
        encoding="utf-8",
    )
    refused = vault_cli("import", str(path))
    assert refused.returncode == 1
    assert "line 2: date_of_birth: gives an age of" in refused.stderr
    assert "line 3: given_name: holds an invisible or text-direction character" in refused.stderr
    assert "nothing was imported" in refused.stderr
