"""The service's own day: decisions, submissions and the future-date check are dated in
Europe/London, not in UTC, so a decision at 00:30 BST belongs to that day, not the day
before."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SERVICE_TZ = ZoneInfo("Europe/London")


def service_today() -> date:
    return datetime.now(SERVICE_TZ).date()
