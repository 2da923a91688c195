"""HTTP transport to the central server (httpx, synchronous).

The engine speaks in protocol models; this module turns them into HTTP calls and turns
every way HTTP can fail into one of three outcomes the engine understands:

* :class:`ServerUnreachable` — no connection, connection cut, timeout, or a 5xx: retry.
* :class:`RevokedSignal` — the server says this device is revoked (``wipe``): wipe now.
* :class:`ServerRefused` — any other 4xx: retrying will not help; say why.

Request bodies are gzip-compressed (rural links are slow; JSON records shrink 5-10x), and
bytes on the wire are counted so the benchmark and the sync summary can report them.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, PrivateAttr, ValidationError

from sync.client.addresses import check_address
from sync.client.errors import ProtocolMismatch, ServerRefused, ServerUnreachable
from sync.protocol import (
    API_PREFIX,
    AUTH_HEADER,
    DEFAULT_PULL_LIMIT,
    GZIP_MINIMUM_BYTES,
    CardLookupResponse,
    Choice,
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
    VersionsRequest,
    VersionsResponse,
    WhoAmIResponse,
)

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
ENROL_PATH = f"{API_PREFIX}/enrol"
ME_PATH = f"{API_PREFIX}/me"
PUSH_PATH = f"{API_PREFIX}/push"
PULL_PATH = f"{API_PREFIX}/changes"
CONFLICTS_PATH = f"{API_PREFIX}/conflicts"
PAYMENTS_PATH = f"{API_PREFIX}/payments"
PAYMENT_RULES_PATH = f"{API_PREFIX}/payment-rules"
CARDS_PATH = f"{API_PREFIX}/cards"
GENERATION_PATH = f"{API_PREFIX}/generation"
VERSIONS_PATH = f"{API_PREFIX}/versions"


class EncodedPush(PushRequest):
    """A push request whose body is already encoded (see HttpTransport.encode_push)."""

    _body: bytes = PrivateAttr(default=b"")
    _headers: dict[str, str] = PrivateAttr(default_factory=dict)


class RevokedSignal(Exception):
    """Internal: the server told this device to wipe itself. The engine catches it,
    wipes, and raises the user-facing :class:`~sync.client.errors.DeviceRevoked`."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class WireStats:
    """Bytes actually sent and received (after compression), for the summary and bench."""

    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0

    def add(self, sent: int, received: int) -> None:
        self.requests += 1
        self.bytes_sent += sent
        self.bytes_received += received


