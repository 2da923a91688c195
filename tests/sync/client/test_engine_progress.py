"""What the desktop sees of a running sync: progress with counts, a large pull written in
a bounded number of vault transactions, and a vault that stays usable meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from carer_desk.sync_status import SyncPhase, SyncProgress
from carer_desk.wiring.enrolment import load_enrolment
from carer_desk.wiring.sync_gateway import build_engine
from sync.client.backoff import NO_RETRY
from sync.client.engine import SyncEngine
from sync.server.store import NewVersion, Ownership
from tests.sync.support import InProcessServer, add_carers, carer_payload, enrol_device, new_vault

PASSWORD = "a long enough password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    srv = InProcessServer(tmp_path / "server")
    for name in ("ann", "bob"):
        srv.create_user(name, PASSWORD)
    yield srv
    srv.stop()


def _engine(server: InProcessServer, path: Path, username: str, **kwargs: Any) -> SyncEngine:
    vault = new_vault(path, actor=username)
    enrol_device(server, vault, username, PASSWORD)
    enrolment = load_enrolment(vault)
    assert enrolment is not None
    engine, _ = build_engine(vault, enrolment, client=server.client, backoff=NO_RETRY, **kwargs)
    return engine


def test_a_sync_reports_each_phase_with_counts(server: InProcessServer, tmp_path: Path) -> None:
    ann = _engine(server, tmp_path / "ann.sqlite", "ann", batch_size=10)
    add_carers(ann.vault, 35)
    seen: list[SyncProgress] = []
    ann.sync_now(seen.append)
    phases = [p.phase for p in seen]
    assert phases[0] is SyncPhase.CONNECTING and phases[-1] is SyncPhase.DONE
    sending = [p for p in seen if p.phase is SyncPhase.SENDING]
    assert [p.done for p in sending] == [0, 10, 20, 30, 35]  # after each batch
    assert {p.total for p in sending} == {35}
    bob = _engine(server, tmp_path / "bob.sqlite", "bob")
    bob.page_size = 10
    got: list[SyncProgress] = []
    bob.sync_now(got.append)
    receiving = [(p.done, p.total) for p in got if p.phase is SyncPhase.RECEIVING]
    # The server says how many remain, so the laptop knows the whole from the first page.
    assert receiving == [(0, None), (10, 35), (20, 35), (30, 35), (35, 35)]
    assert got[-1].describe() == "Sync finished"
    assert SyncProgress(SyncPhase.RECEIVING, 10, 35).describe() == "Receiving: 10 of 35 records"


def test_a_progress_listener_that_fails_does_not_stop_the_sync(
    server: InProcessServer, tmp_path: Path
) -> None:
    ann = _engine(server, tmp_path / "ann.sqlite", "ann")
    add_carers(ann.vault, 3)

    def broken(_: SyncProgress) -> None:
        raise RuntimeError("the window went away")

    assert ann.sync_now(broken).pushed == 3


def test_twenty_thousand_records_arrive_in_a_bounded_number_of_vault_transactions(
    server: InProcessServer, tmp_path: Path
) -> None:
    total = 20_000
    payloads = [carer_payload(given=f"P{i}", family="Pulled") for i in range(total)]
    # Put them on the server directly: this test is about the laptop's side of a pull.
    for start in range(0, total, 2000):
        with server.store.transaction(write=True) as tx:
            tx.write_versions(
                [
                    NewVersion(
                        kind="carer",
                        record_id=p["id"],
                        payload=p,
                        ownership=Ownership(team="north", carer_id=p["id"]),
                        changed_fields=tuple(sorted(p)),
                        actor="ann",
                        device_id=None,
                        change_id=None,
                        previous_version=None,
                    )
                    for p in payloads[start : start + 2000]
                ]
            )
    bob = _engine(server, tmp_path / "bob.sqlite", "bob")
    vault = bob.vault
    transactions: list[int] = []
    real = vault.apply_remote_page

    def counting(records: Any, cursor: str) -> list[bool]:
        transactions.append(len(records))
        return real(records, cursor)

    vault.apply_remote_page = counting  # type: ignore[method-assign]
    # Meanwhile the person keeps using the laptop: reads of the vault keep being answered.
    answered = 0
    pulling = threading.Event()
    pulling.set()

    def use_the_laptop() -> None:
        nonlocal answered
        while pulling.is_set():
            vault.count_by_state()
            answered += 1

    user = threading.Thread(target=use_the_laptop)
    user.start()
    try:
        pulled, pages = bob.pull()
    finally:
        pulling.clear()
        user.join()
    assert pulled == total
    assert len(transactions) == pages <= -(-total // bob.page_size)  # one per page
    assert max(transactions) <= bob.page_size
    assert answered > len(transactions)  # the vault was free between pages
    assert vault.count_by_state()["synced"] == total
