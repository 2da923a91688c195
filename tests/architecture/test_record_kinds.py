"""Record kinds in one table (ARCHITECTURE.md): the core, the sync client and the server
all know exactly the kinds of :data:`carer_desk.records.kinds.KIND_TABLE`, and each kind
in it works end to end. These tests fail while a kind is known to one side only: a
record class the codec stores but the server refuses, a kind string a service writes that
the table lacks, a server rule or view for a kind or view nobody declared.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from carer_desk.records import codec
from carer_desk.records.duplicates import DuplicateDecision, DuplicateOutcome
from carer_desk.records.kinds import (
    CARER_LINKED_KINDS,
    CASELOAD_KINDS,
    GROUP_KINDS,
    KIND_TABLE,
    LAPTOP_ONLY_KINDS,
    GroupRoute,
    RecordKind,
    TeamRoute,
    View,
)
from carer_desk.roles import Role
from sync import protocol
from sync.server import kind_rules, pull, pull_scope
from sync.server.validation import check_kind
from tests.sync.server import records as r
from tests.sync.server.harness import HARNESS_TODAY, Harness

ROOT = Path(__file__).resolve().parents[2]


def test_the_codec_stores_exactly_the_kinds_in_the_table() -> None:
    # ... and the kinds declared laptop-only, which the server does not take yet (their
    # table entry comes with the server's work on them; issue 9's emergency calls).
    assert not set(LAPTOP_ONLY_KINDS) & set(KIND_TABLE)
    table = {kind: spec.record_class for kind, spec in KIND_TABLE.items()}
    assert {**table, **LAPTOP_ONLY_KINDS} == codec.KINDS
    for kind, spec in KIND_TABLE.items():
        assert spec.kind == kind


def test_the_wire_protocol_speaks_the_tables_kinds_teams_and_roles() -> None:
    assert protocol.RecordKind is RecordKind
    assert protocol.ProjectionKind is View
    assert {
        kind: spec.never_auto_merge for kind, spec in KIND_TABLE.items() if spec.never_auto_merge
    } == protocol.NEVER_AUTO_MERGE
    assert protocol.Role is Role
    assert {str(t) for t in protocol.Team} == {"north", "central", "south", "city"}
    assert {str(k) for k in RecordKind} == set(KIND_TABLE)


def test_the_server_accepts_every_kind_in_the_table_and_no_other() -> None:
    for kind in KIND_TABLE:
        check_kind(kind)
    for not_a_kind in ("medication", *map(str, View)):
        with pytest.raises(Exception, match="kind"):
            check_kind(not_a_kind)


def test_server_rules_and_views_name_only_what_the_table_declares() -> None:
    for rules in (kind_rules.PAYLOAD_RULES, kind_rules.EDIT_RULES):
        assert set(rules) <= set(KIND_TABLE)
    assert set(pull.VIEW_BUILDERS) == set(View)
    for spec in KIND_TABLE.values():
        for how in spec.views.values():
            assert how.as_view is None or how.as_view in View
            assert how.with_carer is None or how.with_carer in View


def test_every_kind_is_kept_and_pulled_by_someone() -> None:
    for kind, spec in KIND_TABLE.items():
        owners = (spec.in_caseload, spec.in_group)
        assert any(owners), f"{kind}: no team or group owns it, so only admins could see it"
        if spec.team_route is TeamRoute.CARER:
            assert kind in CARER_LINKED_KINDS
    facilitator = pull_scope.PullScope(facilitator="fay")
    assert facilitator.group_kinds | facilitator.in_group_kinds == GROUP_KINDS
    assert pull_scope.pull_scope_for(Role.OUTREACH_WORKER, "ann", "north").team_kinds == (
        CASELOAD_KINDS
    )


_KIND_FIRST = {"iter_kind", "_load", "_all", "records_for_carer", "RecordWrite", "from_payload"}
_STORE_METHODS = {"get", "put", "delete"}  # only on a store or vault: dicts have .get too


def _receiver(call: ast.Call) -> str:
    value = getattr(call.func, "value", None)
    return getattr(value, "attr", getattr(value, "id", "")).lower()


def _kind_strings_in(path: Path) -> set[tuple[str, int]]:
    """String constants a module passes as the kind of a record it stores or reads, and
    module constants named KIND_..."""
    found = set()
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            first = node.args[0]
            on_store = name in _STORE_METHODS and _receiver(node).endswith(("store", "vault"))
            if (name in _KIND_FIRST or on_store) and isinstance(first, ast.Constant):
                found.add((str(first.value), node.lineno))
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.startswith("KIND"):
                    found.add((str(node.value.value), node.lineno))
    return found


def test_every_kind_the_laptop_stores_is_in_the_table() -> None:
    unknown, seen = [], set()
    for package in ("carer_desk/services", "carer_desk/cli", "carer_desk/wiring", "sync"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for value, line in _kind_strings_in(path):
                seen.add(value)
                if value not in KIND_TABLE and value not in LAPTOP_ONLY_KINDS:
                    unknown.append(f"{path.relative_to(ROOT)}:{line}: {value!r}")
    assert unknown == [], "kinds used but missing from carer_desk/records/kinds.py"
    assert {"carer", "plan", "duplicate_decision"} <= seen  # the scan does find kinds


def test_the_scan_finds_a_kind_the_table_lacks(tmp_path: Path) -> None:
    module = tmp_path / "medication.py"
    module.write_text(
        "KIND_MEDICATION = 'medication'\n"
        "def save(store):\n"
        "    store.put('medication', 'm1', {})\n"
        "    return {}.get('postcode')\n"
    )
    assert {value for value, _ in _kind_strings_in(module)} == {"medication"}


def _samples() -> list[object]:
    """One record of every kind, in an order the server can route (a carer first)."""
    carer, other = r.carer(), r.carer(given="Bea")
    conversation = r.assessment(carer.id)
    plan = r.plan(carer.id)
    card = r.card(plan)
    group = r.group("admin")
    session = r.session(group.id)
    decision = DuplicateDecision(
        carer_ids=(carer.id, other.id),
        decision=DuplicateOutcome.KEEP_APART,
        decided_by="admin",
        decided_on=date(2026, 3, 1),
    )
    return [
        carer,
        other,
        conversation,
        # Submitted on the server's day (the server dates a submission itself).
        r.payment(carer.id, conversation.id, requested_on=HARNESS_TODAY),
        plan,
        card,
        r.call(card, "admin"),
        group,
        session,
        r.attendance(session.id, carer.id),
        r.member(group.id, carer.id),
        decision,
    ]


def test_a_record_of_every_kind_goes_to_the_server_and_back(tmp_path: Path) -> None:
    samples = _samples()
    assert {codec.kind_of(s) for s in samples} == set(KIND_TABLE), (
        "add a sample of the new kind to _samples() (and to tests/sync/server/records.py)"
    )
    harness = Harness(tmp_path / "server")
    try:
        admin = harness.device("admin", Role.ADMIN)
        results = admin.push(*(r.change(s) for s in samples))
        assert [x["status"] for x in results] == ["applied"] * len(samples), results
        pulled = admin.pull_all()
        for sample in samples:
            kind = codec.kind_of(sample)
            record = pulled[(kind, sample.id)]  # type: ignore[attr-defined]
            assert codec.from_payload(kind, record["payload"]) == sample
    finally:
        harness.close()


def test_routes_read_fields_every_record_of_the_kind_has() -> None:
    import dataclasses

    for kind, spec in KIND_TABLE.items():
        names = {f.name for f in dataclasses.fields(spec.record_class)}
        assert set(spec.required_fields) <= names, kind
        assert set(spec.never_auto_merge) <= names, kind
        if spec.team_route is TeamRoute.OWN_FIELD:
            assert "team" in names, kind
        if spec.group_route is GroupRoute.OWN:
            assert "facilitator" in names, kind
        if spec.team_route is TeamRoute.BOTH_CARERS:
            assert "carer_ids" in names, kind
