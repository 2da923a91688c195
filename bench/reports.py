"""Quarterly-report benchmark: prints figures beside their targets, asserts nothing.

    python bench/reports.py [--carers-per-year 12000] [--years 1,2,5] [--skip-postgres]

The quarterly contract-monitoring report (``sync/server/reports/quarterly.py``) for the
latest quarter, on a server database holding 1, 2 and 5 years of history: 12,000 carers
referred a year (60,000 for 5 years), each with an assessment, yearly reviews with a
wellbeing check, some self-assessments, payments, plans, and weekly group sessions with
attendance. SQLite and PostgreSQL (a throwaway cluster, as the tests use).

What is loaded: the report columns (``report_facts``) the server derives when it stores a
record, generated directly with the values :func:`sync.server.reports.facts.derive` gives
(and the cross-record columns filled by :func:`~sync.server.reports.facts.relink_all`);
the sealed ``records`` rows are not written, because no report query reads them (the
point of the report columns), and sealing 400,000 payloads only to leave them unread would
make the benchmark slow without changing a figure.

Printed per backend and history: rows in the table, seconds for the report (best of
three, after one warm-up), the rows the report's queries matched (``rows_read``), and on
PostgreSQL the rows its plans actually scanned (``EXPLAIN ANALYZE``: rows produced plus
rows removed by filters, at every scan node). Targets (issue 11): under 2 s on
PostgreSQL for 60,000 carers and 5 years; cost growing no faster than linearly with the
years held — the ratio to 1 year is printed beside the ratio of the rows held.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, text  # noqa: E402

from carer_desk.records.carer import ReferralSource  # noqa: E402
from carer_desk.records.conversation import ConversationMode  # noqa: E402
from carer_desk.records.payment import PaymentPurpose  # noqa: E402
from carer_desk.records.places import District  # noqa: E402
from carer_desk.rules.working_days import BankHolidayCalendar  # noqa: E402
from sync.server import schema as t  # noqa: E402
from sync.server.reports.facts import COLUMNS, relink_all  # noqa: E402
from sync.server.reports.quarterly import quarterly_report  # noqa: E402
from sync.server.store import SqlStore, open_store  # noqa: E402

AS_OF = date(2025, 7, 1)  # the report: Q1 2025/26 (April to June 2025)
FY, QUARTER = 2025, 1
TARGET_SECONDS = 2.0
TEAMS = ("north", "central", "south", "city")
GROUPS = 40
_ids = iter(range(10**12))


def _id() -> str:
    return f"{next(_ids):032x}"


def _row(**values: Any) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS)
    row.update(values)
    return row


def history(years: int, per_year: int, seed: int = 11) -> list[dict[str, Any]]:
    """Report rows for ``years`` of history up to :data:`AS_OF`."""
    rng = random.Random(seed)
    start = AS_OF - timedelta(days=365 * years)
    span = (AS_OF - start).days
    rows: list[dict[str, Any]] = []
    sessions: list[tuple[str, date]] = []
    day = start
    while day < AS_OF:  # each group meets weekly
        for _ in range(GROUPS):
            sid = _id()
            sessions.append((sid, day))
            rows.append(_row(record_id=sid, kind="session", session_on=day))
        day += timedelta(days=7)
    session_days = [on for _, on in sessions]
    sources = [s.value for s in ReferralSource]
    modes = [m.value for m in ConversationMode]
    purposes = [p.value for p in PaymentPurpose]
    districts = [d.value for d in District]
    for _ in range(per_year * years):
        cid = _id()
        team = rng.choice(TEAMS)
        referred = start + timedelta(days=rng.randrange(span))
        contacted = referred + timedelta(days=rng.choice((0, 1, 2, 3, 5, 8, 12)))
        closed = referred + timedelta(days=rng.randint(200, 2000)) if rng.random() < 0.15 else None
        if closed is not None and closed >= AS_OF:
            closed = None
        common = {"carer_id": cid, "team": team}
        rows.append(
            _row(
                record_id=cid, kind="carer", district=rng.choice(districts), worker=f"w{team}",
                referral_on=referred, referral_source=rng.choice(sources),
                contacted_on=contacted if rng.random() < 0.92 and contacted < AS_OF else None,
                parent_carer=rng.random() < 0.1, gp_registered=rng.choice((True, False, None)),
                gp_encouraged_on=referred + timedelta(days=3) if rng.random() < 0.3 else None,
                closed_on=closed, **common,
            )
        )  # fmt: skip
        done = referred + timedelta(days=rng.randint(3, 60))
        first = True
        while done < AS_OF and (closed is None or done < closed):
            mode = rng.choice(modes)
            rows.append(
                _row(
                    record_id=_id(), kind="conversation", started_on=done - timedelta(days=2),
                    completed_on=done, mode=mode, is_review=not first, assessment=first,
                    reviewed_on=done if mode == "self_assessment" and rng.random() < 0.9 else None,
                    status="complete", wellbeing_score=rng.randint(4, 30), wellbeing_max=30,
                    goals_total=2, goals_attained=rng.randint(0, 2),
                    review_due_on=done + timedelta(days=365), **common,
                )
            )  # fmt: skip
            if first and rng.random() < 0.5:
                paid_on = done + timedelta(days=rng.randint(10, 40))
                rows.append(
                    _row(
                        record_id=_id(), kind="payment_request",
                        amount_pence=rng.choice((7500, 12000, 15000, 20000, 30000)),
                        purpose=rng.choice(purposes),
                        status="paid" if paid_on < AS_OF else "approved",
                        requested_on=done, submitted_on=done, decided_on=done + timedelta(days=5),
                        paid_on=paid_on if paid_on < AS_OF else None, **common,
                    )
                )  # fmt: skip
            if first and rng.random() < 0.4:
                rows.append(
                    _row(record_id=_id(), kind="plan", created_on=done,
                         review_due_on=done + timedelta(days=365), **common)
                )  # fmt: skip
            first = False
            done += timedelta(days=rng.randint(330, 400))
        if rng.random() < 0.2:
            index = bisect.bisect_left(session_days, referred)
            for sid, _ in sessions[index : index + GROUPS * 12 : GROUPS * 3][:10]:
                rows.append(
                    _row(record_id=_id(), kind="attendance", session_id=sid,
                         attended=rng.random() < 0.85, **common)
                )  # fmt: skip
    return rows


def load(store: SqlStore, rows: list[dict[str, Any]]) -> None:
    with store.transaction(write=True) as tx:
        for index in range(0, len(rows), 5000):
            tx.conn.execute(insert(t.report_facts), rows[index : index + 5000])
        relink_all(tx.conn)  # the cross-record columns, as the store keeps them
    with store.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("ANALYZE"))


class Statements:
    """The SQL a report runs, caught as it runs, to be explained afterwards."""

    def __init__(self, store: SqlStore) -> None:
        self.caught: list[tuple[str, Any]] = []
        self.on = False
        event.listen(store.engine, "before_cursor_execute", self._catch)

    def _catch(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.caught.append((statement, parameters))


def _scanned(node: dict[str, Any]) -> int:
    rows = 0
    if "Scan" in node.get("Node Type", ""):
        loops = node.get("Actual Loops", 1)
        rows += (
            node.get("Actual Rows", 0)
            + node.get("Rows Removed by Filter", 0)
            + node.get("Rows Removed by Index Recheck", 0)
        ) * loops
    return rows + sum(_scanned(child) for child in node.get("Plans", ()))


def explain_rows(store: SqlStore, caught: list[tuple[str, Any]]) -> int:
    total = 0
    with store.engine.connect() as conn:
        for statement, parameters in caught:
            plan = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
            ).scalar_one()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            total += _scanned(plan[0]["Plan"])
    return total


def measure(store: SqlStore, cal: BankHolidayCalendar) -> tuple[float, int, list]:
    statements = Statements(store)
    quarterly_report(store, FY, QUARTER, cal, as_of=AS_OF)  # warm-up
    best = float("inf")
    rows_read = 0
    for attempt in range(3):
        statements.on = attempt == 0
        began = time.perf_counter()
        report = quarterly_report(store, FY, QUARTER, cal, as_of=AS_OF)
        best = min(best, time.perf_counter() - began)
        statements.on = False
        rows_read = report.rows_read
    return best, rows_read, statements.caught


def _load_avg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--carers-per-year", type=int, default=12_000)
    parser.add_argument("--years", default="1,2,5")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    years = [int(y) for y in args.years.split(",")]
    cal = BankHolidayCalendar.default()
    print(f"Report benchmark: {os.cpu_count()} cores, load average {_load_avg()} at the start")
    print(f"Q1 2025/26 report, {args.carers_per_year:,} carers referred a year\n")
    header = (
        f"  {'backend':<11} {'years':>5} {'carers':>7} {'rows held':>10} {'seconds':>8} "
        f"{'target':>7} {'rows read':>10} {'scanned':>9} {'time ×1y':>8} {'rows ×1y':>8}"
    )
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        backends = [("sqlite", lambda n: f"sqlite:///{tmp / f'{n}.sqlite3'}")]
        if not args.skip_postgres:
            try:
                from tests.sync.server.postgres_cluster import PostgresUnavailable, running_cluster

                cluster = stack.enter_context(running_cluster())
                backends.append(("postgresql", lambda n: cluster.create_database()))
            except PostgresUnavailable as exc:
                print(f"PostgreSQL skipped: {exc}")
        datasets = {y: history(y, args.carers_per_year) for y in years}
        print(header)
        for backend, url_for in backends:
            base: tuple[float, int] | None = None
            for y in years:
                rows = datasets[y]
                store = open_store(url_for(f"{backend}{y}"), tmp / f"{backend}{y}.key")
                try:
                    load(store, rows)
                    seconds, rows_read, caught = measure(store, cal)
                    scanned = explain_rows(store, caught) if backend == "postgresql" else None
                finally:
                    store.close()
                if base is None:
                    base = (seconds, len(rows))
                carers = sum(1 for r in rows if r["kind"] == "carer")
                target = f"< {TARGET_SECONDS:g}" if backend == "postgresql" else "–"
                print(
                    f"  {backend:<11} {y:>5} {carers:>7,} {len(rows):>10,} {seconds:>8.3f} "
                    f"{target:>7} {rows_read:>10,} "
                    f"{(f'{scanned:,}' if scanned is not None else '–'):>9} "
                    f"{seconds / base[0]:>8.2f} {len(rows) / base[1]:>8.2f}"
                )
    print(
        "\n'time ×1y' no larger than 'rows ×1y' is growth no faster than linear in the "
        f"history held. Load average {_load_avg()} at the end."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
