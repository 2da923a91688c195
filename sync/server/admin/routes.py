"""``/v1/admin/...``: users, laptops and settings for the admin role (the service manager
or IT officer). Every change is audited with the admin's username."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select, update

from carer_desk.config import PaymentSettings
from carer_desk.rules.financial_year import financial_year_of, financial_year_starting
from carer_desk.rules.reporting import DEFAULT_SUPPRESS_BELOW
from sync.protocol import API_PREFIX, Role, Team
from sync.server import schema as t
from sync.server.access import Principal
from sync.server.data_protection.retention_policy import DEFAULT_YEARS
from sync.server.errors import BadRequest, Forbidden, NotFound
from sync.server.reports.routes import principal
from sync.server.secrets_hashing import hash_password, password_hasher
from sync.server.settings_edits import SettingsEditor, apply_audited

router = APIRouter(prefix=f"{API_PREFIX}/admin", tags=["admin"])
MIN_PASSWORD_LENGTH = 10


def admin(who: Annotated[Principal, Depends(principal)]) -> Principal:
    if Role(who.role) != Role.ADMIN:
        raise Forbidden("Administration is for the admin role (service manager or IT officer).")
    return who


Admin = Annotated[Principal, Depends(admin)]


class UserOut(BaseModel):
    username: str
    role: Role
    team: Team | None
    disabled: bool
    created_at: datetime


class NewUser(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^\S+$")
    role: Role
    team: Team | None = None
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class UserChange(BaseModel):
    role: Role | None = None
    team: Team | None = None


class DeviceOut(BaseModel):
    device_id: str
    username: str
    name: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None


def _check_team(role: Role, team: Team | None) -> None:
    if role == Role.OUTREACH_WORKER and team is None:
        raise BadRequest("An outreach worker needs a team: north, central, south or city.")
    if role != Role.OUTREACH_WORKER and team is not None:
        raise BadRequest("Only outreach workers belong to a team; leave the team out.")


def _user_out(store, username: str) -> UserOut:
    user = store.get_user(username)
    if user is None:
        raise NotFound(f"No user called {username!r}.")
    return UserOut(
        username=user.username,
        role=Role(user.role),
        team=Team(user.team) if user.team else None,
        disabled=user.disabled,
        created_at=user.created_at,
    )


@router.get("/users", response_model=list[UserOut])
def list_users(request: Request, who: Admin) -> list[UserOut]:
    """Every user with role, team and whether the account is disabled."""
    store = request.app.state.services.store
    return [_user_out(store, u.username) for u in store.list_users()]


@router.post("/users", response_model=UserOut)
def create_user(request: Request, who: Admin, body: NewUser) -> UserOut:
    """Add a user (the password is hashed with Argon2id; it is never stored or logged)."""
    services = request.app.state.services
    _check_team(body.role, body.team)
    hashed = hash_password(password_hasher(services.settings.password_cost), body.password)
    services.store.create_user(
        body.username,
        body.role.value,
        body.team.value if body.team else None,
        hashed,
        by=who.username,
    )
    services.store.audit(
        actor=who.username,
        action="admin-create-user",
        device_id=who.device_id,
        details={
            "username": body.username,
            "role": body.role.value,
            "team": body.team.value if body.team else None,
        },
    )
    return _user_out(services.store, body.username)


@router.patch("/users/{username}", response_model=UserOut)
def change_user(request: Request, who: Admin, username: str, body: UserChange) -> UserOut:
    """Change a user's role or team (the new role's rules apply from their next sync)."""
    store = request.app.state.services.store
    current = _user_out(store, username)
    if username == who.username and body.role not in (None, current.role):
        # An administrator demoting themselves could leave the office with none.
        raise Forbidden(
            "You cannot change your own role; ask another administrator, or use the "
            "server's command line on the server host."
        )
    role = body.role or current.role
    team = body.team if "team" in body.model_fields_set else current.team
    if role != Role.OUTREACH_WORKER and "team" not in body.model_fields_set:
        team = None
    _check_team(role, team)
    with store.transaction(write=True) as tx:
        tx.conn.execute(
            update(t.users)
            .where(t.users.c.username == username)
            .values(role=role.value, team=team.value if team else None)
        )
        tx.audit(
            actor=who.username,
            action="admin-change-user",
            device_id=who.device_id,
            details={
                "username": username,
                "role": role.value,
                "team": team.value if team else None,
                "was": {
                    "role": current.role.value,
                    "team": current.team.value if current.team else None,
                },
            },
        )
    return _user_out(store, username)


@router.get("/devices", response_model=list[DeviceOut])
def list_devices(request: Request, who: Admin) -> list[DeviceOut]:
    """Every enrolled laptop with its user, last contact and whether it is revoked."""
    return [DeviceOut(**asdict(d)) for d in request.app.state.services.store.list_devices()]


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut)
def revoke_device(request: Request, who: Admin, device_id: str) -> DeviceOut:
    """Revoke a lost laptop: its pushes are refused and it wipes itself on next contact."""
    store = request.app.state.services.store
    if store.get_device(device_id) is None:
        raise NotFound(f"No laptop with id {device_id!r}; list the devices to see the ids.")
    return DeviceOut(**asdict(store.revoke_device(device_id, by=who.username)))


def settings_view(services) -> dict:
    """The settings in force, as ``GET /v1/admin/settings`` and every edit answer them."""
    rules = services.settings.payments
    with services.store.transaction() as tx:
        holds = tx.conn.execute(select(func.count()).select_from(t.legal_holds)).scalar_one()
    return {
        "payments": asdict(rules.payments),
        "card_number_length": rules.card_number_length,
        "retention_years": services.settings.retention.in_force(),
        "retention_defaults": dict(sorted(DEFAULT_YEARS.items())),
        "legal_holds": holds,
        "report_suppress_below": DEFAULT_SUPPRESS_BELOW,
        "budgets": budgets_view(rules.payments, services.today()),
    }


def budgets_view(payments: PaymentSettings, today: date) -> list[dict]:
    """Every year with a budget set, and the current year (which may fall back)."""
    start = (payments.financial_year_start_month, payments.financial_year_start_day)
    current = financial_year_of(today, *start).start.year
    listed = dict(payments.budget_by_year)
    return [
        {
            "financial_year": year,
            "label": financial_year_starting(year, *start).label,
            "budget_pence": payments.budget_for(year),
            "set": year in listed,
        }
        for year in sorted({*listed, current})
    ]


@router.get("/settings")
def settings(request: Request, who: Admin) -> dict:
    """The settings in force: payment rules, budgets per year, retention and report
    suppression."""
    return settings_view(request.app.state.services)


class BudgetChange(BaseModel):
    budget_pence: int = Field(ge=0, description="whole pence: £550,000 is 55000000")


class RetentionChange(BaseModel):
    years: dict[str, int] = Field(description="record kind -> years kept after closure")


def _edit_settings(request: Request, who: Principal, table: str, edit) -> dict:
    """Write one edit to settings.toml, audited, and take it up in this process."""
    services = request.app.state.services
    editor = SettingsEditor(services.settings.settings_file)
    apply_audited(services.store, editor, table, edit, actor=who.username, device_id=who.device_id)
    services.refresh_settings(force=True)
    return settings_view(services)


@router.patch("/settings/payments")
def change_payment_rules(request: Request, who: Admin, body: dict[str, Any]) -> dict:
    """Change payment rules (any ``[payments]`` key but the budgets, and
    ``card_number_length``); laptops receive them at their next sync."""
    return _edit_settings(request, who, "payments", lambda e: e.change_payments(body))


@router.put("/settings/budgets/{fy}")
def set_budget(request: Request, who: Admin, fy: int, body: BudgetChange) -> dict:
    """Set one financial year's budget (``fy`` is the year it starts: 2026 for 2026/27);
    no other year's changes, and a year that has ended keeps its budget."""
    today = request.app.state.services.today()
    return _edit_settings(
        request, who, "budgets", lambda e: e.set_budget(fy, body.budget_pence, today)
    )


@router.patch("/settings/retention")
def change_retention(request: Request, who: Admin, body: RetentionChange) -> dict:
    """Change the years kept after closure for some record kinds; the retention job
    uses them from its next run."""
    return _edit_settings(request, who, "retention", lambda e: e.change_retention(body.years))
