"""Work queues per team and worker (issue 11), from the report columns: reviews due,
plans due or missing, cards to print, waiting-list contacts due by their working-day
deadline, payment requests awaiting a decision, and young carers approaching 18.

Each item names a record (and its carer) by id with its due day, so the worker opens it on
their laptop; nothing here is decrypted. Closed carers' work is left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from carer_desk.rules.working_days import BankHolidayCalendar, add_working_days
from sync.server import schema as t

F = t.report_facts
c = F.c
FIRST_CONTACT_DAYS = 5
#: How far ahead a review or plan review counts as due; 17½ for young carers (BRIEF §6).
HORIZON_DAYS = 28
TRANSITION_DAYS = 183
QUEUES = (
    "waiting_list",
    "payment_decisions",
    "cards_to_print",
    "reviews_due",
    "plans_due",
    "plans_missing",
    "approaching_18",
)


@dataclass(frozen=True)
class QueueItem:
    queue: str
    team: str | None
    worker: str | None
    record_id: str
    carer_id: str | None
    due_on: date | None
    overdue: bool

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["due_on"] = self.due_on.isoformat() if self.due_on else None
        return out


def work_queues(
    store: Any,
    calendar: BankHolidayCalendar,
    *,
    as_of: date,
    team: str | None = None,
) -> list[QueueItem]:
    """Every queue's items (for one team, or all), soonest due first within a queue."""
    carer = F.alias("carer")
    open_carer = and_(carer.c.kind == "carer", carer.c.closed_on.is_(None))
    scope = [] if team is None else [carer.c.team == team]
    soon = as_of + timedelta(days=HORIZON_DAYS)
    items: list[QueueItem] = []

    def linked(kind_clause: Any, *extra: Any) -> Any:
        return (
            select(c.record_id, c.carer_id, carer.c.team, carer.c.worker, *extra)
            .select_from(F.join(carer, carer.c.record_id == c.carer_id))
            .where(kind_clause, open_carer, *scope)
        )

    def add(queue: str, rows: Any, due: Any = None) -> None:
        for r in rows:
            due_on = due(r) if due else None
            items.append(
                QueueItem(
                    queue,
                    r.team,
                    r.worker,
                    r.record_id,
                    r.carer_id,
                    due_on,
                    due_on is not None and due_on < as_of,
                )
            )

    with store.transaction() as tx:
        run = tx.conn.execute
        waiting = select(
            carer.c.record_id,
            carer.c.record_id.label("carer_id"),
            carer.c.team,
            carer.c.worker,
            carer.c.referral_on,
        ).where(
            open_carer, carer.c.contacted_on.is_(None), carer.c.referral_on.is_not(None), *scope
        )
        add(
            "waiting_list",
            run(waiting),
            lambda r: add_working_days(r.referral_on, FIRST_CONTACT_DAYS, calendar),
        )
        add(
            "payment_decisions",
            run(linked(and_(c.kind == "payment_request", c.status == "submitted"), c.submitted_on)),
            lambda r: r.submitted_on,
        )
        add(
            "cards_to_print",
            run(linked(and_(c.kind == "card", c.status == "pending_print"), c.created_on)),
            lambda r: r.created_on,
        )
        # A review is due from the carer's latest completed conversation.
        latest = (
            select(c.carer_id, func.max(c.completed_on).label("last_on"))
            .where(c.kind == "conversation", c.completed_on.is_not(None))
            .group_by(c.carer_id)
            .subquery()
        )
        reviews = linked(
            and_(c.kind == "conversation", c.review_due_on <= soon), c.review_due_on
        ).join(latest, and_(latest.c.carer_id == c.carer_id, latest.c.last_on == c.completed_on))
        add("reviews_due", run(reviews), lambda r: r.review_due_on)
        add(
            "plans_due",
            run(linked(and_(c.kind == "plan", c.review_due_on <= soon), c.review_due_on)),
            lambda r: r.review_due_on,
        )
        plan = F.alias("plan")
        missing = (
            linked(and_(c.kind == "conversation", c.assessment.is_(True)))
            .outerjoin(plan, and_(plan.c.carer_id == c.carer_id, plan.c.kind == "plan"))
            .where(plan.c.record_id.is_(None))
        )
        seen: set[str] = set()
        for r in run(missing):
            if r.carer_id not in seen:  # one item per carer, not per assessment
                seen.add(r.carer_id)
                items.append(
                    QueueItem(
                        "plans_missing", r.team, r.worker, r.carer_id, r.carer_id, None, False
                    )
                )
        young = select(
            carer.c.record_id,
            carer.c.record_id.label("carer_id"),
            carer.c.team,
            carer.c.worker,
            carer.c.adult_on,
        ).where(
            open_carer,
            carer.c.adult_on.is_not(None),
            carer.c.adult_on <= as_of + timedelta(days=TRANSITION_DAYS),
            carer.c.adult_on > as_of,
            *scope,
        )
        for r in run(young):
            items.append(
                QueueItem(
                    "approaching_18", r.team, r.worker, r.record_id, r.carer_id, r.adult_on, False
                )
            )
    order = {q: i for i, q in enumerate(QUEUES)}
    return sorted(
        items, key=lambda i: (order[i.queue], i.due_on or date.max, i.team or "", i.record_id)
    )


def queue_counts(items: list[QueueItem]) -> list[dict[str, Any]]:
    """How many items each team and worker has in each queue (and how many overdue)."""
    totals: Counter[tuple[str | None, str | None, str]] = Counter()
    late: Counter[tuple[str | None, str | None, str]] = Counter()
    for item in items:
        key = (item.team, item.worker, item.queue)
        totals[key] += 1
        late[key] += item.overdue
    return [
        {"team": team, "worker": worker, "queue": queue, "items": n, "overdue": late[key]}
        for key, n in sorted(totals.items(), key=lambda kv: tuple(str(x) for x in kv[0]))
        for team, worker, queue in [key]
    ]