class HttpTransport:
    """One server, one device credential. Thread-safe for sequential use from any thread
    (the reachability watcher probes from its own thread).

    The address must be ``https://``, or plain ``http://`` to this laptop itself
    (:mod:`sync.client.addresses`): refused here, before any request is made, so neither
    the enrolment password nor the credential can travel in clear."""

    def __init__(
        self,
        base_url: str,
        credential: str | None = None,
        *,
        client: httpx.Client | None = None,
        compress: bool = True,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = check_address(base_url)
        if client is not None and str(client.base_url):
            check_address(str(client.base_url))
        self._credential = credential
        self._owns_client = client is None
        self._client = client or httpx.Client(
            base_url=self.base_url, timeout=timeout, follow_redirects=False
        )
        self.compress = compress
        self.stats = WireStats()
        self._lock = threading.Lock()

    # --- calls -------------------------------------------------------------------------

    def enrol(self, request: EnrolRequest) -> EnrolResponse:
        return self._call("POST", ENROL_PATH, EnrolResponse, body=request, auth=False)

    def whoami(self) -> WhoAmIResponse:
        return self._call("GET", ME_PATH, WhoAmIResponse)

    def push(self, request: PushRequest) -> PushResponse:
        return self._call("POST", PUSH_PATH, PushResponse, body=request)

    def encode_push(self, request: PushRequest) -> PushRequest:
        """The request with its body encoded now (JSON, gzip): the engine encodes the
        next batch while the server works on the current one, so sending it is all
        that is left when its turn comes."""
        encoded = EncodedPush.model_construct(changes=request.changes)
        headers: dict[str, str] = {}
        encoded._body = self._encode(request, headers)
        encoded._headers = headers
        return encoded

    def pull(
        self, since: str, limit: int = DEFAULT_PULL_LIMIT, *, count: bool = True
    ) -> PullResponse:
        # ``count`` asks how many records remain, for progress (a server that predates it
        # ignores the parameter and leaves ``remaining`` out). Counting costs the server a
        # scan of what remains, so the engine asks on a pull's first page only.
        params: dict[str, object] = {"since": since, "limit": limit}
        if count:
            params["count"] = "true"
        return self._call("GET", PULL_PATH, PullResponse, params=params)

    def generation(self, since: str, known: str | None = None) -> GenerationResponse:
        """Which life of the server's database this is (``since``: this laptop's pull
        cursor, which tells the server when it was restored without noticing; ``known``:
        the generation this laptop last synced with)."""
        params = {"since": since, "known": known or ""}
        return self._call("GET", GENERATION_PATH, GenerationResponse, params=params)

    def versions(self, request: VersionsRequest) -> VersionsResponse:
        """The versions the server holds of the records this laptop holds."""
        return self._call("POST", VERSIONS_PATH, VersionsResponse, body=request)

    def payment_rules(self) -> PaymentRulesResponse:
        """The payment rules in force on the server (its settings file)."""
        return self._call("GET", PAYMENT_RULES_PATH, PaymentRulesResponse)

    def list_conflicts(self) -> ConflictList:
        """Open conflicts on records this device's user may change (the server's view is
        the authoritative one: it holds both values until a person decides)."""
        return self._call("GET", CONFLICTS_PATH, ConflictList)

    def resolve_conflict(
        self, conflict_id: str, choices: Mapping[str, Choice]
    ) -> ResolveConflictResponse:
        """Keep, per conflicting field, the server's or the raising device's value."""
        body = ResolveConflictRequest(choices=dict(choices))
        # The id goes into the path: quote it so an odd id cannot reach another endpoint.
        path = f"{CONFLICTS_PATH}/{quote(conflict_id, safe='')}/resolve"
        return self._call("POST", path, ResolveConflictResponse, body=body)

    def decide_payment(
        self, payment_id: str, request: PaymentDecisionRequest
    ) -> PaymentDecisionResponse:
        """A payments approver's decision on a submitted request (the server checks the
        cap, the budget and the assessment, and refuses with its reason)."""
        path = f"{PAYMENTS_PATH}/{quote(payment_id, safe='')}/decision"
        return self._call("POST", path, PaymentDecisionResponse, body=request)

    def look_up_card(self, number: str) -> CardLookupResponse:
        """The 24-hour line's look-up of one card number (the server audits it)."""
        # The number goes into the path: quoted, so typed text cannot reach another endpoint.
        return self._call("GET", f"{CARDS_PATH}/{quote(number, safe='')}", CardLookupResponse)

    def call_raw(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json_body: object = None,
    ) -> tuple[bytes, str]:
        """A call whose answer is not one protocol model (a report as JSON, CSV or PDF, the
        admin API's lists): the body and its media type. Errors as for every call."""
        headers = self._headers(auth=True)
        content = None
        if json_body is not None:
            content = json.dumps(json_body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        headers["Accept"] = "*/*"
        response, data = self._send(method, path, content, params, headers)
        self._check_status(response, data)
        return data, response.headers.get("content-type", "")

    def reachable(self) -> bool:
        """True when the server answers at all (a revoked answer counts: the sync that
        follows must hear it and wipe)."""
        try:
            self.whoami()
        except ServerUnreachable:
            return False
        except (RevokedSignal, ServerRefused, ProtocolMismatch):
            return True
        return True

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    # --- plumbing ----------------------------------------------------------------------

    def _headers(self, auth: bool) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip" if self.compress else "identity",
        }
        if auth:
            if not self._credential:
                raise ServerRefused(401, "this laptop has no device credential; enrol it first")
            headers[AUTH_HEADER] = f"Bearer {self._credential}"
        return headers

    def _encode(self, body: BaseModel, headers: dict[str, str]) -> bytes:
        if isinstance(body, EncodedPush) and body._body:
            headers.update(body._headers)
            return body._body
        raw = body.model_dump_json(exclude_none=False).encode()
        headers["Content-Type"] = "application/json"
        if self.compress and len(raw) >= GZIP_MINIMUM_BYTES:
            headers["Content-Encoding"] = "gzip"
            # Level 6 is gzip's default: most of the saving at a fraction of level 9's cost.
            return gzip.compress(raw, compresslevel=6)
        return raw

    def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        body: BaseModel | None = None,
        params: dict[str, object] | None = None,
        auth: bool = True,
    ) -> M:
        headers = self._headers(auth)
        content = self._encode(body, headers) if body is not None else None
        response, data = self._send(method, path, content, params, headers)
        return self._interpret(response, data, model)

    def _send(
        self,
        method: str,
        path: str,
        content: bytes | None,
        params: Mapping[str, object] | None,
        headers: dict[str, str],
    ) -> tuple[httpx.Response, bytes]:
        try:
            with self._lock:
                response = self._client.request(
                    method,
                    self._url(path),
                    content=content,
                    params=dict(params) if params else None,
                    headers=headers,
                )
                data = response.read()
        except httpx.TransportError as exc:
            # Connect refused, connection reset or cut mid-body, timeouts, bad gzip stream.
            raise ServerUnreachable(type(exc).__name__) from exc
        except httpx.DecodingError as exc:
            raise ServerUnreachable("answer cut short") from exc
        self.stats.add(len(content or b""), response.num_bytes_downloaded)
        return response, data

    def _url(self, path: str) -> str:
        # A caller-supplied client (an in-process test client) may carry its own base URL.
        return path if str(self._client.base_url) else self.base_url + path

    def _check_status(self, response: httpx.Response, data: bytes) -> None:
        status = response.status_code
        if status >= 500:
            raise ServerUnreachable(f"server error {status}")
        if status >= 400:
            error = _error_body(data)
            if error.wipe:
                raise RevokedSignal(error.detail)
            raise ServerRefused(status, error.detail)

    def _interpret(self, response: httpx.Response, data: bytes, model: type[M]) -> M:
        self._check_status(response, data)
        try:
            parsed = model.model_validate_json(data)
        except ValidationError as exc:
            raise ProtocolMismatch(
                f"unexpected {model.__name__}: {exc.error_count()} problem(s)"
            ) from exc
        if getattr(parsed, "wipe", False):
            raise RevokedSignal("the server asked this device to wipe itself")
        return parsed


def _error_body(data: bytes) -> ErrorBody:
    try:
        return ErrorBody.model_validate_json(data)
    except ValidationError:
        # FastAPI's own 422 bodies carry a list in ``detail``; keep the text readable.
        text = data.decode("utf-8", "replace")[:300] or "no reason given"
        return ErrorBody(detail=text)
