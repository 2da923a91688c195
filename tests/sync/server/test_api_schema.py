"""Property-based tests of the HTTP API against its own OpenAPI description
(schemathesis): generated valid and invalid requests never make the server fail (no 5xx),
and every answer matches the documented status codes and schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from sync.protocol import Role
from tests.sync.server import records as r
from tests.sync.server.harness import Harness

_state: dict[str, Harness] = {}


@pytest.fixture(scope="module")
def api_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    h = Harness(tmp_path_factory.mktemp("schema"))
    _state["h"] = h
    yield h
    h.close()


@pytest.fixture(scope="module")
def api_schema(api_harness: Harness):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/openapi.json", api_harness.app)


@pytest.fixture(scope="module")
def admin_headers(api_harness: Harness) -> dict[str, str]:
    admin = api_harness.device("admin", Role.ADMIN)
    # Some real records so look-ups and edits can hit something that exists.
    carer = r.carer()
    plan = r.plan(carer.id)
    admin.push(r.change(carer), r.change(plan), r.change(r.card(plan)))
    return admin.headers


OPERATIONS = [
    "GET /v1/health",
    "POST /v1/enrol",
    "GET /v1/me",
    "POST /v1/push",
    "GET /v1/changes",
    "GET /v1/generation",
    "POST /v1/versions",
    "GET /v1/conflicts",
    "POST /v1/conflicts/{conflict_id}/resolve",
    "POST /v1/payments/{payment_id}/decision",
    "GET /v1/cards/{number}",
    "GET /v1/reports/quarterly",
    "GET /v1/reports/quarterly/drill",
    "GET /v1/reports/budget",
    "GET /v1/reports/queues",
    "GET /v1/admin/users",
    "POST /v1/admin/users",
    "PATCH /v1/admin/users/{username}",
    "GET /v1/admin/devices",
    "POST /v1/admin/devices/{device_id}/revoke",
    "GET /v1/admin/settings",
]
# Invalid (negative) requests only exist for operations that take some input.
WITHOUT_INPUT = {
    "GET /v1/health",
    "GET /v1/me",
    "GET /v1/conflicts",
    "GET /v1/admin/users",
    "GET /v1/admin/devices",
    "GET /v1/admin/settings",
}
RUNS = [(label, GenerationMode.POSITIVE) for label in OPERATIONS] + [
    (label, GenerationMode.NEGATIVE) for label in OPERATIONS if label not in WITHOUT_INPUT
]
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


# schemathesis' own pytest plugin does not run under pytest 9, so the operations are
# driven directly: one hypothesis run per operation and generation mode.
@pytest.mark.slow
@pytest.mark.parametrize(("label", "mode"), RUNS, ids=[f"{a}-{b.value}" for a, b in RUNS])
def test_api_answers_generated_requests_as_documented(
    api_schema,
    admin_headers: dict[str, str],
    label: str,
    mode: GenerationMode,  # type: ignore[no-untyped-def]
) -> None:
    operations = {op.ok().label: op.ok() for op in api_schema.get_all_operations()}
    operation = operations[label]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        headers = dict(case.headers or {})
        headers.setdefault("Authorization", admin_headers["Authorization"])
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_the_openapi_description_names_every_endpoint(api_harness: Harness) -> None:
    paths = api_harness.client.get("/openapi.json").json()["paths"]
    assert set(paths) == {
        "/v1/health",
        "/v1/enrol",
        "/v1/me",
        "/v1/push",
        "/v1/changes",
        "/v1/generation",
        "/v1/versions",
        "/v1/conflicts",
        "/v1/conflicts/{conflict_id}/resolve",
        "/v1/payments/{payment_id}/decision",
        "/v1/cards/{number}",
        "/v1/payment-rules",
        "/v1/admin/users/{username}/disable",
        "/v1/admin/users/{username}/enable",
        "/v1/admin/users/{username}/password",
        "/v1/reports/quarterly",
        "/v1/reports/quarterly/drill",
        "/v1/reports/budget",
        "/v1/reports/queues",
        "/v1/admin/users",
        "/v1/admin/users/{username}",
        "/v1/admin/devices",
        "/v1/admin/devices/{device_id}/revoke",
        "/v1/admin/settings",
        "/v1/admin/settings/payments",
        "/v1/admin/settings/budgets/{fy}",
        "/v1/admin/settings/retention",
        "/v1/admin/subject-access",
        "/v1/admin/subject-access/{review_id}",
        "/v1/admin/subject-access/{review_id}/decisions",
        "/v1/admin/subject-access/{review_id}/copy",
    }


def test_a_credential_from_another_user_cannot_act_for_them(tmp_path: Path) -> None:
    h = Harness(tmp_path / "s")
    try:
        north = h.device("north-worker", Role.OUTREACH_WORKER, "north")
        south = h.device("south-worker", Role.OUTREACH_WORKER, "south")
        carer = r.carer("south")
        south.push(r.change(carer))
        # The north worker's credential, sending a change to the south worker's carer.
        result = north.push_one(r.change(r.replace(carer, preferred_name="X"), base_version=1))
        assert result["status"] == "rejected"
        assert ("carer", carer.id) not in north.pull_all()
    finally:
        h.close()
