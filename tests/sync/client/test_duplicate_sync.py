"""A carer registered twice on two laptops: flagged after sync, merged (or kept apart) on
one laptop, and the decision reaches the other with every record of both carers."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from carer_desk.cli.sync_command import run_sync
from carer_desk.config import Settings
from carer_desk.records.codec import kind_of, to_payload
from carer_desk.services.duplicates import DuplicateService
from tests.sync.server import records as r
from tests.sync.support import (
    InProcessServer,
    carer_payload,
    enrol_device,
    live_records,
    new_vault,
)

PASSWORD = "a long enough password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[InProcessServer]:
    srv = InProcessServer(tmp_path / "server")
    for user in ("ann", "bob"):
        srv.create_user(user, PASSWORD)
    yield srv
    srv.stop()


@pytest.fixture
def laptops(server: InProcessServer, tmp_path: Path) -> Iterator[tuple[object, object]]:
    a = new_vault(tmp_path / "a.sqlite", actor="ann")
    b = new_vault(tmp_path / "b.sqlite", actor="bob")
    enrol_device(server, a, "ann", PASSWORD)
    enrol_device(server, b, "bob", PASSWORD)
    yield a, b
    a.close()
    b.close()


def _sync(server: InProcessServer, vault) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    run_sync(argparse.Namespace(), vault, client=server.client, out=out)
    return out.getvalue()


def _put(vault, record) -> None:  # type: ignore[no-untyped-def]
    vault.put(kind_of(record), record.id, to_payload(record))


def _registered_twice(server: InProcessServer, a, b) -> tuple[dict, dict, str, str]:  # type: ignore[no-untyped-def]
    """Ann's laptop knows the carer with a payment request; Bob meets her offline, registers
    her again and holds a conversation. After syncing, Ann's laptop has both."""
    known = carer_payload("Ann", "Smith")
    a.put("carer", known["id"], known)
    conversation = r.assessment(known["id"])
    # Dated today: the server refuses payment dates far from its own day.
    request = r.payment(known["id"], conversation.id, 12000, requested_on=date.today())
    for record in (conversation, request):
        _put(a, record)
    _sync(server, a)
    met = carer_payload("Anne", "Smyth")
    b.put("carer", met["id"], met)
    visit = r.assessment(met["id"], completed_on=None)
    _put(b, visit)
    text = _sync(server, b)
    assert "possible duplicates: 1" in text and "merge-carers" in text
    _sync(server, a)
    return known, met, request.id, visit.id


def test_a_merge_on_one_laptop_reaches_the_other_with_every_record(
    server: InProcessServer, laptops
) -> None:  # type: ignore[no-untyped-def]
    a, b = laptops
    known, met, request_id, visit_id = _registered_twice(server, a, b)
    service = DuplicateService(a, Settings())
    assert [{d.carer_id, d.other_id} for d in service.possible_duplicates()] == [
        {known["id"], met["id"]}
    ]
    service.merge(known["id"], met["id"])
    assert "rejected: 0" in _sync(server, a)
    _sync(server, b)
    for vault in (a, b):
        assert set(live_records(vault)) == {known["id"]}
        assert live_records(vault, "conversation")[visit_id]["carer_id"] == known["id"]
        assert live_records(vault, "payment_request")[request_id]["amount_pence"] == 12000
        decision = next(iter(live_records(vault, "duplicate_decision").values()))
        assert decision["decision"] == "merged" and decision["kept_id"] == known["id"]
    assert DuplicateService(b, Settings()).possible_duplicates() == []


def test_a_pair_kept_apart_on_one_laptop_is_not_flagged_on_the_other(
    server: InProcessServer, laptops
) -> None:  # type: ignore[no-untyped-def]
    a, b = laptops
    known, met, _, _ = _registered_twice(server, a, b)
    DuplicateService(a, Settings()).keep_apart(known["id"], met["id"], "Cousins")
    _sync(server, a)
    _sync(server, b)
    assert DuplicateService(b, Settings()).possible_duplicates() == []
    assert set(live_records(b)) == {known["id"], met["id"]}
