"""The window's way to the server, against a real vault and the real server app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carer_desk.config import Settings
from carer_desk.errors import LaptopRevoked
from carer_desk.roles import Role
from carer_desk.session import DeskSession
from carer_desk.sync_status import SyncPhase, SyncProgress
from carer_desk.wiring.enrolment import load_enrolment
from carer_desk.wiring.sync_gateway import ServerSyncGateway
from carer_desk.wiring.vault_handle import VaultDrafts
from storage.vault import Vault
from sync.client.backoff import NO_RETRY
from tests.sync.support import InProcessServer, carer_payload, new_vault

PASSWORD = "a long enough password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    srv = InProcessServer(tmp_path / "server")
    srv.create_user("ann", PASSWORD)
    srv.create_user("bob", PASSWORD)
    yield srv
    srv.stop()


class Laptop:
    def __init__(self, server: InProcessServer, path: Path, username: str) -> None:
        self.vault: Vault = new_vault(path, actor=username)
        self.sync = ServerSyncGateway(
            self.vault, server="http://localhost", client=server.client, backoff=NO_RETRY
        )
        self.identity = self.sync.enrol("http://localhost", username, PASSWORD, "laptop")
        self.session = DeskSession(
            self.vault, Settings(), role=self.identity.role, drafts=VaultDrafts(self.vault)
        )

    def add_carer(self, given: str, **kwargs) -> str:
        payload = carer_payload(given, **kwargs)
        self.vault.put("carer", payload["id"], payload, action="create")
        return payload["id"]


@pytest.fixture
def ann(server: InProcessServer, tmp_path: Path) -> Iterator[Laptop]:
    laptop = Laptop(server, tmp_path / "ann.sqlite", "ann")
    yield laptop
    laptop.vault.close()


@pytest.fixture
def bob(server: InProcessServer, tmp_path: Path) -> Iterator[Laptop]:
    laptop = Laptop(server, tmp_path / "bob.sqlite", "bob")
    yield laptop
    laptop.vault.close()


def test_enrolment_names_the_person_and_their_role(ann: Laptop):
    assert ann.identity.username == "ann"
    assert ann.identity.role is Role.OUTREACH_WORKER
    assert ann.identity.team == "north"
    assert ann.sync.identity() == ann.identity
    assert ann.sync.status().enrolled


def test_a_colleagues_carer_arrives_in_an_open_caseload(ann: Laptop, bob: Laptop):
    assert ann.session.carers.list_carers() == []  # the caseload is open (and cached)
    new_id = bob.add_carer("Pat")
    bob.sync.sync_now()
    progress: list[SyncProgress] = []
    report = ann.sync.sync_now(progress.append)
    assert report.pulled == 1
    assert report.changes.ids_of("carer") == {new_id}
    ann.session.absorb(report.changes)
    assert [c.given_name for c in ann.session.carers.list_carers()] == ["Pat"]
    phases = [p.phase for p in progress]
    assert phases[0] is SyncPhase.CONNECTING and phases[-1] is SyncPhase.DONE
    assert SyncPhase.RECEIVING in phases


def test_status_counts_what_waits_and_remembers_the_last_sync(ann: Laptop):
    assert ann.sync.status().last_synced_at is None
    ann.add_carer("Mary")
    ann.add_carer("Joan")
    assert ann.sync.status().waiting == 2
    sent: list[SyncProgress] = []
    report = ann.sync.sync_now(sent.append)
    assert report.pushed == 2
    assert any(p.phase is SyncPhase.SENDING and p.done == 2 for p in sent)
    status = ann.sync.status()
    assert status.waiting == 0 and status.last_synced_at is not None


def test_a_refused_change_is_listed_with_the_servers_reason(ann: Laptop):
    wrong = ann.add_carer("Elsewhere", team="south")
    report = ann.sync.sync_now()
    assert [r.record_id for r in report.refused] == [wrong]
    (refused,) = ann.sync.refused()
    assert refused.record_id == wrong and "team" in refused.reason
    assert "Elsewhere" in refused.description
    assert ann.sync.status().refused == 1


def test_a_conflict_is_shown_with_both_values_and_resolved_per_field(ann: Laptop, bob: Laptop):
    record = ann.add_carer("Mary")
    ann.sync.sync_now()
    bob.sync.sync_now()
    for laptop, phone in ((ann, "01865 111111"), (bob, "01865 222222")):
        payload = laptop.vault.get("carer", record)
        payload["contact"] = {**(payload.get("contact") or {}), "phone": phone}
        laptop.vault.put("carer", record, payload)
    bob.sync.sync_now()
    assert ann.sync.sync_now().conflicts == 1
    listing = ann.sync.conflicts()
    (item,) = listing.items
    (field,) = item.fields
    assert field.field == "contact"
    assert "01865 111111" in field.mine_text and "01865 222222" in field.theirs_text
    report = ann.sync.resolve(record, {"contact": "theirs"})
    assert report.changes.touches_record(record)
    assert ann.vault.get("carer", record)["contact"]["phone"] == "01865 222222"
    assert ann.sync.status().conflicts == 0


def test_a_revoked_laptop_is_told_first_and_wiped_only_when_asked(
    ann: Laptop, server: InProcessServer
):
    ann.add_carer("Unsynced")
    enrolment = load_enrolment(ann.vault)
    assert enrolment is not None
    server.store.revoke_device(enrolment.device_id, by="admin")
    path = ann.vault.path
    with pytest.raises(LaptopRevoked, match="has revoked this laptop"):
        ann.sync.sync_now()
    assert path.exists()  # not yet: the person is told first
    ann.sync.wipe()
    assert not any(p.name.startswith(path.name) for p in path.parent.iterdir())


def test_a_decision_the_server_refuses_comes_back_as_its_reason(ann: Laptop, tmp_path: Path):
    from carer_desk.payment_decisions import DecisionRefused

    # A worker may not decide: the server's own sentence, not a status code.
    with pytest.raises(DecisionRefused) as refused:
        ann.sync.decide_payment("0" * 32, approve=True)
    assert str(refused.value) == (
        "Only a payments approver can approve or decline a wellbeing payment."
    )
    assert "403" not in str(refused.value)


def test_an_approver_deciding_a_request_the_server_does_not_hold(
    server: InProcessServer, tmp_path: Path
):
    from carer_desk.payment_decisions import DecisionRefused

    server.create_user("amy", PASSWORD, role="payments-approver", team=None)
    amy = Laptop(server, tmp_path / "amy.sqlite", "amy")
    try:
        with pytest.raises(DecisionRefused) as refused:
            amy.sync.decide_payment("0" * 32, approve=False, reason="Not eligible.")
        assert str(refused.value).startswith("No wellbeing payment request")
    finally:
        amy.vault.close()


def test_a_decision_with_no_server_to_ask_decides_nothing(tmp_path: Path):
    from carer_desk.errors import OfficeUnreachable

    vault = new_vault(tmp_path / "offline.sqlite", actor="amy")
    from carer_desk.wiring.enrolment import Enrolment, save_enrolment

    save_enrolment(
        vault,
        Enrolment(
            server="http://127.0.0.1:9",
            device_id="d" * 32,
            username="amy",
            role="payments-approver",
            credential="x",
            team=None,
        ),
    )
    gateway = ServerSyncGateway(vault, backoff=NO_RETRY)
    try:
        with pytest.raises(OfficeUnreachable):
            gateway.decide_payment("0" * 32, approve=True)
    finally:
        vault.close()


def test_changes_held_back_from_an_edited_vault_file_are_told_in_the_window(
    server: InProcessServer, tmp_path: Path
):
    """Issue 10: a delete added to the file with sqlite3 is not sent, and the line the
    window shows after the sync says so (not only the command line)."""
    import sqlite3
    import uuid

    from tests.sync.support import reopen_vault

    ann = Laptop(server, tmp_path / "ann.sqlite", "ann")
    record_id = ann.add_carer("Mary")
    assert ann.sync.sync_now().pushed == 1
    path = ann.vault.path
    ann.vault.close()
    conn = sqlite3.connect(str(path), isolation_level=None)
    (mac,) = conn.execute("SELECT mac FROM records").fetchone()
    conn.execute(
        "INSERT INTO outbox (change_id, record_id, kind, op, base_version, priority, state, "
        "key_gen, mac) VALUES (?, ?, 'carer', 'delete', 1, 100, 'pending', 1, ?)",
        (str(uuid.uuid4()), record_id, mac),
    )
    conn.close()
    vault = reopen_vault(path, actor="ann")
    try:
        gateway = ServerSyncGateway(
            vault, server="http://localhost", client=server.client, backoff=NO_RETRY
        )
        report = gateway.sync_now()
        assert report.pushed == 0
        assert report.describe().startswith("Sync finished: sent 0, received 0. Held back: 1")
        assert "run `carer-desk vault check` and tell your administrator" in report.describe()
        with server.store.transaction() as tx:
            assert not tx.get_record(record_id).deleted
    finally:
        vault.close()


def test_a_card_for_a_thin_plan_comes_back_refused_with_the_servers_sentence(ann: Laptop):
    """A laptop that skipped its own check (an old version, an edited vault) issues a card
    for an empty plan: the server refuses it, and the refused-changes list says why."""
    import json
    from dataclasses import replace

    from carer_desk.records.codec import kind_of, to_payload
    from carer_desk.records.plan import HomeAccess
    from tests.sync.server import records as r

    def put(record) -> None:
        payload = json.loads(json.dumps(to_payload(record)))
        ann.vault.put(kind_of(record), record.id, payload, action="create")

    carer = r.carer("north")
    thin = replace(r.plan(carer.id), emergency_contacts=(), access=HomeAccess())
    card = r.card(thin)
    for record in (carer, thin, card):
        put(record)
    report = ann.sync.sync_now()
    assert [x.record_id for x in report.refused] == [card.id]
    (refused,) = ann.sync.refused()
    assert refused.kind == "card"
    assert refused.reason.startswith("The card cannot be issued: its plan on the server")
    assert "emergency contact" in refused.reason and "how to get into the home" in refused.reason
    assert "1 refused" in report.describe()
