"""The central server as the core's ``SyncGateway``: enrolment, sync with progress,
status, conflicts and refused changes, over the sync client and one unlocked vault.

The window runs every call here on its network pool. The sync engine writes to the vault
from that thread (the vault serialises its own access); what it wrote is reported as a
:class:`Changes` in the :class:`SyncReport`, so the window's session refreshes its caches
on its own thread.
"""

from __future__ import annotations

import logging
import platform
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from carer_desk.changes import Changes, ChangeSource
from carer_desk.errors import CarerDeskError, LaptopRevoked
from carer_desk.payment_decisions import DecisionOutcome, DecisionRefused
from carer_desk.ports import SyncState
from carer_desk.roles import RECEIVES_RECORDS, SENDS, Role
from carer_desk.sync_status import (
    ConflictField,
    ConflictItem,
    ConflictListing,
    Identity,
    ProgressCallback,
    RefusedChange,
    SyncReport,
    SyncStatus,
)
from carer_desk.wiring.enrolment import (
    EMBEDDED_DEMO_SERVER,
    Enrolment,
    load_enrolment,
    save_enrolment,
)
from carer_desk.wiring.vault_handle import VaultRulesInForce
from storage.vault import Vault
from sync.client import conflicts as client_conflicts
from sync.client.addresses import check_address
from sync.client.backoff import NO_RETRY, Backoff
from sync.client.engine import SyncEngine, SyncSummary, held_back_sentence
from sync.client.errors import (
    EnrolmentRefused,
    NotEnrolled,
    ProtocolMismatch,
    ServerRefused,
    ServerUnreachable,
)
from sync.client.reachability import ReachabilityWatcher, WatchSettings
from sync.client.transport import HttpTransport, RevokedSignal
from sync.client.wipe import wipe_vault_files
from sync.protocol import Decision, EnrolRequest, PaymentDecisionRequest

log = logging.getLogger(__name__)

LAST_SYNCED_SECRET = "sync.last_synced_at"
_WAITING_STATES = (SyncState.NEW, SyncState.CHANGED, SyncState.SENDING)


def wipe_vault(vault: Vault) -> None:
    """Close the vault and securely delete its files (the revoked-device policy)."""
    path = vault.path
    vault.close()
    wipe_vault_files(path)


def check_server_address(server: str) -> str:
    """The address, or a clear refusal: https://, or plain http:// only to this laptop
    itself (sync.client.addresses)."""
    return check_address(server)


def receives_records(enrolment: Enrolment) -> bool:
    """Whether this laptop's role receives records at a sync (the 24-hour line's only
    sends the calls it records: the server refuses its pulls)."""
    try:
        role = Role(enrolment.role)
    except ValueError:
        return True  # a role this version does not know: the server decides what it sends
    return role in RECEIVES_RECORDS


def build_engine(
    vault: Vault,
    enrolment: Enrolment,
    *,
    server: str | None = None,
    client: httpx.Client | None = None,
    backoff: Backoff | None = None,
    batch_size: int | None = None,
    on_revoked: Callable[[], None] | None = None,
) -> tuple[SyncEngine, HttpTransport]:
    """An engine and its transport for this vault's enrolment. ``server`` overrides the
    enrolled address (the embedded demo office moves port at every start). Unless
    ``on_revoked`` says otherwise, a revoked laptop wipes its vault at once (the command
    line); the window passes its own, to explain first and wipe after."""
    transport = HttpTransport(server or enrolment.server, enrolment.credential, client=client)
    kwargs: dict[str, Any] = {}
    if batch_size is not None:
        kwargs["batch_size"] = batch_size
    if on_revoked is None:

        def on_revoked() -> None:
            wipe_vault(vault)

    engine = SyncEngine(
        vault,
        transport,
        backoff=backoff,
        on_revoked=on_revoked,
        rules_store=VaultRulesInForce(vault),
        receives=receives_records(enrolment),
        **kwargs,
    )
    return engine, transport


