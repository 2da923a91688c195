"""The outbox's state machine: every state × event pair of both tables, and the vault
following them on disk."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from carer_desk.errors import VaultError
from carer_desk.ports import SyncState
from storage.vault import Vault
from storage.vault.transitions import (
    CHANGE_TRANSITIONS,
    SYNC_STATE_TRANSITIONS,
    ChangeEvent,
    ChangeState,
    IllegalTransition,
    RecordEvent,
    next_change_state,
    states_allowing,
    sync_state_after,
)

from .conftest import carer

# What each change state becomes on each event, as a person would draw it; "-" is refused.
CHANGE_MATRIX = """
            send     acknowledge  reject    absorb   supersede  rebase
pending     sending  gone         rejected  pending  gone       pending
sending     sending  gone         rejected  -        sending    -
rejected    -        gone         rejected  -        gone       -
gone        -        -            -         -        -          -
"""

# The sync state a record shows after each event (one row per event, one column per state
# it was in; "not-held" is a record this vault does not hold yet).
SYNC_MATRIX = """
                          not-held new      changed  sending  synced   conflict rejected
edited-unseen             new      new      new      new      new      new      new
edited                    -        changed  changed  changed  changed  changed  changed
deleted                   -        changed  changed  changed  changed  changed  changed
all-sending               -        sending  sending  sending  sending  sending  sending
partly-acknowledged       -        changed  changed  changed  synced   conflict rejected
acknowledged              -        synced   synced   synced   synced   synced   synced
acknowledged-in-conflict  -        conflict conflict conflict conflict conflict conflict
rejected                  -        rejected rejected rejected rejected rejected rejected
conflict-found            -        conflict conflict conflict conflict conflict conflict
pulled                    synced   synced   synced   synced   synced   synced   synced
"""


def parse(matrix: str) -> dict[tuple[str, str], str | None]:
    header, *rows = [line.split() for line in matrix.strip().splitlines()]
    return {
        (row[0], event): (None if target == "-" else target)
        for row in rows
        for event, target in zip(header, row[1:], strict=True)
    }


def test_the_change_matrix_names_every_state_and_event() -> None:
    cells = parse(CHANGE_MATRIX)
    assert {s for s, _ in cells} == {s.value for s in ChangeState}
    assert {e for _, e in cells} == {e.value for e in ChangeEvent}


@pytest.mark.parametrize(
    ("state", "event"), [(s, e) for s in ChangeState for e in ChangeEvent], ids=str
)
def test_every_change_state_and_event(state: ChangeState, event: ChangeEvent) -> None:
    expected = parse(CHANGE_MATRIX)[(state.value, event.value)]
    if expected is None:
        assert (state, event) not in CHANGE_TRANSITIONS
        with pytest.raises(IllegalTransition) as info:
            next_change_state(state, event)
        assert isinstance(info.value, VaultError)  # shown to a person, never a traceback
        assert state not in states_allowing(event)
    else:
        assert next_change_state(state, event) == ChangeState(expected)
        assert state in states_allowing(event)


def test_the_sync_matrix_names_every_state_and_event() -> None:
    cells = parse(SYNC_MATRIX)
    assert {e for e, _ in cells} == {e.value for e in RecordEvent}
    assert {s for _, s in cells} == {"not-held"} | {s.value for s in SyncState}


@pytest.mark.parametrize(
    ("state", "event"), [(s, e) for s in (None, *SyncState) for e in RecordEvent], ids=str
)
def test_every_sync_state_and_event(state: SyncState | None, event: RecordEvent) -> None:
    expected = parse(SYNC_MATRIX)[(event.value, state.value if state else "not-held")]
    if expected is None:
        assert (state, event) not in SYNC_STATE_TRANSITIONS
        with pytest.raises(IllegalTransition):
            sync_state_after(state, event)
    else:
        assert sync_state_after(state, event) == SyncState(expected)


def test_the_file_stores_every_state_but_gone(vault: Vault, vault_path: Path) -> None:
    vault.put("carer", "c1", carer(1))
    change_id = one_change(vault)
    vault.close()
    conn = sqlite3.connect(str(vault_path), isolation_level=None)
    try:
        for state in ChangeState:
            update = ("UPDATE outbox SET state = ? WHERE change_id = ?", (state.value, change_id))
            if state is ChangeState.GONE:  # reaching GONE deletes the row instead
                with pytest.raises(sqlite3.IntegrityError):
                    conn.execute(*update)
            else:
                conn.execute(*update)
    finally:
        conn.close()


# ---------------------------------------------------------------- the vault follows them


def states_on_disk(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(str(path))
    try:
        return dict(conn.execute("SELECT change_id, state FROM outbox"))
    finally:
        conn.close()


def one_change(vault: Vault, record_id: str = "c1") -> str:
    (change,) = [c for c in vault.outbox_pending(100) if c.record_id == record_id]
    return change.change_id


@pytest.fixture
def in_state(vault: Vault) -> Callable[[ChangeState], str]:
    """A change of record c1 brought to a stored state through the vault's own API."""

    def bring(state: ChangeState) -> str:
        vault.put("carer", "c1", carer(1))
        change_id = one_change(vault)
        if state is ChangeState.SENDING:
            vault.outbox_mark_sending([change_id])
        elif state is ChangeState.REJECTED:
            vault.outbox_reject(change_id, "refused")
        return change_id

    return bring


