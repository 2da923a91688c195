"""The sync engine: push the outbox, then pull what changed, then report.

Order and durability, which the tests check with real vaults and a real server:

1. **Push before pull**, so the server merges our edits against what we based them on
   before we overwrite our view with its newer versions.
2. The outbox drains in batches, safeguarding concerns first (the vault orders it). Each
   batch is marked *sending* before it leaves; if the answer is lost, the next push
   resends the same change ids and the server returns its stored results (idempotent).
3. Each result is settled in the vault on its own: applied → acknowledged, conflict →
   kept with both values for a person, rejected → held with its reason. One bad record
   never blocks the rest.
4. Pull pages since the saved cursor; the cursor is saved after each page is applied, so
   an interrupted pull resumes at the page it stopped on.
5. A revoked device wipes its vault immediately (see :mod:`sync.client.wipe`).
6. The vault hands out only outbox changes that are authentic: one whose row, record or
   neighbours in the file were altered outside Carer Desk is *held back* — kept, never
   sent — and every sync reports it (``SyncSummary.held_back``), so an edited vault file
   never changes the server.
7. **After a restore** of the server's database from a backup (its *generation* changed:
   asked before every push), the laptop lists what it holds, queues again what the server
   lacks or holds older, and pulls from the beginning (:meth:`SyncEngine.follow_restore`,
   storage.vault.restores); the server merges what comes again like any edit.
8. A laptop that only sends (``receives=False``: the 24-hour line's, whose role holds no
   records and whose pulls the server refuses) pushes and stops there: no pull, no payment
   rules. What it sent and the server acknowledged is dropped from the vault at the start
   of its next sync, so it keeps only what the office does not hold yet.
"""

from __future__ import annotations

import gc
import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from carer_desk.errors import NotFoundError, ValidationError
from carer_desk.ports import HeldBackChange, OutboxChange, RulesInForceStore, SyncState
from carer_desk.rules.payment_rules import PaymentRules, RulesInForce
from carer_desk.sync_status import ProgressCallback, SyncPhase, SyncProgress
from sync.client.backoff import Backoff
from sync.client.errors import (
    DeviceRevoked,
    ProtocolMismatch,
    ServerRefused,
    ServerUnreachable,
)
from sync.client.transport import RevokedSignal
from sync.client.vault_port import SyncVault
from sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_BATCH_CHANGES,
    MAX_VERSION_IDS,
    Change,
    ChangeResult,
    ChangeStatus,
    Op,
    PulledRecord,
    PullResponse,
    PushRequest,
    PushResponse,
    VersionsRequest,
)

log = logging.getLogger(__name__)

DEFAULT_BATCH = 500  # a day's work in one request; at most MAX_BATCH_CHANGES
DEFAULT_PAGE = 1000  # records per pull page: one vault transaction each
_READ_AHEAD = 4  # batches read from the outbox at a time
# Statuses that refuse a batch for its content (malformed, invalid, too large): the batch
# is split to find the culprit. Authentication and revocation answers are not.
_BATCH_REFUSALS = frozenset({400, 413, 422})


class Transport(Protocol):
    def push(self, request: PushRequest) -> PushResponse: ...

    def pull(self, since: str, limit: int = DEFAULT_PULL_LIMIT) -> PullResponse: ...


#: While a push or a pull runs, the cycle collector waits for this many new containers
#: (the default is 700): a batch of 500 changes makes some hundred thousand of them, none
#: in a cycle, and each young collection also counted towards the full ones that walk
#: the whole vault's worth of objects; that was a tenth of the laptop's share of a push.
#: Reference counting frees everything as usual, and the setting is put back after.
YOUNG_COLLECTION_THRESHOLD = 10_000


