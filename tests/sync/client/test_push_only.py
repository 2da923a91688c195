"""A laptop whose role holds no records (the 24-hour line's) only sends: its sync pushes
the calls it recorded, asks for no pull (the server would refuse it), says so in the
summary, and drops its copies once the server has them."""

from __future__ import annotations

import json
from pathlib import Path

from carer_desk.records.codec import kind_of, to_payload
from carer_desk.wiring.sync_gateway import build_engine
from sync.client.backoff import NO_RETRY
from tests.sync.server import records as r
from tests.sync.support import InProcessServer, enrol_device, new_vault

PASSWORD = "a long enough password"


def _put(vault, record) -> None:
    payload = json.loads(json.dumps(to_payload(record)))
    vault.put(kind_of(record), record.id, payload, action="create")


def test_the_line_laptop_sends_its_call_pulls_nothing_and_keeps_no_copy(tmp_path: Path):
    server = InProcessServer(tmp_path / "server")
    try:
        server.create_user("office", PASSWORD, role="admin", team=None)
        server.create_user("line", PASSWORD, role="emergency-operator", team=None)
        office = new_vault(tmp_path / "office.sqlite", actor="office")
        carer = r.carer("north")
        plan = r.plan(carer.id)
        card = r.card(plan)
        for record in (carer, plan, card):
            _put(office, record)
        engine, _ = build_engine(
            office, enrol_device(server, office, "office", PASSWORD), client=server.client
        )
        assert engine.receives and not engine.sync_now().rejected

        line = new_vault(tmp_path / "line.sqlite", actor="line")
        engine, transport = build_engine(
            line,
            enrol_device(server, line, "line", PASSWORD),
            client=server.client,
            backoff=NO_RETRY,
        )
        assert not engine.receives
        pulls: list[str] = []
        real_pull = transport.pull
        transport.pull = lambda *a, **k: pulls.append("asked") or real_pull(*a, **k)
        call = r.call(card, operator="line")
        _put(line, call)

        summary = engine.sync_now()
        assert summary.pushed == 1 and not summary.rejected and summary.pulled == 0
        assert pulls == []  # the server refuses an operator's pull: none is asked for
        assert "pulled: nothing (this laptop only sends what it records)" in summary.lines()
        with server.store.transaction() as tx:
            stored = tx.get_record(call.id)
        assert stored is not None and stored.payload["caller"] == call.caller

        again = engine.sync_now()
        assert again.forgotten == 1 and again.pushed == 0
        assert dict(line.iter_kind("emergency_call")) == {}
        # Dropped through the vault, not behind its back: its check finds nothing altered.
        assert line.check().ok
    finally:
        server.stop()
