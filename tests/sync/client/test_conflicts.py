"""A person resolves a sync conflict from the laptop: ``carer-desk conflicts`` / ``resolve``.

Everything real: the FastAPI server with its SQL store (in process), two enrolled laptops
with their own encrypted vaults, the real sync engine and the real CLI handlers.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carer_desk.cli.conflict_command import run_conflicts, run_resolve
from carer_desk.cli.main import main
from carer_desk.cli.sync_command import run_sync
from carer_desk.ports import SyncState
from carer_desk.wiring.enrolment import load_enrolment, save_enrolment
from storage.vault import Vault
from sync.client.conflicts import ConflictError, UndecidedFields, describe_value
from tests.sync.server import records as r
from tests.sync.support import (
    PASSPHRASE,
    InProcessServer,
    ServerProcess,
    carer_payload,
    enrol_device,
    enrol_over_http,
    free_port,
    live_records,
    new_vault,
    reopen_vault,
)

PASSWORD = "a long enough password"


@dataclass
class Laptop:
    name: str
    vault: Vault
    server: InProcessServer

    def sync(self) -> str:
        out = io.StringIO()
        run_sync(argparse.Namespace(), self.vault, client=self.server.client, out=out)
        return out.getvalue()

    def conflicts(self, *, as_json: bool = False) -> str:
        out = io.StringIO()
        args = argparse.Namespace(json=as_json)
        assert run_conflicts(args, self.vault, client=self.server.client, out=out) == 0
        return out.getvalue()

    def resolve(self, record_id: str, *keep: str, all_side: str | None = None) -> str:
        out = io.StringIO()
        args = argparse.Namespace(record_id=record_id, keep=list(keep), all_side=all_side)
        assert run_resolve(args, self.vault, client=self.server.client, out=out) == 0
        return out.getvalue()

    def edit(self, kind: str, record_id: str, **changes: Any) -> None:
        payload = dict(self.vault.get(kind, record_id))
        payload.update(changes)
        self.vault.put(kind, record_id, payload)

    def state(self, record_id: str) -> SyncState:
        return self.vault.meta(record_id).sync_state


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    srv = InProcessServer(tmp_path / "server")
    srv.create_user("ann", PASSWORD)
    srv.create_user("bob", PASSWORD)
    yield srv
    srv.stop()


@pytest.fixture
def laptops(server: InProcessServer, tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    made = []
    for name in ("ann", "bob"):
        vault = new_vault(tmp_path / name / "vault.sqlite", actor=name)
        enrol_device(server, vault, name, PASSWORD)
        made.append(Laptop(name, vault, server))
    yield made[0], made[1]
    for laptop in made:
        laptop.vault.close()


def _shared_carer(ann: Laptop, bob: Laptop) -> str:
    payload = carer_payload(given="Margaret", family="Okafor")
    ann.vault.put("carer", payload["id"], payload)
    ann.sync()
    bob.sync()
    return str(payload["id"])


def _phone(laptop: Laptop, record_id: str) -> str | None:
    return laptop.vault.get("carer", record_id)["contact"]["phone"]


def _with_phone(laptop: Laptop, record_id: str, phone: str) -> None:
    contact = dict(laptop.vault.get("carer", record_id)["contact"])
    laptop.edit("carer", record_id, contact={**contact, "phone": phone})


def _phone_conflict(ann: Laptop, bob: Laptop) -> str:
    """Ann and Bob change the same carer's phone number differently; Bob syncs second."""
    carer_id = _shared_carer(ann, bob)
    _with_phone(ann, carer_id, "01295 111111")
    _with_phone(bob, carer_id, "01295 222222")
    ann.sync()
    assert "conflicts: 1" in bob.sync()
    assert bob.state(carer_id) is SyncState.CONFLICT
    return carer_id