class _FewerCollections:
    """Raises the collector's first threshold while any push or pull runs (they may
    overlap: the window's sync and the line's, or a pull and an automatic push)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._saved: tuple[int, int, int] | None = None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                saved = gc.get_threshold()
                self._saved = saved
                if 0 < saved[0] < YOUNG_COLLECTION_THRESHOLD:
                    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, saved[1], saved[2])
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._saved is not None:
                    gc.set_threshold(*self._saved)
                    self._saved = None


_fewer_collections = _FewerCollections()


@dataclass(frozen=True)
class RejectedChange:
    record_id: str
    kind: str
    reason: str


@dataclass(frozen=True)
class ConflictNote:
    record_id: str
    kind: str
    fields: tuple[str, ...]
    conflict_id: str | None


@dataclass(frozen=True)
class PushOutcome:
    pushed: int = 0  # applied (first time or replayed)
    replayed: int = 0  # of which the server had already applied before
    batches: int = 0
    conflicts: tuple[ConflictNote, ...] = ()
    rejected: tuple[RejectedChange, ...] = ()
    unanswered: int = 0  # sent but missing from the answer; resent next time
    held_back: tuple[HeldBackChange, ...] = ()  # failed the vault's integrity check


@dataclass
class _PushTally:
    pushed: int = 0
    replayed: int = 0
    batches: int = 0
    answered: int = 0
    unanswered: int = 0
    conflicts: list[ConflictNote] = field(default_factory=list)
    rejected: list[RejectedChange] = field(default_factory=list)
    held_back: tuple[HeldBackChange, ...] = ()

    def outcome(self) -> PushOutcome:
        return PushOutcome(
            self.pushed,
            self.replayed,
            self.batches,
            tuple(self.conflicts),
            tuple(self.rejected),
            self.unanswered,
            self.held_back,
        )


@dataclass(frozen=True)
class _Answer:
    """The server's answer to changes sent together, or its refusal of one change."""

    sent: Sequence[OutboxChange]
    response: PushResponse | None
    refusal: str | None = None


#: Records in these states wait to be sent.
_WAITING = (SyncState.NEW, SyncState.CHANGED, SyncState.SENDING)


@dataclass(frozen=True)
class SyncSummary:
    started_at: datetime
    finished_at: datetime
    pushed: int
    replayed: int
    pulled: int
    pages: int
    batches: int
    conflicts: tuple[ConflictNote, ...]
    rejected: tuple[RejectedChange, ...]
    unanswered: int
    states: dict[str, int] = field(default_factory=dict)
    held_back: tuple[HeldBackChange, ...] = ()
    received: bool = True  # False: a laptop that only sends; nothing was asked for
    forgotten: int = 0  # copies dropped of what the server already held (sends only)
    sent_again: int = 0  # queued again because the server was restored from a backup

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def lines(self) -> list[str]:
        """What ``carer-desk sync`` prints: counts, then each problem with its reason.

        Record ids only, never contents: the summary may be pasted into a support ticket.
        """
        out = [
            f"pushed: {self.pushed}"
            + (f" ({self.replayed} already on the server)" if self.replayed else ""),
            f"pulled: {self.pulled}"
            if self.received
            else "pulled: nothing (this laptop only sends what it records)",
            f"conflicts: {len(self.conflicts)}",
            f"rejected: {len(self.rejected)}",
        ]
        if self.sent_again:
            out.append(
                f"  the server was restored from a backup: {self.sent_again} record(s) it "
                "lacked were sent again"
            )
        for c in self.conflicts:
            out.append(
                f"  conflict on {c.kind} {c.record_id}: fields {', '.join(c.fields)} "
                "changed on both sides; open the record to choose which to keep"
            )
        for r in self.rejected:
            out.append(f"  rejected {r.kind} {r.record_id}: {r.reason}")
        if self.unanswered:
            out.append(f"  {self.unanswered} change(s) got no answer and will be resent")
        if self.held_back:
            out.append(held_back_sentence(len(self.held_back)))
            for h in self.held_back:
                out.append(f"  held back {h.kind} {h.record_id}: {h.reason}")
        if self.states:
            waiting = ", ".join(f"{k} {v}" for k, v in sorted(self.states.items()) if v)
            out.append(f"records: {waiting}")
        return out


