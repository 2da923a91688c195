"""``/v1/admin/subject-access...``: the subject-access review over HTTP, for the admin
role (the service manager or IT officer who answers requests). Shapes: docs/api.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from sync.protocol import API_PREFIX
from sync.server.admin.routes import Admin
from sync.server.data_protection import subject_access as sar

router = APIRouter(prefix=f"{API_PREFIX}/admin/subject-access", tags=["data protection"])


class NewReview(BaseModel):
    carer_id: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)


class ItemDecision(BaseModel):
    item_id: str = Field(max_length=16)
    decision: sar.Choice


class Decisions(BaseModel):
    decisions: list[ItemDecision] = Field(max_length=10_000)


def _store(request: Request):
    return request.app.state.services.store


@router.post("")
def create_review(request: Request, who: Admin, body: NewReview) -> dict:
    """Gather every record naming the person and mark what the reviewer must decide."""
    subject = sar.Subject(body.carer_id, body.name, body.phone, body.email)
    return sar.create(_store(request), subject, who.username, who.device_id)


@router.get("")
def list_reviews(request: Request, who: Admin) -> list[dict]:
    """Every review: whose, by whom, how many items are still undecided (no contents)."""
    return sar.list_reviews(_store(request))


@router.get("/{review_id}")
def show_review(request: Request, who: Admin, review_id: str) -> dict:
    """The review with its marked items."""
    return sar.show(_store(request), review_id)


@router.post("/{review_id}/decisions")
def decide(request: Request, who: Admin, review_id: str, body: Decisions) -> dict:
    """Keep or redact marked items."""
    chosen = {d.item_id: d.decision for d in body.decisions}
    return sar.decide(_store(request), review_id, chosen, who.username, who.device_id)


@router.get("/{review_id}/copy")
def produce(
    request: Request,
    who: Admin,
    review_id: str,
    format: Annotated[sar.CopyFormat, Query()] = sar.CopyFormat.JSON,
) -> Response:
    """The copy (JSON or PDF) with redacted items removed; 409 while any is undecided."""
    out = sar.produce(_store(request), review_id, format, who.username, who.device_id)
    return Response(
        out.body,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )
