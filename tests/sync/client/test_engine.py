"""The sync engine against a real vault and the real server app (in process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carer_desk.ports import Priority, SyncState
from carer_desk.wiring.enrolment import load_enrolment
from carer_desk.wiring.sync_gateway import build_engine
from sync.client.backoff import NO_RETRY, Backoff
from sync.client.engine import SyncEngine
from sync.client.errors import DeviceRevoked, ServerUnreachable
from sync.client.transport import HttpTransport
from sync.protocol import PullResponse, PushRequest, PushResponse
from tests.sync.support import (
    InProcessServer,
    carer_payload,
    enrol_device,
    live_records,
    new_vault,
)

PASSWORD = "a long enough password"


class Device:
    def __init__(self, server: InProcessServer, path: Path, username: str) -> None:
        self.server = server
        self.vault = new_vault(path, actor=username)
        enrol_device(server, self.vault, username, PASSWORD)
        self.engine, self.transport = self.make_engine()

    def make_engine(self, **kwargs: Any) -> tuple[SyncEngine, HttpTransport]:
        enrolment = load_enrolment(self.vault)
        assert enrolment is not None
        kwargs.setdefault("backoff", NO_RETRY)
        return build_engine(self.vault, enrolment, client=self.server.client, **kwargs)

    def add_carer(self, **kwargs: Any) -> str:
        payload = carer_payload(**kwargs)
        priority = Priority.SAFEGUARDING if payload["safeguarding_flag"] else Priority.NORMAL
        self.vault.put("carer", payload["id"], payload, priority=priority, action="create")
        return payload["id"]

    def edit(self, record_id: str, **fields: Any) -> None:
        payload = self.vault.get("carer", record_id)
        payload.update(fields)
        self.vault.put("carer", record_id, payload)

    def state(self, record_id: str) -> SyncState:
        return self.vault.meta(record_id).sync_state


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    srv = InProcessServer(tmp_path / "server")
    for name in ("ann", "bob", "cat"):
        srv.create_user(name, PASSWORD)
    yield srv
    srv.stop()


@pytest.fixture
def ann(server: InProcessServer, tmp_path: Path) -> Iterator[Device]:
    d = Device(server, tmp_path / "ann" / "vault.sqlite", "ann")
    yield d
    d.vault.close()


@pytest.fixture
def bob(server: InProcessServer, tmp_path: Path) -> Iterator[Device]:
    d = Device(server, tmp_path / "bob" / "vault.sqlite", "bob")
    yield d
    d.vault.close()


def server_versions(server: InProcessServer, record_id: str) -> list[Any]:
    return [v for v in server.store.iter_versions() if v.record_id == record_id]


def test_changes_made_offline_reach_a_colleague(ann: Device, bob: Device) -> None:
    ids = [ann.add_carer(given=g) for g in ("Ann", "Bea", "Cyd")]
    assert {ann.state(i) for i in ids} == {SyncState.NEW}
    summary = ann.engine.sync_now()
    assert summary.pushed == 3
    assert {ann.state(i) for i in ids} == {SyncState.SYNCED}
    got = bob.engine.sync_now()
    assert got.pulled == 3
    assert live_records(bob.vault) == live_records(ann.vault)
    assert {bob.state(i) for i in ids} == {SyncState.SYNCED}
    # Ann's next sync brings nothing new: her own changes are not applied twice.
    assert ann.engine.sync_now().pulled == 0


def test_safeguarding_concern_is_sent_first(ann: Device, server: InProcessServer) -> None:
    ordinary = [ann.add_carer(given=f"Person{i}") for i in range(4)]
    urgent = ann.add_carer(given="Urgent", safeguarding=True)
    engine, _ = ann.make_engine(batch_size=1)
    assert engine.sync_now().batches == 5
    order = [v.record_id for v in sorted(server.store.iter_versions(), key=lambda v: v.at)]
    assert order[0] == urgent
    assert set(order[1:]) == set(ordinary)


def test_a_rejected_record_is_held_with_its_reason_and_does_not_block(ann: Device) -> None:
    good = ann.add_carer(given="Good")
    wrong_team = ann.add_carer(given="Elsewhere", team="south")
    later = ann.add_carer(given="Later")
    summary = ann.engine.sync_now()
    assert summary.pushed == 2
    assert [(r.record_id, r.kind) for r in summary.rejected] == [(wrong_team, "carer")]
    assert "team" in summary.rejected[0].reason
    assert ann.state(wrong_team) == SyncState.REJECTED
    assert ann.state(good) == ann.state(later) == SyncState.SYNCED
    ((change, reason),) = ann.vault.rejected_changes()
    assert change.record_id == wrong_team and "team" in reason
    assert any("rejected carer" in line and "team" in line for line in summary.lines())
    # Fixing the record sends it again.
    ann.edit(wrong_team, team="north")
    assert ann.engine.sync_now().pushed == 1
    assert ann.state(wrong_team) == SyncState.SYNCED


def test_same_field_changed_on_two_laptops_becomes_a_conflict(
    ann: Device, bob: Device, server: InProcessServer
) -> None:
    rid = ann.add_carer()
    ann.engine.sync_now()
    bob.engine.sync_now()
    ann.edit(rid, preferred_name="Annie", gp_practice="Banbury Cross")
    bob.edit(rid, preferred_name="Nan", language="Welsh")
    ann.engine.sync_now()
    summary = bob.engine.sync_now()
    assert [c.fields for c in summary.conflicts] == [("preferred_name",)]
    assert bob.state(rid) == SyncState.CONFLICT
    details = bob.vault.conflict_details(rid)
    (field,) = details["fields"]
    assert (field["server"], field["client"]) == ("Annie", "Nan")
    # Bob's laptop shows the server's merged record (with Ann's value and his own
    # language), and keeps his value in the conflict until a person chooses.
    mine = bob.vault.get("carer", rid)
    assert (mine["preferred_name"], mine["language"], mine["gp_practice"]) == (
        "Annie",
        "Welsh",
        "Banbury Cross",
    )
    # The field only Bob changed was merged on the server and reaches Ann.
    ann.engine.sync_now()
    assert ann.vault.get("carer", rid) == mine
    # A later sync does not resend the conflicted change or clear the conflict.
    again = bob.engine.sync_now()
    assert again.pushed == 0 and not again.conflicts
    assert bob.state(rid) == SyncState.CONFLICT


class LosingTransport(HttpTransport):
    """The real transport; ``lose_push``/``lose_pull`` drop the answer after the server
    has acted on the request, as a connection dropping at the worst moment would."""

    lose_push = 0
    lose_pull = 0

    def push(self, request: PushRequest) -> PushResponse:
        answer = super().push(request)
        if self.lose_push:
            self.lose_push -= 1
            raise ServerUnreachable("response lost")
        return answer

    def pull(self, since: str, limit: int = 500) -> PullResponse:
        answer = super().pull(since, limit)
        if self.lose_pull:
            self.lose_pull -= 1
            raise ServerUnreachable("response lost")
        return answer


def _losing(device: Device, **kwargs: Any) -> tuple[SyncEngine, LosingTransport]:
    enrolment = load_enrolment(device.vault)
    assert enrolment is not None
    transport = LosingTransport(enrolment.server, enrolment.credential, client=device.server.client)
    kwargs.setdefault("backoff", NO_RETRY)
    return SyncEngine(device.vault, transport, **kwargs), transport


def test_lost_push_answer_is_resent_and_applied_once(ann: Device, server: InProcessServer) -> None:
    ids = [ann.add_carer(given=f"P{i}") for i in range(5)]
    engine, transport = _losing(ann)
    transport.lose_push = 1
    with pytest.raises(ServerUnreachable):
        engine.sync_now()
    assert {ann.state(i) for i in ids} == {SyncState.SENDING}
    summary = engine.sync_now()
    assert (summary.pushed, summary.replayed) == (5, 5)
    assert {ann.state(i) for i in ids} == {SyncState.SYNCED}
    for rid in ids:
        assert len(server_versions(server, rid)) == 1


def test_retry_with_backoff_recovers_from_a_lost_answer_in_one_sync(ann: Device) -> None:
    ann.add_carer()
    waits: list[float] = []
    engine, transport = _losing(ann, backoff=Backoff(max_attempts=3), sleep=waits.append)
    transport.lose_push = 1
    summary = engine.sync_now()
    assert (summary.pushed, summary.replayed) == (1, 1)
    assert len(waits) == 1


def test_interrupted_pull_resumes_from_the_saved_page(ann: Device, bob: Device) -> None:
    ids = [ann.add_carer(given=f"P{i}") for i in range(7)]
    ann.engine.sync_now()
    engine, transport = _losing(bob, page_size=3)
    calls: list[str] = []
    real_pull = transport.pull

    def counting(since: str, limit: int = 500) -> PullResponse:
        calls.append(since)
        if len(calls) == 2:
            transport.lose_pull = 1  # lose the second page
        return real_pull(since, limit)

    transport.pull = counting  # type: ignore[method-assign]
    with pytest.raises(ServerUnreachable):
        engine.sync_now()
    assert len(live_records(bob.vault)) == 3  # the first page is kept
    saved = bob.vault.sync_cursor()
    assert saved == calls[1]
    summary = engine.sync_now()
    assert calls[2] == saved  # resumed from the saved cursor, not from the beginning
    assert summary.pulled == 4
    assert set(live_records(bob.vault)) == set(ids)


def test_revoked_device_wipes_its_vault(ann: Device, server: InProcessServer) -> None:
    ann.add_carer()  # unsynced work: a stolen laptop is wiped anyway
    path = ann.vault.path
    enrolment = load_enrolment(ann.vault)
    assert enrolment is not None
    server.store.revoke_device(enrolment.device_id, by="admin")
    with pytest.raises(DeviceRevoked, match="wiped"):
        ann.engine.sync_now()
    assert not any(p.name.startswith(path.name) for p in path.parent.iterdir())


def test_oversized_batch_is_split_and_only_the_huge_record_held(tmp_path: Path) -> None:
    from dataclasses import replace

    srv = InProcessServer(tmp_path / "server")
    srv.stop()
    srv.settings = replace(srv.settings, max_body_bytes=20_000)
    srv.start()
    srv.create_user("ann", PASSWORD)
    dev = Device(srv, tmp_path / "ann" / "vault.sqlite", "ann")
    try:
        ids = [dev.add_carer(given=f"P{i}") for i in range(12)]
        huge = carer_payload(given="Huge")
        huge["consent"]["notes"] = "n" * 30_000
        dev.vault.put("carer", huge["id"], huge)
        engine, _ = dev.make_engine(batch_size=13)
        summary = engine.sync_now()
        assert summary.pushed == 12
        assert [r.record_id for r in summary.rejected] == [huge["id"]]
        assert "larger than the server accepts" in summary.rejected[0].reason
        assert {dev.state(i) for i in ids} == {SyncState.SYNCED}
    finally:
        dev.vault.close()
        srv.stop()


def test_edits_to_different_fields_merge_and_both_laptops_see_the_merge(
    ann: Device, bob: Device
) -> None:
    rid = ann.add_carer()
    ann.engine.sync_now()
    bob.engine.sync_now()
    ann.edit(rid, preferred_name="Annie")
    bob.edit(rid, language="Welsh")
    ann.engine.sync_now()
    summary = bob.engine.sync_now()
    assert not summary.conflicts
    ann.engine.sync_now()
    for device in (ann, bob):
        record = device.vault.get("carer", rid)
        assert (record["preferred_name"], record["language"]) == ("Annie", "Welsh")
        assert device.state(rid) == SyncState.SYNCED


def test_deleting_a_record_a_colleague_changed_becomes_a_conflict(ann: Device, bob: Device) -> None:
    rid = ann.add_carer()
    ann.engine.sync_now()
    bob.engine.sync_now()
    ann.edit(rid, preferred_name="Annie")
    ann.engine.sync_now()
    bob.vault.delete("carer", rid)  # on an out-of-date copy
    summary = bob.engine.sync_now()
    assert [c.fields for c in summary.conflicts] == [("_deleted",)]
    # The record is back on Bob's laptop with Ann's change, marked for a person to decide.
    assert bob.vault.get("carer", rid)["preferred_name"] == "Annie"
    assert bob.state(rid) == SyncState.CONFLICT
    assert bob.vault.conflict_details(rid)["fields"][0]["field"] == "_deleted"


def test_a_push_and_a_pull_collect_cycles_less_often_and_put_the_setting_back(
    ann: Device, bob: Device
) -> None:
    import gc

    from sync.client.engine import YOUNG_COLLECTION_THRESHOLD

    seen: list[int] = []

    class Watching(LosingTransport):
        def push(self, request: PushRequest) -> PushResponse:
            seen.append(gc.get_threshold()[0])
            return super().push(request)

        def pull(self, since: str, limit: int = 500) -> PullResponse:
            seen.append(gc.get_threshold()[0])
            return super().pull(since, limit)

    ann.add_carer()
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, before[1], before[2])
        for device in (ann, bob):
            enrolment = load_enrolment(device.vault)
            assert enrolment is not None
            transport = Watching(
                enrolment.server, enrolment.credential, client=device.server.client
            )
            SyncEngine(device.vault, transport, backoff=NO_RETRY).sync_now()
            assert gc.get_threshold()[0] == 700
    finally:
        gc.set_threshold(*before)
    assert seen and all(t == YOUNG_COLLECTION_THRESHOLD for t in seen)
    assert len(live_records(bob.vault, "carer")) == 1