def held_back_sentence(count: int) -> str:
    return (
        f"held back: {count} change(s) failed the vault's integrity check (the vault file "
        "was changed outside Carer Desk) and were not sent; run `carer-desk vault check` "
        "and tell your administrator"
    )


def to_wire(change: OutboxChange) -> Change:
    return Change(
        change_id=change.change_id,
        kind=change.kind,
        record_id=change.record_id,
        op=Op(change.op),
        base_version=change.base_version,
        payload=change.payload if change.op == Op.UPSERT else None,
        priority=change.priority,
    )


def conflict_details(result: ChangeResult) -> dict[str, Any]:
    """What the vault keeps beside a conflicted record so a person can choose per field."""
    return {
        "conflict_id": result.conflict_id,
        "change_id": result.change_id,
        "server_version": result.server_version,
        "fields": [c.model_dump(mode="json") for c in result.conflicts],
    }


def _ack_version(change: OutboxChange, result: ChangeResult) -> int:
    """The server version to record for an acknowledged change.

    When the server's new version is not the one right after our base, somebody else
    wrote in between and the server *merged*: it now holds a payload we have never seen.
    Recording the merged version would make the vault ignore that very version when the
    pull brings it (it skips versions it already holds), leaving this laptop without the
    colleague's fields for good. Recording our base version instead is exact about what
    we hold — our edit on top of the base — so the pull applies the merge, and any edit
    made before that pull is merged against the right base by the server.

    The same holds when the server stored other values than ours in that very version
    (it says ``merged``: it sets some fields itself, such as who made a payment request):
    recording the version before it (0 for a new record) makes the pull bring its copy.
    """
    assert result.server_version is not None
    base = change.base_version
    if change.op == Op.UPSERT and base is not None and result.server_version != base + 1:
        return base
    if change.op == Op.UPSERT and result.merged:
        return base if base is not None else result.server_version - 1
    return result.server_version


def _takes_count(transport: Transport) -> bool:
    """Whether the transport's pull takes ``count`` (HttpTransport does; a test's may not)."""
    try:
        return "count" in inspect.signature(transport.pull).parameters
    except (TypeError, ValueError):
        return False


