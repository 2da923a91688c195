"""The HTTP API (FastAPI): routes, device authentication, errors as one-line JSON.

``create_app(settings)`` opens (and migrates) the store and the key file and returns the
ASGI app that uvicorn serves. The OpenAPI description is at ``/openapi.json`` (browsable
at ``/docs``); docs/api.md points there.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from carer_desk.config import ConfigError
from carer_desk.errors import CarerDeskError
from sync.protocol import (
    API_PREFIX,
    API_VERSION,
    DEFAULT_PULL_LIMIT,
    GZIP_MINIMUM_BYTES,
    MAX_PULL_LIMIT,
    CardLookupResponse,
    ConflictList,
    EnrolRequest,
    EnrolResponse,
    ErrorBody,
    GenerationResponse,
    PaymentDecisionRequest,
    PaymentDecisionResponse,
    PaymentRulesResponse,
    PullResponse,
    PushRequest,
    PushResponse,
    ResolveConflictRequest,
    ResolveConflictResponse,
    Role,
    Team,
    VersionsRequest,
    VersionsResponse,
    WhoAmIResponse,
)
from sync.server.access import Principal
from sync.server.access_log import AccessLog
from sync.server.accounts import Accounts, account_routes
from sync.server.admin.routes import router as admin_router
from sync.server.body_limits import RequestBodyLimits
from sync.server.cards import CardLookup
from sync.server.conflict_resolution import ConflictDesk
from sync.server.data_protection.routes import router as subject_access_router
from sync.server.enrolment import Enrolment
from sync.server.errors import DeviceRevoked, ServerError
from sync.server.json_requests import JsonRoute
from sync.server.payment_life_cycle import PaymentPolicy
from sync.server.payment_redating import redate_payment_steps
from sync.server.payments import PaymentDecisions, service_today
from sync.server.pull import PullService
from sync.server.push import PushPipeline
from sync.server.reports.desk import ReportDesk
from sync.server.reports.facts import ensure_current as ensure_report_facts
from sync.server.reports.routes import router as report_router
from sync.server.restore import Generations, MarkerKeeper
from sync.server.run_lock import ServingLocks
from sync.server.secrets_hashing import password_hasher
from sync.server.settings import ServerSettings
from sync.server.settings_file import load_settings_file
from sync.server.store import open_store

log = logging.getLogger(__name__)

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Malformed request"),
        (401, "Missing or unknown device credential"),
        (403, "Not allowed, or the device is revoked (wipe is true)"),
        (404, "Not found"),
        (409, "Refused by a rule"),
        (413, "Body too large"),
        (415, "Unsupported content encoding"),
        (422, "A field is missing or has the wrong type"),
        (429, "Too many wrong passwords, or card look-ups, for this account; wait"),
    )
}

_bearer = HTTPBearer(auto_error=False, description="The device credential from enrolment.")


def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    header = f"Bearer {credentials.credentials}" if credentials else None
    services: Services = request.app.state.services
    services.refresh_settings()
    return services.enrolment.authenticate(header)


Who = Annotated[Principal, Depends(_principal)]


def _file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Services:
    """Everything a request handler needs, built once per app."""

    def __init__(self, settings: ServerSettings, today: Callable[[], date] = service_today):
        self.settings = settings
        self.store = open_store(
            settings.database_url, settings.key_file, pool=settings.database_pool
        )
        try:
            # Held while this process serves (on this host and, on PostgreSQL, across
            # hosts), so rotate-key cannot run underneath it.
            self.run_lock = ServingLocks(settings.data_dir, settings.database_url)
        except BaseException:
            self.store.close()
            raise
        self.keyring = self.store.keyring
        # Report columns for records stored before this server version (issue 11).
        ensure_report_facts(self.store)
        # Payment requests stored before the server dated their steps (migration 0007).
        redate_payment_steps(self.store)
        hasher = password_hasher(settings.password_cost)
        self.enrolment = Enrolment(self.store, hasher)
        self.accounts = Accounts(self.store, hasher)
        self.pull = PullService(self.store)
        self.generations = Generations(self.store)
        # The data directory's marker follows every write (sync.server.restore).
        self.store.commit_listeners.append(MarkerKeeper(settings.data_dir))
        self._today = today
        self._settings_lock = threading.Lock()
        self._settings_seen = _file_signature(settings.settings_file)
        self._use(settings)

    def _use(self, settings: ServerSettings) -> None:
        """Build what decides by the settings file's rules. Each attribute is replaced
        whole, so a request already running finishes by the rules it started with."""
        today = self._today
        self.settings = settings
        # What /v1/health tells anyone who asks, worked out once per settings in force.
        self.settings_fingerprint = settings.fingerprint()
        self.payment_policy = PaymentPolicy(
            settings.payments, today, settings.payment_date_allowance_days
        )
        line = settings.emergency_line
        self.push = PushPipeline(self.store, payments=self.payment_policy, line=line)
        self.conflicts = ConflictDesk(self.store, payments=self.payment_policy, line=line)
        self.payments = PaymentDecisions(self.store, settings.payments, today)
        self.cards = CardLookup(
            self.store,
            settings.emergency_line,
            settings.card_lookups,
            today,
            card_number_length=settings.payments.card_number_length,
        )
        self.reports = ReportDesk(
            self.store, today, budget_for=settings.payments.payments.budget_for
        )

    def today(self) -> date:
        return self._today()

    def refresh_settings(self, *, force: bool = False) -> None:
        """Take up a settings file changed by the admin API (in this process or another
        worker on this host) or by the command line: one ``stat`` per request."""
        seen = _file_signature(self.settings.settings_file)
        if not force and seen == self._settings_seen:
            return
        with self._settings_lock:
            if not force and seen == self._settings_seen:
                return
            self._settings_seen = seen
            try:
                fresh = replace(self.settings, **load_settings_file(self.settings.settings_file))
            except ConfigError as exc:
                # A hand edit gone wrong: keep serving by the rules in force; a restart
                # would refuse the file with the same message.
                log.error("settings file not taken up, the old rules stay: %s", exc)
                return
            self._use(fresh)
            log.info("settings file %s taken up", self.settings.settings_file)

    def close(self) -> None:
        self.store.close()
        self.run_lock.close()


def freeze_start_up() -> None:
    """Called once a serving process has built its app: what start-up made (the app,
    the models, the libraries' tables: over a hundred thousand objects) lives as long as
    the process, so the garbage collector is told to stop scanning it; and it looks for
    cycles less often (the server makes few). A push batch or a pull page allocates a
    hundred thousand objects, which set off dozens of collections with the defaults, some
    of them walking everything."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def _serialised(model: BaseModel) -> Response:
    """The answer as JSON written by pydantic's own serialiser, in one pass. FastAPI's
    default (validate the model again, turn it into dicts, then the standard library's
    json) cost as much as deciding a small batch. The route's ``response_model`` still
    documents the shape."""
    return Response(content=model.model_dump_json(), media_type="application/json")


def _error(status: int, detail: str, *, wipe: bool = False) -> JSONResponse:
    return JSONResponse(ErrorBody(detail=detail, wipe=wipe).model_dump(), status_code=status)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    more = len(exc.errors()) - 5
    if more > 0:
        parts.append(f"and {more} more")
    return "The request is not valid: " + "; ".join(parts) + "."


def create_app(settings: ServerSettings, *, today: Callable[[], date] = service_today) -> FastAPI:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = Services(settings, today)
    app = FastAPI(
        title="Carer Desk sync server",
        version=API_VERSION,
        description=(
            "Central server for Carer Desk laptops: device enrolment, idempotent push with "
            "field-level merge, paged pull, conflict resolution, wellbeing-payment "
            "decisions and the 24-hour line's card look-up. Every call but enrol and health "
            "authenticates with the device credential as a Bearer token."
        ),
    )
    app.router.route_class = JsonRoute  # bodies parsed with orjson (json_requests)
    app.state.services = services
    # Level 6, as the laptops use for their pushes: nearly all of level 9's saving on
    # JSON at half its cost, which on a page of a thousand records was a fifth of a pull.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=6)
    app.add_middleware(RequestBodyLimits, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLog)

    @app.exception_handler(ServerError)
    async def _server_error(_: Request, exc: ServerError) -> JSONResponse:
        return _error(exc.status_code, str(exc), wipe=isinstance(exc, DeviceRevoked))

    @app.exception_handler(CarerDeskError)
    async def _domain_error(_: Request, exc: CarerDeskError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "The request was refused."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is no such address on this server; check the server URL."
        return _error(exc.status_code, detail)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error handling a request")
        return _error(500, "The server hit an unexpected error; it has been logged. Try again.")

    app.include_router(report_router, responses=_ERRORS)
    app.include_router(admin_router, responses=_ERRORS)
    app.include_router(subject_access_router, responses=_ERRORS)

    @app.get(f"{API_PREFIX}/health", tags=["status"])
    def health() -> dict[str, str]:
        """Liveness probe for the reverse proxy and monitoring (no credential), with the
        fingerprint of the settings in force (``settings check`` compares hosts by it)."""
        services.refresh_settings()
        return {
            "status": "ok",
            "api_version": API_VERSION,
            "settings_fingerprint": services.settings_fingerprint,
        }

    @app.post(
        f"{API_PREFIX}/enrol", response_model=EnrolResponse, responses=_ERRORS, tags=["devices"]
    )
    def enrol(body: EnrolRequest) -> EnrolResponse:
        """Log in once from a laptop; returns the device credential (shown only once)."""
        return services.enrolment.enrol(body)

    @app.get(f"{API_PREFIX}/me", response_model=WhoAmIResponse, responses=_ERRORS, tags=["devices"])
    def me(who: Who) -> WhoAmIResponse:
        device = services.store.get_device(who.device_id)
        assert device is not None
        return WhoAmIResponse(
            device_id=who.device_id,
            device_name=device.name,
            username=who.username,
            role=Role(who.role),
            team=Team(who.team) if who.team else None,
        )

    @app.post(f"{API_PREFIX}/push", response_model=PushResponse, responses=_ERRORS, tags=["sync"])
    def push(body: PushRequest, who: Who) -> Response:
        """Apply a batch of outbox changes; each gets applied, conflict or rejected."""
        return _serialised(services.push.push(who, body))

    @app.get(
        f"{API_PREFIX}/changes",
        response_model=PullResponse,
        responses=_ERRORS,
        tags=["sync"],
    )
    def changes(
        who: Who,
        since: Annotated[str, Query(max_length=200)] = "",
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
        count: Annotated[bool, Query(description="also say how many records remain")] = False,
    ) -> Response:
        """One page of records this user may see, changed since the cursor."""
        page = services.pull.pull_json(who, since, limit, count=count)
        return Response(content=page, media_type="application/json")

    @app.get(
        f"{API_PREFIX}/generation",
        response_model=GenerationResponse,
        responses=_ERRORS,
        tags=["sync"],
    )
    def generation(
        who: Who,
        since: Annotated[str, Query(max_length=200)] = "",
        known: Annotated[str, Query(max_length=32, pattern=r"^[0-9]*$")] = "",
    ) -> GenerationResponse:
        """Which life of the database this is (it changes when it is restored from a
        backup); ``since`` is the laptop's pull cursor, ``known`` the generation it knows."""
        return services.generations.generation(who, since, known or None)

    @app.post(
        f"{API_PREFIX}/versions", response_model=VersionsResponse, responses=_ERRORS, tags=["sync"]
    )
    def versions(body: VersionsRequest, who: Who) -> VersionsResponse:
        """The versions the server holds of these records (after a restore)."""
        return services.generations.versions(who, body)

    @app.get(
        f"{API_PREFIX}/conflicts", response_model=ConflictList, responses=_ERRORS, tags=["sync"]
    )
    def conflicts(who: Who) -> ConflictList:
        """Open conflicts on records this user may change."""
        return services.conflicts.list_conflicts(who)

    @app.post(
        f"{API_PREFIX}/conflicts/{{conflict_id}}/resolve",
        response_model=ResolveConflictResponse,
        responses=_ERRORS,
        tags=["sync"],
    )
    def resolve(
        conflict_id: str, body: ResolveConflictRequest, who: Who
    ) -> ResolveConflictResponse:
        """Choose, per conflicting field, the server's or the client's value."""
        return services.conflicts.resolve(who, conflict_id, body)

    @app.post(
        f"{API_PREFIX}/payments/{{payment_id}}/decision",
        response_model=PaymentDecisionResponse,
        responses=_ERRORS,
        tags=["payments"],
    )
    def decide(payment_id: str, body: PaymentDecisionRequest, who: Who) -> PaymentDecisionResponse:
        """Approve or decline a submitted wellbeing payment (payments approvers only);
        the 12-month cap, a recent assessment and the annual budget are enforced here."""
        return services.payments.decide(who, payment_id, body)

    @app.get(
        f"{API_PREFIX}/payment-rules",
        response_model=PaymentRulesResponse,
        responses=_ERRORS,
        tags=["payments"],
    )
    def payment_rules(who: Who) -> PaymentRulesResponse:
        """The payment rules in force (the server's settings file): laptops fetch them at
        every sync and decide by them, so their advice matches the server's decisions."""
        return PaymentRulesResponse(rules=services.settings.payments.to_wire())

    @app.get(
        f"{API_PREFIX}/cards/{{number}}",
        response_model=CardLookupResponse,
        responses=_ERRORS,
        tags=["emergency line"],
    )
    def card(number: str, who: Who) -> CardLookupResponse:
        """Look a card up by its number (check digit validated): what the line may read
        out, by the same rules as the laptop. Every look-up is audited; look-ups are
        limited per device and per user (429), and repeated misses raise an alert."""
        return services.cards.look_up(who, number)

    app.include_router(account_routes(_principal, _ERRORS), prefix=API_PREFIX)
    return app
