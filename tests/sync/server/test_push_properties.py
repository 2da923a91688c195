"""Stateful property test of push: several laptops editing the same records offline,
pushing in any order, resending old changes, pulling now and then.

Invariants checked after every step:
* a change id produces at most one stored version, and a resend returns the very result
  the first send got, writing nothing;
* no edit is lost without a conflict holding it: every field a push changed is, at the
  version the server answered with, either the pushed value or listed in a conflict with
  that value;
* every record's versions run 1..n without gaps, and pulls return the latest of each.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from tempfile import mkdtemp

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from sync.protocol import ChangeStatus, PushRequest, Role
from sync.server.access import Principal
from tests.sync.server import records as r
from tests.sync.server.harness import Harness

FIELDS = {
    "town": ["Banbury", "Bicester", "Witney"],
    "venue": ["Hall", "Library", None],
    "name": ["Café", "Carers' circle"],
}
DEVICES = 3


class PushMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.harness = Harness(Path(mkdtemp(prefix="push-props-")))
        self.service = self.harness.app.state.services.push
        self.puller = self.harness.app.state.services.pull
        self.principal = Principal("admin", Role.ADMIN, None, "device")
        # Per laptop: record id -> (server version it is based on, its local payload).
        self.local: list[dict[str, tuple[int | None, dict]]] = [{} for _ in range(DEVICES)]
        self.sent: list[tuple[dict, dict]] = []  # (change, first result)
        self.records: list[str] = []

    def teardown(self) -> None:
        if hasattr(self, "harness"):
            self.harness.close()

    def _push(self, change: dict) -> dict:
        request = PushRequest.model_validate({"changes": [change]})
        result = self.service.push(self.principal, request).results[0].model_dump(mode="json")
        self._check_not_lost(change, result)
        return result

    def _stored(self, record_id: str, version: int) -> dict | None:
        with self.harness.store.transaction() as tx:
            return tx.version_payload(record_id, version)

    def _check_not_lost(self, change: dict, result: dict) -> None:
        assert result["status"] in (ChangeStatus.APPLIED, ChangeStatus.CONFLICT), result
        stored = self._stored(change["record_id"], result["server_version"]) or {}
        conflicted = {c["field"]: c["client"] for c in result["conflicts"]}
        base = (
            self._stored(change["record_id"], change["base_version"])
            if change["base_version"]
            else {}
        ) or {}
        for field, value in change["payload"].items():
            if base.get(field) != value and stored.get(field) != value:
                assert conflicted.get(field) == value, (field, value, result)

    @rule(device=st.integers(0, DEVICES - 1))
    def create(self, device: int) -> None:
        group = r.group("fay")
        change = r.change(group)
        result = self._push(change)
        assert result["server_version"] == 1
        self.sent.append((change, result))
        self.records.append(group.id)
        self.local[device][group.id] = (1, change["payload"])

    @precondition(lambda self: self.records)
    @rule(device=st.integers(0, DEVICES - 1), data=st.data(), field=st.sampled_from(sorted(FIELDS)))
    def edit(self, device: int, data: st.DataObject, field: str) -> None:
        record_id = data.draw(st.sampled_from(self.records))
        if record_id not in self.local[device]:
            return  # this laptop has not pulled it yet
        base, payload = self.local[device][record_id]
        value = data.draw(st.sampled_from(FIELDS[field]))
        edited = dict(payload)
        if value is None:
            edited.pop(field, None)
        else:
            edited[field] = value
        decoded = r.decode("group", {**edited, "id": record_id})
        change = r.change(decoded, base_version=base)
        result = self._push(change)
        self.sent.append((change, result))
        # The laptop now holds its own edit on top of its base (what F's engine does).
        self.local[device][record_id] = (base, change["payload"])

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def resend(self, data: st.DataObject) -> None:
        change, first = data.draw(st.sampled_from(self.sent))
        request = PushRequest.model_validate({"changes": [change]})
        again = self.service.push(self.principal, request).results[0].model_dump(mode="json")
        assert again["replayed"] is True
        assert {**again, "replayed": False} == {**first, "replayed": False}

    @rule(device=st.integers(0, DEVICES - 1))
    def pull(self, device: int) -> None:
        since, seen = "", {}
        while True:
            page = self.puller.pull(self.principal, since, 7)
            for record in page.records:
                seen[record.record_id] = (record.server_version, record.payload)
            since = page.next_cursor
            if not page.more:
                break
        with self.harness.store.transaction() as tx:
            for record_id, (version, payload) in seen.items():
                current = tx.get_record(record_id)
                assert current is not None and current.version == version
                assert current.payload == payload
        self.local[device] = dict(seen)

    @invariant()
    def one_version_per_change_and_no_gaps(self) -> None:
        if not hasattr(self, "harness"):
            return
        with self.harness.store.transaction() as tx:
            for record_id in self.records:
                versions = tx.versions(record_id)
                assert [v.version for v in versions] == list(range(1, len(versions) + 1))
                per_change = Counter(v.change_id for v in versions if v.change_id)
                assert max(per_change.values(), default=0) <= 1


PushMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_push_keeps_every_edit_or_a_conflict_holding_it = PushMachine.TestCase
