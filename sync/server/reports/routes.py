"""HTTP routes for reports (``/v1/reports/...``): an APIRouter the app includes, kept
apart from the sync routes. Authentication is the device credential, as everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from carer_desk.rules.reporting import DEFAULT_SUPPRESS_BELOW, Audience
from sync.protocol import API_PREFIX
from sync.server.access import Principal
from sync.server.reports.desk import Format, ReportDesk

router = APIRouter(prefix=f"{API_PREFIX}/reports", tags=["reports"])
_bearer = HTTPBearer(auto_error=False, description="The device credential from enrolment.")


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    header = f"Bearer {credentials.credentials}" if credentials else None
    services = request.app.state.services
    services.refresh_settings()
    return services.enrolment.authenticate(header)


Who = Annotated[Principal, Depends(principal)]


def desk(request: Request) -> ReportDesk:
    return request.app.state.services.reports


Desk = Annotated[ReportDesk, Depends(desk)]
FinancialYearStart = Annotated[int, Query(description="the year it starts: 2024 for 2024/25")]
QuarterNumber = Annotated[int, Query(ge=1, le=4, description="1 Apr–Jun … 4 Jan–Mar")]


_FILES = {
    200: {
        "description": "The report as JSON, CSV or PDF (as ``format`` asks)",
        "content": {"application/json": {}, "text/csv": {}, "application/pdf": {}},
    }
}


@router.get("/quarterly", responses=_FILES)
def quarterly(
    who: Who,
    reports: Desk,
    fy: FinancialYearStart,
    quarter: QuarterNumber,
    format: Format = Format.JSON,
    audience: Audience = Audience.INTERNAL,
    suppress_below: Annotated[int, Query(ge=1, le=100)] = DEFAULT_SUPPRESS_BELOW,
) -> Response:
    """The quarterly contract-monitoring report with the year to date (service manager).
    ``audience=external`` suppresses numbers under ``suppress_below`` for sharing."""
    out = reports.quarterly(
        who.username,
        who.role,
        fy,
        quarter,
        audience=audience,
        suppress_below=suppress_below,
        fmt=format,
        device_id=who.device_id,
    )
    return Response(
        out.body,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


@router.get("/quarterly/drill")
def drill(
    who: Who,
    reports: Desk,
    fy: FinancialYearStart,
    quarter: QuarterNumber,
    key: Annotated[str, Query(max_length=80, description="a figure key from the report")],
    year_to_date: bool = False,
) -> dict:
    """The records behind one figure: their clear report columns (service manager)."""
    return reports.drill(
        who.username,
        who.role,
        fy,
        quarter,
        key,
        year_to_date=year_to_date,
        device_id=who.device_id,
    )


@router.get("/budget")
def budget(
    who: Who,
    reports: Desk,
    fy: Annotated[int | None, Query(description="default: the current financial year")] = None,
) -> dict:
    """The wellbeing budget: paid and committed per quarter, funder, purpose and district,
    forecast outturn and its warning (payments approvers and the service manager)."""
    return reports.budget(who.username, who.role, fy, device_id=who.device_id)


@router.get("/queues")
def queues(
    who: Who,
    reports: Desk,
    team: Annotated[str | None, Query(max_length=16)] = None,
) -> dict:
    """Work queues per team and worker (the service manager; an outreach worker's own team)."""
    return reports.queues(who.username, who.role, who.team, team, device_id=who.device_id)