def enrol_laptop(
    vault: Vault,
    server: str,
    username: str,
    password: str,
    *,
    device_name: str | None = None,
    client: httpx.Client | None = None,
    record_server_as: str | None = None,
) -> Enrolment:
    """Log in once and keep the device credential sealed in the vault."""
    server = check_server_address(server)
    transport = HttpTransport(server, None, client=client)
    try:
        answer = transport.enrol(
            EnrolRequest(
                username=username,
                password=password,
                device_name=device_name or platform.node() or "laptop",
            )
        )
    except ServerRefused as exc:
        raise EnrolmentRefused(_refusal_words(server, exc)) from exc
    except ServerUnreachable as exc:
        raise EnrolmentRefused(
            f"No Carer Desk server answered at {server}: {_unreachable_words(exc.detail)}. "
            "Check the address (your IT officer has it) and this laptop's connection, then "
            "enrol again. This laptop is not enrolled, and nothing on it was changed."
        ) from exc
    except ProtocolMismatch as exc:
        raise EnrolmentRefused(
            f"{server} answered, but not as a Carer Desk server does: check the address "
            "(your IT officer has it). This laptop is not enrolled, and nothing on it was "
            "changed."
        ) from exc
    finally:
        transport.close()
    enrolment = Enrolment(
        server=record_server_as or server,
        device_id=answer.device_id,
        username=answer.username,
        role=str(answer.role),
        credential=answer.device_credential,
        team=str(answer.team) if answer.team else None,
    )
    save_enrolment(vault, enrolment)
    vault.audit("enrol", details={"server": enrolment.server, "device_id": answer.device_id})
    return enrolment


def _unreachable_words(detail: str) -> str:
    """What went wrong with the connection, in words instead of an exception's name."""
    if "Timeout" in detail:
        return "it did not answer in time"
    if detail.startswith("server error"):
        return f"the server had a problem of its own ({detail})"
    if "ConnectError" in detail:
        return "nothing answered at that address (a wrong address, or no network)"
    return "the connection failed"


def _refusal_words(server: str, exc: ServerRefused) -> str:
    """Why the server refused to enrol this laptop: only a refused login is the password."""
    if exc.status in (401, 403):
        return (
            f"The server refused the enrolment: {exc.reason}. Check the user name and "
            "password, or ask your administrator."
        )
    if exc.status in (404, 405):
        return (
            f"{server} answered, but it has no Carer Desk enrolment there: check the "
            "address (your IT officer has it). This laptop is not enrolled."
        )
    return (
        f"The server refused the enrolment ({exc.status}): {exc.reason}. Ask your "
        "administrator. This laptop is not enrolled."
    )


