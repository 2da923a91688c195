"""Card look-up benchmark: prints figures beside their targets, asserts nothing.

    python bench/lookups.py [--audit 500000]

The 24-hour line's look-up against the real server app and its SQLite store (in
process, through the HTTP stack): a found card, an unknown number, and the same look-up
after the audit log has grown by ``--audit`` older entries. Each look-up counts the
device's and the user's look-ups in the limits' window from the audit log (issue 10), so
the figure that matters is the ratio of the grown log to the empty one: the window is
found by bisecting the audit key, so the look-up reads only the window's entries.

Target: a look-up answers in well under a second (an operator is on the phone); the ratio
grown/empty stays near 1, whatever the log's size. Each figure is the best of 20.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from carer_desk.rules.card_numbers import generate_card_number  # noqa: E402
from sync.protocol import Role  # noqa: E402
from sync.server import schema  # noqa: E402
from sync.server.settings_file import CardLookupLimits  # noqa: E402
from sync.server.store import utcnow  # noqa: E402
from tests.sync.server import records as r  # noqa: E402
from tests.sync.server.harness import Device, Harness  # noqa: E402


def best_ms(operator: Device, number: str, repeat: int = 20) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        operator.get(f"/v1/cards/{number}")
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audit", type=int, default=500_000, help="older audit entries to add")
    args = parser.parse_args()
    print(f"Card look-up benchmark: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        many = CardLookupLimits(
            per_device=10**6, per_user=10**6, max_misses=10**6, alert_after_misses=10**6
        )
        harness = Harness(Path(tmp) / "server", card_lookups=many)
        try:
            admin = harness.device("admin", Role.ADMIN)
            operator = harness.device("operator", Role.EMERGENCY_OPERATOR)
            carer = r.carer()
            plan = r.plan(carer.id)
            card = r.card(plan)
            admin.push(r.change(carer), r.change(plan), r.change(card))
            best_ms(operator, card.number, 5)  # warm up
            found = best_ms(operator, card.number)
            missed = best_ms(operator, generate_card_number())
            with harness.store.engine.begin() as conn:
                old = utcnow() - timedelta(days=2)
                for start in range(0, args.audit, 50_000):
                    conn.execute(
                        insert(schema.audit),
                        [
                            {
                                "at": old,
                                "actor": f"user{i % 50}",
                                "device_id": f"device{i % 80}",
                                "action": "card-lookup" if i % 3 == 0 else "enrol",
                                "kind": None,
                                "record_id": None,
                                "details": "{}",
                            }
                            for i in range(start, min(start + 50_000, args.audit))
                        ],
                    )
            grown = best_ms(operator, card.number)
        finally:
            harness.close()
    print(f"  {'':<48} {'figure':>10} {'target':>10} {'ratio':>7}")
    print(f"  {'look-up of a card (found)':<48} {found:>7.1f} ms {'< 1000 ms':>10}")
    print(f"  {'look-up of an unknown number':<48} {missed:>7.1f} ms {'< 1000 ms':>10}")
    label = f"found, after {args.audit:,} older audit entries"
    print(f"  {label:<48} {grown:>7.1f} ms {'~1x':>10} {grown / found:>6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
