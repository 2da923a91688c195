"""How many card look-ups the server answers, per device and per user (issue 10).

Card numbers are the only key to a plan, so a device that tries number after number must
be stopped by the server itself, not only by a proxy in front of it. Look-ups are counted
from the audit log (every look-up is written there anyway), inside the same writing
transaction that records the new one, so the count holds across restarts and every
server process sharing the database, and two look-ups at once cannot both slip under it.

Misses (a number with a wrong check digit, or one no card has) are what enumeration looks
like: the first few in a window are a mistyped number, so after ``alert_after_misses``
the server raises an alert (a warning in its log and an audit entry the office can
watch for), and after ``max_misses`` it stops answering that user until the window moves
on. Refused look-ups are audited too and count in the window: a client hammering a
closed door keeps it closed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync.server.access import Principal
from sync.server.settings_file import CardLookupLimits
from sync.server.store import StoreTransaction

log = logging.getLogger(__name__)

LOOKUP_ACTION = "card-lookup"
ALERT_ACTION = "card-lookup-alert"
#: Look-up results that found no card.
MISSES = frozenset({"not-found", "invalid-number"})
RATE_LIMITED = "rate-limited"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Window:
    """What one principal has done in the current window."""

    by_device: int
    by_user: int
    misses: int


class LookupLimiter:
    def __init__(self, limits: CardLookupLimits, now: Callable[[], datetime] = _now) -> None:
        self.limits = limits
        self.now = now

    def window(self, tx: StoreTransaction, principal: Principal) -> Window:
        since = self.now() - timedelta(minutes=self.limits.window_minutes)
        rows = tx.recent_audit(
            LOOKUP_ACTION, since, actor=principal.username, device_id=principal.device_id
        )
        mine = [r for r in rows if r.actor == principal.username]
        return Window(
            by_device=sum(r.device_id == principal.device_id for r in rows),
            by_user=len(mine),
            misses=sum(r.details.get("result") in MISSES for r in mine),
        )

    def refusal(self, window: Window, route: str) -> str | None:
        """Why the next look-up is refused, or None."""
        limits = self.limits
        wait = f"wait {limits.window_minutes} minutes and try again"
        meanwhile = (
            f"If you are on a call now, arrange replacement care via {route} and ring the office."
        )
        if window.misses >= limits.max_misses:
            return (
                f"Too many card numbers that were not found ({window.misses} in "
                f"{limits.window_minutes} minutes); look-ups are paused for your account: "
                f"{wait}. {meanwhile}"
            )
        if window.by_device >= limits.per_device:
            return f"Too many look-ups from this device; {wait}. {meanwhile}"
        if window.by_user >= limits.per_user:
            return f"Too many look-ups by your account; {wait}. {meanwhile}"
        return None

    def after_miss(self, tx: StoreTransaction, principal: Principal, window: Window) -> None:
        """Called when a look-up missed: raise the alert when this miss reaches the
        threshold (once per window's worth of misses, not on every later one)."""
        misses = window.misses + 1
        if misses != self.limits.alert_after_misses:
            return
        log.warning(
            "card look-up alert: %s (device %s) has looked up %d numbers that were not "
            "found in %d minutes; someone may be trying card numbers",
            principal.username,
            principal.device_id,
            misses,
            self.limits.window_minutes,
        )
        tx.audit(
            actor=principal.username,
            action=ALERT_ACTION,
            device_id=principal.device_id,
            details={"misses": misses, "window_minutes": self.limits.window_minutes},
        )
