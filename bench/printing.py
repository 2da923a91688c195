"""Printing benchmark: one card, a sheet of 10, a batch of 500, a 4-page plan, and the
same documents for a carer whose name is 99,000 characters long.

Prints wall time (median of several runs, after one warm-up that registers the fonts) and
peak Python memory (tracemalloc) for each. Targets from the printing issue: a sheet under
200 ms, 500 cards under 10 s, a plan under 300 ms; from issue 9, printing time bounded
whatever the data: each 99,000-character-name document under 2 s (it took 12 minutes),
and its ratio to the same document with an ordinary name.

Run: python bench/printing.py
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pypdf import PdfReader

from carer_desk.printing.card_content import CardContent
from carer_desk.printing.cards import render_card, render_card_sheets
from carer_desk.printing.document import Layout, render_document
from carer_desk.printing.plan import plan_document
from carer_desk.rules.card_numbers import format_card_number, generate_card_number
from tests.carer_desk.printing import samples

TARGETS = {
    "sheet of 10": 0.200,
    "500 cards": 10.0,
    "4-page plan": 0.300,
    "huge: plan": 2.0,
    "huge: card": 2.0,
    "huge: sign-in": 2.0,
}
HUGE = "A" * 99_000


def _cards(count: int) -> list[CardContent]:
    out = []
    for i in range(count):
        number = generate_card_number()
        out.append(
            CardContent(
                number,
                format_card_number(number),
                "0345 050 8725",
                first_name="Zoë" if i % 2 else None,
                contact_name="عائشة" if i % 3 else None,
                contact_phone="07700 900123" if i % 3 else None,
            )
        )
    return out


def _measure(name: str, work: Callable[[], bytes], runs: int) -> float:
    work()  # warm-up: fonts registered, modules imported
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    pdf = work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median = statistics.median(times)
    target = TARGETS.get(name)
    verdict = ""
    if target is not None:
        met = "met" if median < target else "MISSED"
        verdict = f" (target < {target * 1000:.0f} ms: {met})"
    print(
        f"{name:<14} median {median * 1000:8.1f} ms  min {min(times) * 1000:8.1f} ms  "
        f"peak {peak / 1e6:6.1f} MB  pdf {len(pdf) / 1e3:7.1f} kB{verdict}"
    )
    return median


def _huge_name() -> None:
    """The same three documents for an ordinary name and a 99,000-character one."""
    from carer_desk import factories as make
    from carer_desk.printing.card_content import card_content_for
    from carer_desk.printing.cards import render_cr80_cards
    from carer_desk.printing.sign_in import SignInSheet, render_sign_in_sheet

    def documents(name: str) -> dict[str, Callable[[], bytes]]:
        carer = make.carer(given_name=name)
        plan = make.plan(
            carer, cared_for=(make.plan_person(name=name),), card_first_name_on_back=True
        )
        content = card_content_for(make.card(plan), plan, carer, emergency_phone="0345 050 8725")
        doc = plan_document(plan, carer, printed_on=date(2025, 6, 1), emergency_phone=None)
        sheet = SignInSheet(
            group_name=name, session_on=date(2025, 6, 1), starts_at=None, venue=name,
            facilitator=name, names=(name,) * 10, blank_rows=2,
        )  # fmt: skip
        return {
            "plan": lambda: render_document(doc),
            "card": lambda: render_cr80_cards([content]),
            "sign-in": lambda: render_sign_in_sheet(sheet),
        }

    ordinary, huge = documents("Ann"), documents(HUGE)
    for key in ordinary:
        base = _measure(f"plain: {key}", ordinary[key], runs=3)
        long = _measure(f"huge: {key}", huge[key], runs=3)
        print(f"{'':<14} 99,000-character name / ordinary name: {long / base:5.1f}x")


def main() -> None:
    one = _cards(1)[0]
    ten = _cards(10)
    five_hundred = _cards(500)
    carer = samples.carer(samples.LONG_NAME_GIVEN, samples.LONG_NAME_FAMILY)
    plan = samples.plan_for(carer, medicines=34)  # four A4 pages
    doc = plan_document(plan, carer, printed_on=date(2025, 6, 1), emergency_phone="0345 050 8725")
    pages = len(PdfReader(io.BytesIO(render_document(doc))).pages)
    print(f"Python {sys.version.split()[0]}; the plan has {pages} pages")
    _measure("one card", lambda: render_card(one), runs=20)
    _measure("sheet of 10", lambda: render_card_sheets(ten), runs=10)
    _measure("500 cards", lambda: render_card_sheets(five_hundred), runs=3)
    _measure("4-page plan", lambda: render_document(doc, Layout.STANDARD), runs=10)
    _measure("plan, large", lambda: render_document(doc, Layout.LARGE_PRINT), runs=5)
    _huge_name()


if __name__ == "__main__":
    main()