def test_both_values_are_shown_and_both_laptops_converge_on_theirs(
    laptops: tuple[Laptop, Laptop],
) -> None:
    ann, bob = laptops
    carer_id = _phone_conflict(ann, bob)

    listing = bob.conflicts()
    assert "conflicts: 1" in listing
    assert f"carer {carer_id} — Margaret Okafor" in listing
    assert "raised by bob" in listing and "(from this laptop)" in listing
    assert "mine   (on this laptop): phone: 01295 222222" in listing
    assert "theirs (on the server): phone: 01295 111111" in listing
    assert "differs in contact.phone" in listing
    assert "None" not in listing

    said = bob.resolve(carer_id, "contact.phone=theirs")
    assert f"resolved carer {carer_id}: contact" in said
    assert bob.state(carer_id) is SyncState.SYNCED
    ann.sync()
    assert _phone(bob, carer_id) == _phone(ann, carer_id) == "01295 111111"
    assert bob.conflicts().strip() == ann.conflicts().strip() == "no conflicts"
    # Bob's laptop keeps an audit entry naming the field, never a value.
    entry = [e for e in bob.vault.audit_entries() if e.action == "resolve-conflict"][-1]
    assert entry.record_id == carer_id and entry.details == {"fields": ["contact"]}
    assert "01295" not in json.dumps(entry.details)


def test_the_other_laptop_may_resolve_and_mine_means_its_own_value(
    laptops: tuple[Laptop, Laptop],
) -> None:
    ann, bob = laptops
    carer_id = _phone_conflict(ann, bob)
    # Ann's laptop holds the server's value; Bob's arrived from his device.
    shown = json.loads(ann.conflicts(as_json=True))
    assert shown["offline"] is False
    (entry,) = shown["conflicts"]
    assert entry["raised_here"] is False and entry["raised_by"] == "bob"
    (field,) = entry["fields"]
    assert field["on_this_laptop"]["phone"] == "01295 111111"
    assert field["theirs"]["phone"] == "01295 222222"

    ann.resolve(carer_id, all_side="theirs")  # take Bob's number
    bob.sync()
    assert _phone(ann, carer_id) == _phone(bob, carer_id) == "01295 222222"
    assert ann.state(carer_id) is SyncState.SYNCED
    assert bob.state(carer_id) is SyncState.SYNCED


def test_every_conflicting_field_must_be_decided(laptops: tuple[Laptop, Laptop]) -> None:
    ann, bob = laptops
    carer_id = _shared_carer(ann, bob)
    _with_phone(ann, carer_id, "01295 111111")
    ann.edit("carer", carer_id, gp_practice="Horsefair Surgery")
    _with_phone(bob, carer_id, "01295 222222")
    bob.edit("carer", carer_id, gp_practice="Banbury Cross Practice")
    ann.sync()
    bob.sync()

    with pytest.raises(UndecidedFields, match="gp_practice") as refused:
        bob.resolve(carer_id, "contact=mine")
    assert refused.value.fields == ("gp_practice",)
    with pytest.raises(ConflictError, match="not in conflict"):
        bob.resolve(carer_id, "family_name=mine", all_side="mine")
    # Nothing was decided: the conflict is still open on the server and on the laptop.
    assert bob.state(carer_id) is SyncState.CONFLICT
    assert "conflicts: 1" in ann.conflicts()

    bob.resolve(carer_id, "contact=mine", "gp_practice=theirs")
    ann.sync()
    for laptop in (ann, bob):
        held = laptop.vault.get("carer", carer_id)
        assert held["contact"]["phone"] == "01295 222222"
        assert held["gp_practice"] == "Horsefair Surgery"
        assert laptop.state(carer_id) is SyncState.SYNCED