class _ObservedVault:
    """The vault as the engine sees it, noting which records a pull applied (for
    ``Changes``). Everything else passes straight through."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self.pulled: set[tuple[str, str]] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._vault, name)

    def apply_remote_page(self, records: Sequence[Any], cursor: str) -> list[bool]:
        applied = self._vault.apply_remote_page(records, cursor)
        for record, was_applied in zip(records, applied, strict=True):
            if was_applied:
                self.pulled.add((record.kind, record.record_id))
        return applied


class ServerSyncGateway:
    """``SyncGateway`` over one unlocked vault. ``server`` overrides the enrolled address
    (the embedded demo office)."""

    def __init__(
        self,
        vault: Vault,
        *,
        server: str | None = None,
        client: httpx.Client | None = None,
        watch_settings: WatchSettings | None = None,
        backoff: Backoff | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._vault = vault
        self._backoff = backoff
        self._server = server
        self._client = client
        self._watch_settings = watch_settings
        self._now = now
        self._lock = threading.Lock()
        self._engine: SyncEngine | None = None
        self._watcher: ReachabilityWatcher | None = None
        self.revoked = False

    # --- who we are --------------------------------------------------------------------

    def _enrolment(self) -> Enrolment:
        enrolment = load_enrolment(self._vault)
        if enrolment is None:
            raise NotEnrolled()
        return enrolment

    def identity(self) -> Identity | None:
        enrolment = load_enrolment(self._vault)
        return enrolment.identity() if enrolment is not None else None

    def enrol(self, server: str, username: str, password: str, device_name: str) -> Identity:
        record_as = None
        if self._server is not None:  # the demo office: its address changes every start
            record_as, server = EMBEDDED_DEMO_SERVER, self._server
        enrolment = enrol_laptop(
            self._vault,
            server,
            username,
            password,
            device_name=device_name,
            client=self._client,
            record_server_as=record_as,
        )
        return enrolment.identity()

    # --- syncing -----------------------------------------------------------------------

    def _transport(self, enrolment: Enrolment) -> HttpTransport:
        return HttpTransport(
            self._server or enrolment.server, enrolment.credential, client=self._client
        )

    def sync_now(self, progress: ProgressCallback | None = None) -> SyncReport:
        enrolment = self._enrolment()
        observed = _ObservedVault(self._vault)
        engine, transport = build_engine(
            observed,  # type: ignore[arg-type]
            enrolment,
            server=self._server,
            client=self._client,
            backoff=self._backoff,
            on_revoked=self._on_revoked,
        )
        with self._lock:
            self._engine = engine
        try:
            # The engine reports each phase, with counts (connecting, sending, receiving,
            # done), from this thread; the window relays them to its own.
            summary = engine.sync_now(progress)
        except CarerDeskError:
            if self.revoked:
                raise LaptopRevoked() from None
            raise
        finally:
            with self._lock:
                self._engine = None
            transport.close()
        finished = self._now()
        self._vault.put_secret(LAST_SYNCED_SECRET, finished.isoformat())
        return self._report(summary, observed.pulled, finished)

    def _on_revoked(self) -> None:
        # Not wiped here: the window tells the person first, then calls wipe().
        self.revoked = True

    def wipe(self) -> None:
        """Remove this laptop's vault (only after the server revoked it)."""
        if not self.revoked:
            raise CarerDeskError("Only a laptop the server has revoked is wiped.")
        self.stop()
        wipe_vault(self._vault)

    def _report(
        self, summary: SyncSummary, pulled: set[tuple[str, str]], finished: datetime
    ) -> SyncReport:
        sends = None
        if not summary.received:
            identity = self.identity()
            words = SENDS.get(identity.role) if identity is not None else None
            sends = words or ("change", "changes")
        return SyncReport(
            sends_only=sends,
            pushed=summary.pushed,
            pulled=summary.pulled,
            conflicts=len(summary.conflicts),
            refused=tuple(
                self._describe_refused(r.record_id, r.kind, r.reason, "") for r in summary.rejected
            ),
            finished_at=finished,
            changes=Changes.of(pulled, source=ChangeSource.PULL, sync_states=True),
            notes=(
                *(
                    (f"{summary.unanswered} change(s) got no answer and will be sent again",)
                    if summary.unanswered
                    else ()
                ),
                *((held_back_sentence(len(summary.held_back)),) if summary.held_back else ()),
            ),
        )

    def status(self) -> SyncStatus:
        counts = self._vault.count_by_state()
        raw = self._vault.get_secret(LAST_SYNCED_SECRET)
        last = None
        if raw:
            try:
                last = datetime.fromisoformat(raw)
            except ValueError:
                last = None
        return SyncStatus(
            waiting=sum(counts.get(s, 0) for s in _WAITING_STATES),
            conflicts=counts.get(SyncState.CONFLICT, 0),
            refused=counts.get(SyncState.REJECTED, 0),
            last_synced_at=last,
            enrolled=load_enrolment(self._vault) is not None,
        )

    def reachable(self) -> bool:
        enrolment = load_enrolment(self._vault)
        if enrolment is None:
            return False
        transport = self._transport(enrolment)
        try:
            return transport.reachable()
        finally:
            transport.close()

    def watch(self, on_reachable: Callable[[], None], on_change: Callable[[bool], None]) -> None:
        """Probe the server in the background; ``on_reachable`` when it comes back (and at
        start when it answers), ``on_change`` whenever reachability flips. Both run on the
        watcher's thread."""
        if self._watcher is not None or load_enrolment(self._vault) is None:
            return
        self._watcher = ReachabilityWatcher(
            self.reachable, on_reachable, self._watch_settings, on_change=on_change
        )
        self._watcher.start()

    def poke(self) -> None:
        """Probe now (a sync just failed, or the network changed)."""
        if self._watcher is not None:
            self._watcher.mark_unreachable()

    def stop(self) -> None:
        with self._lock:
            engine = self._engine
        if engine is not None:
            engine.stop()
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    # --- decisions made on the server ---------------------------------------------------

    def decide_payment(
        self,
        payment_id: str,
        *,
        approve: bool,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> DecisionOutcome:
        enrolment = self._enrolment()
        transport = self._transport(enrolment)
        body = PaymentDecisionRequest(
            decision=Decision.APPROVE if approve else Decision.DECLINE,
            reason=reason,
            expected_version=expected_version,
        )
        try:
            answer = transport.decide_payment(payment_id, body)
        except ServerRefused as exc:
            # The server's sentence is the reason (cap, budget, assessment, decided).
            raise DecisionRefused(exc.reason) from None
        except RevokedSignal:
            self.revoked = True
            raise LaptopRevoked() from None
        finally:
            transport.close()
        try:
            report: SyncReport | None = self.sync_now()
        except CarerDeskError as exc:
            if isinstance(exc, LaptopRevoked):
                raise
            log.info("decision made; the sync after it did not finish (%s)", type(exc).__name__)
            report = None
        return DecisionOutcome(
            payment_id=answer.payment_id,
            status=answer.status,
            message=answer.message,
            remaining_pence=answer.remaining_pence,
            budget_remaining_pence=answer.budget_remaining_pence,
            report=report,
        )

    # --- what waits for a person -------------------------------------------------------

    def conflicts(self) -> ConflictListing:
        enrolment = load_enrolment(self._vault)
        transport = self._transport(enrolment) if enrolment is not None else None
        try:
            listing = client_conflicts.list_conflicts(self._vault, transport)
        finally:
            if transport is not None:
                transport.close()
        return ConflictListing(
            items=tuple(_item(e) for e in listing.entries),
            offline=listing.offline,
            resolved_elsewhere=tuple(e.record_id for e in listing.settled_elsewhere),
        )

    def resolve(self, record_id: str, choices: Mapping[str, str]) -> SyncReport:
        enrolment = self._enrolment()
        observed = _ObservedVault(self._vault)
        # One try, no backoff: a person is waiting on the screen.
        engine, transport = build_engine(
            observed,  # type: ignore[arg-type]
            enrolment,
            server=self._server,
            client=self._client,
            backoff=NO_RETRY,
            on_revoked=self._on_revoked,
        )
        try:
            client_conflicts.resolve(
                observed,
                transport,
                engine,
                record_id,
                keep=[f"{name}={side}" for name, side in choices.items()],
            )
            summary = engine.last_summary
        finally:
            transport.close()
        finished = self._now()
        pulled = observed.pulled | {(self._kind_of(record_id), record_id)}
        if summary is None:
            return SyncReport(0, 0, 0, (), finished, Changes.of(pulled, source=ChangeSource.PULL))
        return self._report(summary, pulled, finished)

    def _kind_of(self, record_id: str) -> str:
        try:
            return self._vault.meta(record_id).kind
        except CarerDeskError:
            return "carer"

    def refused(self) -> list[RefusedChange]:
        return [
            self._describe_refused(c.record_id, c.kind, reason, c.change_id)
            for c, reason in self._vault.rejected_changes()
        ]

    def _describe_refused(
        self, record_id: str, kind: str, reason: str, change_id: str
    ) -> RefusedChange:
        return RefusedChange(
            change_id=change_id,
            record_id=record_id,
            kind=kind,
            reason=reason,
            description=client_conflicts.describe_record(self._vault, kind, record_id),
        )


def _item(entry: client_conflicts.ConflictEntry) -> ConflictItem:
    return ConflictItem(
        record_id=entry.record_id,
        kind=entry.kind,
        description=entry.description,
        fields=tuple(
            ConflictField(
                field=f.field,
                mine=f.mine,
                theirs=f.theirs,
                mine_text=client_conflicts.describe_value(f.mine, f.field),
                theirs_text=client_conflicts.describe_value(f.theirs, f.field),
                parts=f.parts,
            )
            for f in entry.fields
        ),
        raised_by=entry.raised_by,
        raised_at=entry.raised_at,
        raised_here=entry.raised_here,
    )