class SyncEngine:
    """Runs one sync at a time; safe to call from the GUI's worker and the watcher thread.

    ``on_revoked`` is called (with no arguments) when the server says this device is
    revoked; the composition root passes a function that closes and wipes the vault.
    ``progress`` is called with a :class:`SyncProgress` (phase, done, total) after each
    batch sent and each page received, from the thread running the sync; a listener
    that fails is logged and never stops the sync.
    """

    def __init__(
        self,
        vault: SyncVault,
        transport: Transport,
        *,
        batch_size: int = DEFAULT_BATCH,
        page_size: int = DEFAULT_PAGE,
        backoff: Backoff | None = None,
        on_revoked: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        progress: ProgressCallback | None = None,
        rules_store: RulesInForceStore | None = None,
        receives: bool = True,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_CHANGES:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH_CHANGES}")
        self.vault = vault
        self.transport = transport
        self.batch_size = batch_size
        self.page_size = page_size
        self.backoff = backoff or Backoff()
        self.on_revoked = on_revoked
        self.progress = progress
        self.rules_store = rules_store
        self.receives = receives
        self._sleep = sleep
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.last_summary: SyncSummary | None = None
        # Conflicts on our deletes, waiting for the pull to bring the record back.
        self._stashed: dict[str, dict[str, Any]] = {}

    def stop(self) -> None:
        """Ask a running sync to stop retrying (it finishes the request in flight)."""
        self._stop.set()

    # --- the whole round ---------------------------------------------------------------

    def sync_now(self, progress: ProgressCallback | None = None) -> SyncSummary:
        """Push, then pull. ``progress``, when given, replaces the engine's listener for
        this sync."""
        with self._lock:
            if progress is not None:
                self.progress = progress
            self._stop.clear()
            self._report(SyncPhase.CONNECTING, 0, None)
            started = datetime.now(UTC)
            forgotten = sent_again = 0
            try:
                if not self.receives:
                    # What the last sync sent, the office holds now: only a copy here.
                    forgotten = self.vault.forget_sent()
                else:
                    # Before the push: a restored server must first be sent what it lost.
                    sent_again = self.follow_restore()
                pushed = self.push()
                pulled, pages = 0, 0
                if self.receives:
                    pulled, pages = self.pull()
                    self.take_payment_rules()
            except RevokedSignal as signal:
                raise self._revoked(signal) from None
            summary = SyncSummary(
                started_at=started,
                finished_at=datetime.now(UTC),
                pushed=pushed.pushed,
                replayed=pushed.replayed,
                pulled=pulled,
                pages=pages,
                batches=pushed.batches,
                conflicts=pushed.conflicts,
                rejected=pushed.rejected,
                unanswered=pushed.unanswered,
                states=dict(self.vault.count_by_state()),
                held_back=pushed.held_back,
                received=self.receives,
                forgotten=forgotten,
                sent_again=sent_again,
            )
            self.last_summary = summary
            self._report(SyncPhase.DONE, summary.pushed, summary.pushed)
            log.info(
                "sync done: pushed %d, pulled %d, %d conflict(s), %d rejected in %.2fs",
                summary.pushed,
                summary.pulled,
                len(summary.conflicts),
                len(summary.rejected),
                summary.seconds,
            )
            return summary

    def follow_restore(self) -> int:
        """Ask which generation the server's database is in; when it is a new one (the
        database was restored from a backup), queue again what it lacks and start the pull
        from the beginning. Returns how many records were queued again.

        A laptop that never asked before keeps the generation it is told, unless it has
        synced before and the server has been restored since it was set up (then it
        follows the restore too: at worst it lists its records for nothing). A server that
        predates generations (404) is left alone; so are transports without them
        (tests' fakes)."""
        ask = getattr(self.transport, "generation", None)
        list_versions = getattr(self.transport, "versions", None)
        if ask is None or list_versions is None:
            return 0
        cursor = self.vault.sync_cursor()
        known = self.vault.server_generation()
        try:
            generation = self._retrying(lambda: ask(cursor, known)).generation
        except ServerRefused as exc:
            if exc.status == 404:
                return 0
            raise
        except ServerUnreachable:
            # The push finds out too, and keeps the work as before. Asking again at the
            # next sync is safe: the server merges an edit of a version it lost.
            return 0
        if known == generation:
            return 0
        if known is None and (not cursor or generation == "0"):
            self.vault.adopt_server_generation(generation)
            return 0
        log.warning("the server's database was restored from a backup; following it")
        held = sorted(self.vault.held_server_versions())
        there: dict[str, int] = {}
        for start in range(0, len(held), MAX_VERSION_IDS):
            request = VersionsRequest(record_ids=held[start : start + MAX_VERSION_IDS])
            answer = self._retrying(lambda request=request: list_versions(request))
            if answer.generation != generation:
                # Restored again meanwhile: the next sync starts over with the new one.
                log.warning("the server's database changed generation again; next sync")
                return 0
            there.update(answer.versions)
        sent_again = int(self.vault.follow_restored_server(there, generation))
        log.warning("%d record(s) queued again for the restored server", sent_again)
        return sent_again

    def take_payment_rules(self) -> None:
        """Keep the payment rules the server says are in force (when they changed), so
        this laptop's advice is worked out by the numbers the server approves by, offline
        too. A server that predates them, or rules that cannot be read, leave the kept
        ones in place: the server's check at approval still decides."""
        fetch = getattr(self.transport, "payment_rules", None)
        if self.rules_store is None or fetch is None:
            return
        try:
            answer = self._retrying(fetch)
            rules = PaymentRules.from_wire(answer.rules)
        except (ServerRefused, ValidationError) as exc:
            log.warning("the server's payment rules were not taken: %s", exc)
            return
        stored = self.rules_store.load_rules_in_force() or {}
        if stored.get("rules") == rules.to_wire():
            return
        server = str(getattr(self.transport, "base_url", ""))
        told = RulesInForce(rules, datetime.now(UTC), server)
        self.rules_store.save_rules_in_force(told.to_json())
        log.info("payment rules in force updated from %s", server)

    def _revoked(self, signal: RevokedSignal) -> DeviceRevoked:
        log.warning("server reports this device revoked; wiping the vault now")
        if self.on_revoked is None:
            return DeviceRevoked(wiped=False)
        self.on_revoked()
        return DeviceRevoked(wiped=True)

    def _retrying(self, fn: Callable[[], Any]) -> Any:
        return self.backoff.call(fn, sleep=self._sleep, should_stop=self._stop.is_set)

    def _report(self, phase: SyncPhase, done: int, total: int | None) -> None:
        if self.progress is None:
            return
        try:
            self.progress(SyncProgress(phase, done, total))
        except Exception as exc:  # a progress display must never break a sync
            log.warning("progress listener failed: %s", type(exc).__name__)

    def _waiting(self) -> int:
        counts = self.vault.count_by_state()
        return sum(counts.get(state, 0) for state in _WAITING)

    # --- push --------------------------------------------------------------------------

    def push(self) -> PushOutcome:
        """Drain the outbox in batches. While the server works on one batch, the vault
        settles the answer to the one before and reads the one after, so the laptop and
        the server work at the same time instead of taking turns. Batches still reach the
        server one after another, in outbox order: a change never overtakes one it may
        depend on (a carer, then a conversation for that carer)."""
        with _fewer_collections():
            return self._push()

    def _push(self) -> PushOutcome:
        tally = _PushTally()
        # A change the server left out of its answer stays in the outbox; remembering it
        # stops this round from resending it forever.
        tried: set[str] = set()
        total = self._waiting()
        self._report(SyncPhase.SENDING, 0, total)
        queue: list[OutboxChange] = []  # read and marked as being sent, not sent yet
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-network") as network:
            in_flight: tuple[list[OutboxChange], Future[list[_Answer]]] | None = None
            while True:
                busy = {c.record_id for c in in_flight[0]} if in_flight else set()
                unanswered = len(in_flight[0]) if in_flight else 0
                batch = self._next_batch(tried, busy, queue, unanswered)
                request = self._request(batch) if batch else None
                if in_flight is None:
                    if request is None:
                        break
                    in_flight = (batch, network.submit(self._send, batch, request))
                    continue
                answers = in_flight[1].result()
                # The next batch goes at once; this one's answer is settled meanwhile.
                in_flight = (batch, network.submit(self._send, batch, request)) if request else None
                for answer in answers:
                    self._settle_answer(answer, tally)
                self._report(SyncPhase.SENDING, tally.answered, max(total, tally.answered))
        # Every read above skipped what failed the integrity check; the vault kept the list.
        tally.held_back = tuple(self.vault.outbox_held_back())
        if tally.held_back:
            log.warning(
                "%d change(s) held back: they failed the vault's integrity check",
                len(tally.held_back),
            )
        return tally.outcome()

    def _next_batch(
        self, tried: set[str], busy: set[str], queue: list[OutboxChange], in_flight: int
    ) -> list[OutboxChange]:
        """The next changes to send. They are read a few batches ahead and marked as being
        sent as soon as read (so an edit made meanwhile gets a change of its own): the
        outbox lists changes until they are answered, so reading one batch at a time read
        every change twice. A change of a record whose earlier change is still on its way
        waits for the next batch; the order of the outbox (safeguarding first) is kept."""
        if len(queue) < self.batch_size:
            limit = self.batch_size * _READ_AHEAD + in_flight + len(queue)
            fresh = [c for c in self.vault.outbox_pending(limit) if c.change_id not in tried]
            if fresh:
                ids = [c.change_id for c in fresh]
                tried.update(ids)
                self.vault.outbox_mark_sending(ids)
                queue.extend(fresh)
                queue.sort(key=lambda c: (c.priority, c.seq))
        batch: list[OutboxChange] = []
        waiting: list[OutboxChange] = []
        for change in queue:
            if len(batch) < self.batch_size and change.record_id not in busy:
                batch.append(change)
            else:
                waiting.append(change)
        queue[:] = waiting
        return batch

    def _request(self, changes: Sequence[OutboxChange]) -> PushRequest:
        """The batch as a push request, encoded here when the transport can (see
        HttpTransport.encode_push), rather than on its way out."""
        request = PushRequest(changes=[to_wire(c) for c in changes])
        encode = getattr(self.transport, "encode_push", None)
        return encode(request) if encode is not None else request

    def _send(
        self, changes: Sequence[OutboxChange], request: PushRequest | None = None
    ) -> list[_Answer]:
        """Push a batch (on the network thread: no vault access here). If the server
        refuses the whole batch as malformed or too large, split it in halves until the
        one bad change is found, so it can be held back with the server's reason and
        cannot block the rest of the outbox."""
        request = request or PushRequest(changes=[to_wire(c) for c in changes])
        try:
            response: PushResponse = self._retrying(lambda: self.transport.push(request))
        except ServerRefused as exc:
            if exc.status not in _BATCH_REFUSALS:
                raise
            if len(changes) == 1:
                log.warning("server refused change %s (%d)", changes[0].change_id, exc.status)
                return [_Answer(changes, None, exc.reason)]
            half = len(changes) // 2
            return self._send(changes[:half]) + self._send(changes[half:])
        return [_Answer(changes, response)]

    def _settle_answer(self, answer: _Answer, tally: _PushTally) -> None:
        if answer.response is None:
            change = answer.sent[0]
            reason = answer.refusal or "refused by the server (no reason given)"
            self.vault.outbox_reject(change.change_id, reason)
            tally.rejected.append(RejectedChange(change.record_id, change.kind, reason))
            tally.answered += 1
            return
        results = answer.response.results
        tally.batches += 1
        answered = self._settle(answer.sent, results, tally.conflicts, tally.rejected)
        tally.answered += len(answered)
        for result in results:
            if result.status == ChangeStatus.APPLIED:
                tally.pushed += 1
                tally.replayed += int(result.replayed)
        missing = len(answer.sent) - len(answered)
        if missing:
            log.warning(
                "server answered %d of %d changes; the rest will be resent",
                len(answered),
                len(answer.sent),
            )
            tally.unanswered += missing

    def _settle(
        self,
        sent: Sequence[OutboxChange],
        results: Sequence[ChangeResult],
        conflicts: list[ConflictNote],
        rejected: list[RejectedChange],
    ) -> set[str]:
        by_id = {c.change_id: c for c in sent}
        answered: set[str] = set()
        # Applied changes are acknowledged together, in one vault transaction; conflicts
        # and refusals (rare) are settled one by one after them.
        applied = [
            (r, by_id[r.change_id])
            for r in results
            if r.status == ChangeStatus.APPLIED and r.change_id in by_id
        ]
        if any(result.server_version is None for result, _ in applied):
            raise ProtocolMismatch("an applied change without a server version")
        self.vault.outbox_acknowledge_many(
            (result.change_id, _ack_version(change, result)) for result, change in applied
        )
        answered.update(result.change_id for result, _ in applied)
        for result in results:
            if result.status == ChangeStatus.APPLIED:
                continue
            change = by_id.get(result.change_id)
            if change is None:
                log.warning("server answered a change this push did not send; ignored")
                continue
            answered.add(result.change_id)
            if result.status == ChangeStatus.CONFLICT:
                # The server has stored our edit inside its conflict record (with both
                # values), so the change is delivered: take it off the outbox, then mark
                # the record so the person sees both values. The pull that follows brings
                # the server's merged version; the conflict stays marked (_own_conflict).
                if result.server_version is not None:
                    # The server's copy is not ours (it kept its value for the conflicting
                    # fields and may hold a colleague's other fields): record only the base
                    # we built on, so the pull brings the server's copy instead of
                    # skipping it as a version this laptop already holds.
                    held = change.base_version
                    self.vault.outbox_acknowledge(
                        result.change_id, held if held is not None else result.server_version
                    )
                else:
                    self.vault.outbox_reject(
                        result.change_id, "conflict: the server holds a newer version"
                    )
                try:
                    self.vault.mark_conflict(change.record_id, conflict_details(result))
                except NotFoundError:
                    # The record is not on this laptop any more: acknowledging our own
                    # delete removed it, or a colleague's delete was pulled after our edit
                    # was first sent. The server keeps the conflict for a person; the pull
                    # that brings the record back marks it (see _own_conflict).
                    self._stashed[change.record_id] = conflict_details(result)
                conflicts.append(
                    ConflictNote(
                        change.record_id,
                        change.kind,
                        tuple(c.field for c in result.conflicts),
                        result.conflict_id,
                    )
                )
            else:
                reason = result.reason or "refused by the server (no reason given)"
                self.vault.outbox_reject(result.change_id, reason)
                rejected.append(RejectedChange(change.record_id, change.kind, reason))
        return answered

    # --- pull --------------------------------------------------------------------------

    def pull(self) -> tuple[int, int]:
        """Pull every page since the saved cursor; returns (records changed here, pages).

        The next page is fetched while this one is written to the vault (each page in
        its own vault transaction, with its cursor), so the network and the disk work at
        the same time; between pages the vault is free for the person using the laptop."""
        with _fewer_collections():
            return self._pull()

    def _pull(self) -> tuple[int, int]:
        applied = pages = received = 0
        total: int | None = None
        cursor = self.vault.sync_cursor()
        self._report(SyncPhase.RECEIVING, 0, None)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-network") as network:
            ahead = network.submit(self._fetch, cursor, True)
            while True:
                page = ahead.result()
                last = not page.more or page.next_cursor == cursor
                if not last:
                    ahead = network.submit(self._fetch, page.next_cursor, False)
                applied += self._apply_page(page.records, page.next_cursor)
                pages += 1
                received += len(page.records)
                if page.remaining is not None:
                    total = received + page.remaining
                elif total is not None:
                    # Counted on the first page only: what arrived since then adds to it.
                    total = max(total, received)
                self._report(SyncPhase.RECEIVING, received, received if last else total)
                if last:
                    break
                cursor = page.next_cursor
        return applied, pages

    def _fetch(self, cursor: str, first: bool) -> PullResponse:
        """A page; the server counts what remains (for progress) on the first one only,
        where the transport lets the engine say so."""
        if first or not _takes_count(self.transport):
            return self._retrying(lambda: self.transport.pull(cursor, self.page_size))
        pull = self.transport.pull
        return self._retrying(lambda: pull(cursor, self.page_size, count=False))  # type: ignore[call-arg]

    def _apply_page(self, records: Sequence[PulledRecord], cursor: str) -> int:
        """Apply one page and save its cursor; returns how many records changed here
        (our own changes coming back, and versions already held, are not counted)."""
        kept = [self._own_conflict(r) for r in records]
        # One transaction for the page and its cursor: a crash leaves either both or
        # neither, and the page costs one disk flush instead of one per record.
        applied = self.vault.apply_remote_page(records, cursor)
        count = 0
        for r, was_applied, conflict in zip(records, applied, kept, strict=True):
            count += int(was_applied)
            if was_applied and conflict is not None:
                # A colleague's edit arrived while our conflict is still open on the
                # server: keep showing it, with the values we were shown before.
                self.vault.mark_conflict(r.record_id, conflict)
        return count

    def _own_conflict(self, r: PulledRecord) -> dict[str, Any] | None:
        """The details of a conflict this device raised that is still open on the server."""
        if r.open_conflict_id is None or r.deleted:
            return None
        stashed = self._stashed.pop(r.record_id, None)
        if stashed is not None and stashed.get("conflict_id") == r.open_conflict_id:
            return stashed
        try:
            details = self.vault.conflict_details(r.record_id)
        except NotFoundError:
            return None
        if details and details.get("conflict_id") == r.open_conflict_id:
            return details
        return None