def test_offline_lists_what_the_laptop_recorded_and_refuses_to_resolve(
    laptops: tuple[Laptop, Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ann, bob = laptops
    carer_id = _phone_conflict(ann, bob)
    # Point Bob's laptop at a port nobody listens on: the server is out of reach.
    enrolment = load_enrolment(bob.vault)
    assert enrolment is not None
    save_enrolment(bob.vault, replace(enrolment, server=f"http://127.0.0.1:{free_port()}"))
    bob.vault.close()
    monkeypatch.setenv("CARER_DESK_PASSPHRASE", PASSPHRASE)
    data_dir = str(tmp_path / "bob")

    assert main(["--data-dir", data_dir, "conflicts"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("offline: the server cannot be reached")
    assert "phone: 01295 222222" in listed and "phone: 01295 111111" in listed

    assert main(["--data-dir", data_dir, "resolve", carer_id, "--all", "theirs"]) == 1
    err = capsys.readouterr().err
    assert "The server cannot be reached; conflicts are resolved on the server so every " in err
    assert "Try again when connected." in err
    assert "Traceback" not in err
    bob.vault = _reopen(tmp_path / "bob" / "vault.sqlite")
    assert bob.state(carer_id) is SyncState.CONFLICT


def test_a_keep_without_a_side_exits_1_saying_how_to_write_it(
    laptops: tuple[Laptop, Laptop],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ann, bob = laptops
    carer_id = _phone_conflict(ann, bob)
    bob.vault.close()
    monkeypatch.setenv("CARER_DESK_PASSPHRASE", PASSPHRASE)
    # A --keep without a side is refused before the server is asked anything.
    code = main(["--data-dir", str(tmp_path / "bob"), "resolve", carer_id, "--keep", "contact"])
    assert code == 1
    assert "write it as FIELD=mine or FIELD=theirs" in capsys.readouterr().err
    bob.vault = _reopen(tmp_path / "bob" / "vault.sqlite")


@pytest.mark.parametrize(("side", "amount"), [("mine", 29000), ("theirs", 15000)])
def test_a_payment_amount_conflict_waits_for_a_person(
    laptops: tuple[Laptop, Laptop], side: str, amount: int
) -> None:
    ann, bob = laptops
    carer = r.carer("north", given="Margaret", family="Okafor")
    talk = r.assessment(carer.id)
    # Dated today: the server refuses payment dates far from its own day.
    request = r.payment(
        carer.id, talk.id, amount_pence=15000, submitted=False, requested_on=date.today()
    )
    for record in (carer, talk, request):
        ann.vault.put(_kind(record), record.id, r.payload(record))
    ann.sync()
    bob.sync()

    ann.edit("payment_request", request.id, wellbeing_outcome="Rest and sleep")
    bob.edit("payment_request", request.id, amount_pence=29000)
    ann.sync()
    bob.sync()
    # Money is never merged by itself, whatever the order of syncs.
    bob.sync()
    ann.sync()
    assert bob.state(request.id) is SyncState.CONFLICT
    assert ann.vault.get("payment_request", request.id)["amount_pence"] == 15000

    listing = bob.conflicts()
    assert "payment request for Margaret Okafor" in listing
    assert "mine   (on this laptop): £290.00" in listing
    assert "theirs (on the server): £150.00" in listing

    bob.resolve(request.id, f"amount_pence={side}")
    ann.sync()
    for laptop in (ann, bob):
        held = laptop.vault.get("payment_request", request.id)
        assert held["amount_pence"] == amount
        # Ann's other change, merged on the server, is on both laptops too.
        assert held["wellbeing_outcome"] == "Rest and sleep"
        assert laptop.state(request.id) is SyncState.SYNCED


def test_values_read_as_a_person_would_say_them() -> None:
    assert describe_value(None) == "(empty)"
    assert describe_value("") == "(empty)"
    assert describe_value(12345, "amount_pence") == "£123.45"
    assert describe_value(True) == "yes"
    assert describe_value(True, "_deleted") == "deleted"
    assert describe_value({"phone": "01295 1", "email": None}) == "phone: 01295 1"


def _kind(record: object) -> str:
    from carer_desk.records.codec import kind_of

    return kind_of(record)


def _reopen(path: Path) -> Vault:
    return reopen_vault(path, actor="bob")


def test_a_decision_made_on_another_laptop_is_taken_on_by_the_one_that_raised_it(
    laptops: tuple[Laptop, Laptop],
) -> None:
    ann, bob = laptops
    carer_id = _phone_conflict(ann, bob)
    ann.resolve(carer_id, "contact=mine")  # Ann keeps the server's number, her own
    bob.sync()
    # Keeping the server's value writes no new version, so Bob's laptop is told here.
    listing = bob.conflicts()
    assert f"resolved elsewhere: carer {carer_id}" in listing
    assert "no conflicts" in listing

    said = bob.resolve(carer_id)  # no side to choose: the decision was Ann's
    assert "already resolved on another device" in said
    assert bob.state(carer_id) is SyncState.SYNCED
    ann.sync()
    assert _phone(bob, carer_id) == _phone(ann, carer_id) == "01295 111111"
    assert bob.conflicts().strip() == "no conflicts"


@pytest.mark.parametrize(("side", "kept"), [("mine", False), ("theirs", True)])
def test_a_delete_against_a_colleagues_edit_is_decided_by_a_person(
    laptops: tuple[Laptop, Laptop], side: str, kept: bool
) -> None:
    ann, bob = laptops
    carer_id = _shared_carer(ann, bob)
    ann.edit("carer", carer_id, gp_practice="Horsefair Surgery")
    bob.vault.delete("carer", carer_id)
    ann.sync()
    bob.sync()
    assert bob.state(carer_id) is SyncState.CONFLICT  # back, until a person decides

    listing = bob.conflicts()
    assert "mine   (on this laptop): deleted" in listing
    assert "theirs (on the server): kept" in listing

    bob.resolve(carer_id, f"_deleted={side}")
    ann.sync()
    for laptop in (ann, bob):
        held = live_records(laptop.vault)
        assert (carer_id in held) is kept
        if kept:
            assert held[carer_id]["gp_practice"] == "Horsefair Surgery"
            assert laptop.state(carer_id) is SyncState.SYNCED


# --- any mix of fields, sides and deciding laptop converges on the person's choice ----------

_EDITS = {
    "gp_practice": ("Horsefair Surgery", "Banbury Cross Practice"),
    "preferred_name": ("Maggie", "Peggy"),
    "gp_phone": None,  # stands for contact.phone, edited inside the nested contact value
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fields=st.sets(st.sampled_from(sorted(_EDITS)), min_size=1),
    sides=st.dictionaries(st.sampled_from(sorted(_EDITS)), st.sampled_from(["mine", "theirs"])),
    resolver=st.sampled_from(["ann", "bob"]),
)
@pytest.mark.slow
def test_both_laptops_end_with_what_the_person_chose(
    fields: set[str], sides: dict[str, str], resolver: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = InProcessServer(Path(tmp) / "server")
        server.create_user("ann", PASSWORD)
        server.create_user("bob", PASSWORD)
        pair = []
        for name in ("ann", "bob"):
            vault = new_vault(Path(tmp) / name / "vault.sqlite", actor=name)
            enrol_device(server, vault, name, PASSWORD)
            pair.append(Laptop(name, vault, server))
        ann, bob = pair
        try:
            carer_id = _shared_carer(ann, bob)
            for index, laptop in enumerate(pair):
                for field in fields:
                    if field == "gp_phone":
                        _with_phone(laptop, carer_id, ("01295 111111", "01295 222222")[index])
                    else:
                        laptop.edit("carer", carer_id, **{field: _EDITS[field][index]})
            ann.sync()
            bob.sync()
            deciding, other = (ann, bob) if resolver == "ann" else (bob, ann)
            top = {"gp_phone": "contact"}
            keep = [f"{top.get(f, f)}={sides.get(f, 'mine')}" for f in sorted(fields)]
            deciding.resolve(carer_id, *keep)
            other.sync()
            if other.state(carer_id) is SyncState.CONFLICT:
                other.resolve(carer_id)  # take on the decision made on the other laptop
            deciding.sync()

            for field in fields:
                mine_index = 0 if deciding is ann else 1
                index = mine_index if sides.get(field, "mine") == "mine" else 1 - mine_index
                for laptop in pair:
                    held = laptop.vault.get("carer", carer_id)
                    if field == "gp_phone":
                        want = ("01295 111111", "01295 222222")[index]
                        assert held["contact"]["phone"] == want
                    else:
                        assert held[field] == _EDITS[field][index]
            for laptop in pair:
                assert laptop.state(carer_id) is SyncState.SYNCED
            assert ann.conflicts().strip() == bob.conflicts().strip() == "no conflicts"
        finally:
            for laptop in pair:
                laptop.vault.close()
            server.stop()


@pytest.mark.slow
def test_through_the_command_line_against_a_server_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ServerProcess(tmp_path / "server")
    server.create_user("ann", PASSWORD)
    server.create_user("bob", PASSWORD)
    server.start()
    try:
        vaults = {}
        for name in ("ann", "bob"):
            vaults[name] = new_vault(tmp_path / name / "vault.sqlite", actor=name)
            enrol_over_http(server.url, vaults[name], name, PASSWORD)
        payload = carer_payload(given="Margaret", family="Okafor")
        carer_id = payload["id"]
        vaults["ann"].put("carer", carer_id, payload)
        for name in ("ann", "bob"):
            run_sync(argparse.Namespace(), vaults[name], out=io.StringIO())
        for name, phone in (("ann", "01295 111111"), ("bob", "01295 222222")):
            held = dict(vaults[name].get("carer", carer_id))
            held["contact"] = {**held["contact"], "phone": phone}
            vaults[name].put("carer", carer_id, held)
            run_sync(argparse.Namespace(), vaults[name], out=io.StringIO())
            vaults[name].close()
        monkeypatch.setenv("CARER_DESK_PASSPHRASE", PASSPHRASE)
        bob_dir = str(tmp_path / "bob")

        assert main(["--data-dir", bob_dir, "conflicts", "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["offline"] is False
        (field,) = shown["conflicts"][0]["fields"]
        assert field["on_this_laptop"]["phone"] == "01295 222222"
        assert field["on_the_server"]["phone"] == "01295 111111"

        assert main(["--data-dir", bob_dir, "resolve", carer_id]) == 1
        assert "--keep contact=mine|theirs" in capsys.readouterr().err
        assert main(["--data-dir", bob_dir, "resolve", carer_id, "--all", "mine"]) == 0
        assert "resolved carer" in capsys.readouterr().out
        assert main(["--data-dir", str(tmp_path / "ann"), "sync"]) == 0
        for name in ("ann", "bob"):
            vault = reopen_vault(tmp_path / name / "vault.sqlite", actor=name)
            try:
                assert vault.get("carer", carer_id)["contact"]["phone"] == "01295 222222"
                assert vault.meta(carer_id).sync_state is SyncState.SYNCED
            finally:
                vault.close()
    finally:
        server.stop()


def test_a_conflict_never_hides_or_reverts_a_colleagues_other_fields(
    laptops: tuple[Laptop, Laptop],
) -> None:
    """Ann changes the phone and the GP practice; Bob changes only the phone. Bob's push
    is a conflict on the phone, but Ann's GP practice must still reach Bob's laptop, and
    Bob's next, unrelated edit must not put the old GP practice back on the server."""
    ann, bob = laptops
    carer_id = _shared_carer(ann, bob)
    contact = dict(ann.vault.get("carer", carer_id)["contact"])
    ann.edit(
        "carer",
        carer_id,
        contact={**contact, "phone": "01295 111111"},
        gp_practice="Horsefair Surgery",
    )
    _with_phone(bob, carer_id, "01295 222222")
    ann.sync()
    assert "conflicts: 1" in bob.sync()
    assert bob.vault.get("carer", carer_id)["gp_practice"] == "Horsefair Surgery"
    assert bob.state(carer_id) is SyncState.CONFLICT

    bob.edit("carer", carer_id, preferred_name="Peggy")
    bob.sync()
    ann.sync()
    assert ann.vault.get("carer", carer_id)["gp_practice"] == "Horsefair Surgery"
    assert ann.vault.get("carer", carer_id)["preferred_name"] == "Peggy"