STORED = [ChangeState.PENDING, ChangeState.SENDING, ChangeState.REJECTED]


@pytest.mark.parametrize("state", STORED, ids=str)
def test_sending_follows_the_table(
    vault: Vault, vault_path: Path, in_state: Callable[[ChangeState], str], state: ChangeState
) -> None:
    change_id = in_state(state)
    vault.outbox_mark_sending([change_id])
    expected = (
        next_change_state(state, ChangeEvent.SEND)
        if state in states_allowing(ChangeEvent.SEND)
        else state
    )  # a push prepared before a rejection does not resend the change
    assert states_on_disk(vault_path)[change_id] == expected.value


@pytest.mark.parametrize("state", STORED, ids=str)
def test_acknowledging_follows_the_table(
    vault: Vault, vault_path: Path, in_state: Callable[[ChangeState], str], state: ChangeState
) -> None:
    change_id = in_state(state)
    assert next_change_state(state, ChangeEvent.ACKNOWLEDGE) is ChangeState.GONE
    vault.outbox_acknowledge(change_id, 5)
    assert change_id not in states_on_disk(vault_path)
    assert vault.meta("c1").server_version == 5


@pytest.mark.parametrize("state", STORED, ids=str)
def test_rejecting_follows_the_table(
    vault: Vault, vault_path: Path, in_state: Callable[[ChangeState], str], state: ChangeState
) -> None:
    change_id = in_state(state)
    vault.outbox_reject(change_id, "refused again")
    assert states_on_disk(vault_path)[change_id] == next_change_state(state, ChangeEvent.REJECT)
    ((_change, reason),) = vault.rejected_changes()
    assert reason == "refused again"  # the newer reason is kept
    assert vault.meta("c1").sync_state == SyncState.REJECTED


@pytest.mark.parametrize("state", STORED, ids=str)
def test_a_newer_edit_absorbs_or_supersedes_as_the_table_says(
    vault: Vault, vault_path: Path, in_state: Callable[[ChangeState], str], state: ChangeState
) -> None:
    change_id = in_state(state)
    vault.put("carer", "c1", carer(1, name="newer"))
    on_disk = states_on_disk(vault_path)
    if state in states_allowing(ChangeEvent.ABSORB):
        assert on_disk == {change_id: next_change_state(state, ChangeEvent.ABSORB).value}
    else:
        target = next_change_state(state, ChangeEvent.SUPERSEDE)
        assert on_disk.get(change_id, "gone") == target.value
        (newer,) = [cid for cid in on_disk if cid != change_id]
        assert on_disk[newer] == ChangeState.PENDING.value


@pytest.mark.parametrize("state", STORED, ids=str)
def test_a_delete_supersedes_as_the_table_says(
    vault: Vault, vault_path: Path, in_state: Callable[[ChangeState], str], state: ChangeState
) -> None:
    change_id = in_state(state)
    vault.delete("carer", "c1")
    target = next_change_state(state, ChangeEvent.SUPERSEDE)
    assert states_on_disk(vault_path).get(change_id, "gone") == target.value


def test_a_pending_delete_is_superseded_not_absorbed_by_an_edit(
    vault: Vault, vault_path: Path
) -> None:
    vault.apply_remote("carer", "c1", carer(1), server_version=1)
    vault.delete("carer", "c1")
    delete_id = one_change(vault)
    vault.put("carer", "c1", carer(1, name="back again"))
    ((change_id, state),) = states_on_disk(vault_path).items()
    assert change_id != delete_id and state == ChangeState.PENDING.value
    assert vault.outbox_pending()[0].op == "upsert"


def test_an_acknowledgement_rebases_only_what_the_table_lets_move(vault: Vault) -> None:
    vault.apply_remote("carer", "c1", carer(1), server_version=1)
    vault.put("carer", "c1", carer(1, name="first"))
    first = one_change(vault)
    vault.outbox_mark_sending([first])
    vault.put("carer", "c1", carer(1, name="second"))
    second = next(c for c in vault.outbox_pending() if c.change_id != first)
    vault.outbox_mark_sending([second.change_id])  # both in flight now
    vault.put("carer", "c1", carer(1, name="third"))
    vault.outbox_acknowledge(first, 2)
    bases = {c.change_id: c.base_version for c in vault.outbox_pending()}
    assert states_allowing(ChangeEvent.REBASE) == (ChangeState.PENDING,)
    assert bases[second.change_id] == 1  # sent with base 1: it keeps it
    third = next(cid for cid in bases if cid != second.change_id)
    assert bases[third] == 2  # waiting: built on what the server now holds
    assert vault.meta("c1").sync_state == SyncState.CHANGED
