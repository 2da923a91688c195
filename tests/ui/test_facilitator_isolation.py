"""A facilitator sees register fields only (BRIEF §5): no conversation notes, payments or
plans anywhere in the window. Signed in as the demo facilitator, every screen they can
reach is walked and every widget's text read; none may hold a word or a value of the
records their carers have at the office."""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6.QtWidgets import QApplication

from carer_desk.formatting import iso_date, long_date, money
from carer_desk.records.codec import KINDS, to_payload
from carer_desk.records.groups import REGISTER_ENTRY_KIND
from carer_desk.roles import Area
from carer_desk.rules.card_numbers import format_card_number
from tests.ui.conftest import Desk, on_vault, visible_texts
from ui.controllers.window import Place
from ui.print_preview import PrintPreviewDialog
from ui.views.about_dialog import AboutDialog
from ui.views.carer_page import CarerPage
from ui.views.group_page import GroupPage
from ui.views.register_page import RegisterPage

# Words of the records a facilitator must never be shown, labels as much as values (the
# follow-up conversation they ask the office for is theirs to ask for).
FORBIDDEN_WORDS = re.compile(
    r"\b(payments?|(?<!follow-up )conversations?|plans?|medication|wellbeing|"
    r"date of birth|postcode|GP|assessments?|safeguarding|card number|cared for|"
    r"emergency contacts?)\b|£",
    re.IGNORECASE,
)


def _texts_in(value: object) -> Iterator[str]:
    """Every free text inside a record's payload (ids, dates and codes left out)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _texts_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts_in(v)
    elif isinstance(value, str) and " " in value.strip() and len(value) >= 10:
        yield value.strip()  # words, not ids or codes


def _office_secrets(facilitator: Desk, carer_ids: set[str]) -> set[str]:
    """What the office holds of these carers beyond the register fields."""
    env = facilitator.launcher.demo("admin")
    office = env.set_up_demo()
    secrets: set[str] = set()
    try:
        for carer_id in carer_ids:
            f = office.session.files.open(carer_id)
            c = f.carer
            if c.date_of_birth:
                secrets |= {iso_date(c.date_of_birth), long_date(c.date_of_birth)}
            for value in (
                c.address.line1 if c.address else None,
                c.address.postcode if c.address else None,
                c.gp_practice,
                c.referral.source_detail if c.referral else None,
                c.consent.notes if c.consent else None,
            ):
                if value and len(value) >= 5:
                    secrets.add(value)
            for person in c.cared_for:
                secrets.add(person.name)
            for contact in c.contacts:
                secrets.add(contact.name)
            for record in (*f.conversations, *f.payments, *f.cards, *([f.plan] if f.plan else [])):
                secrets |= set(_texts_in(to_payload(record)))
            secrets |= {money(p.amount_pence) for p in f.payments}
            secrets |= {format_card_number(card.number) for card in f.cards}
    finally:
        env.close()
    return {s for s in secrets if len(s) >= 5}


def _walk(facilitator: Desk, qtbot) -> tuple[list[str], list[str]]:
    """Every screen a facilitator can reach, each one's text read: (what their work
    screens and dialogs show, everything the window holds, its start screens included)."""
    window, seen, held = facilitator.window, [], []

    def read(dialog=None) -> None:
        facilitator.idle(qtbot)
        QApplication.processEvents()
        seen.extend(visible_texts(dialog or window.workspace))
        held.extend(visible_texts(window))

    for area in window.workspace.areas:
        window.go(Place(area))
        read()
    groups = window.workspace.page_for(Area.GROUPS)
    for group_row in range(groups.controller.model.rowCount()):
        window.workspace.open_record("group", groups.controller.group_id_at(group_row))
        qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, GroupPage))
        group = window.workspace.record_page
        qtbot.waitUntil(lambda g=group: g.controller.group is not None)
        for tab in range(group.tabs.count()):
            group.tabs.setCurrentIndex(tab)
            read()
        session_ids = [
            group.controller.session_id_at(r) for r in range(group.controller.sessions.rowCount())
        ]
        for session_id in session_ids:
            window.workspace.open_record("session", session_id)
            qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, RegisterPage))
            register = window.workspace.record_page
            qtbot.waitUntil(lambda r=register: r.controller.ready)
            register.open_newcomer()
            read()
            register.print_button.click()
            qtbot.waitUntil(
                lambda r=register: isinstance(getattr(r, "preview", None), PrintPreviewDialog)
            )
            read(register.preview)
            register.preview.close()
    window.go(Place(Area.GROUPS))
    groups.new_button.click()
    read()
    dialog = facilitator.shell.open_settings()
    read(dialog)
    dialog.close()
    # About describes the product (its conversations, payments and plans): not records.
    about = AboutDialog(facilitator.shell.ctx.env.vault.location, True, window)
    about.show()
    held.extend(visible_texts(about))
    about.close()
    return seen, held


def test_a_facilitator_sees_register_fields_and_nothing_else(facilitator: Desk, qtbot):
    window = facilitator.window
    assert window.workspace.areas == [Area.GROUPS, Area.SYNC]

    # What their laptop holds: groups, sessions, marks and the server's register entries;
    # never a carer's conversation, payment, plan or card.
    held = on_vault(
        facilitator,
        qtbot,
        lambda s: {
            kind: [rid for rid, _ in s.store.iter_kind(kind)]
            for kind in (*KINDS, REGISTER_ENTRY_KIND)
        },
    )
    assert held["carer"] == []
    assert held["conversation"] == held["payment_request"] == held["plan"] == held["card"] == []
    assert held[REGISTER_ENTRY_KIND] and held["group"] and held["session"]
    entries = on_vault(
        facilitator,
        qtbot,
        lambda s: [dict(p) for _, p in s.store.iter_kind(REGISTER_ENTRY_KIND)],
    )
    assert {frozenset(e) for e in entries} == {
        frozenset({"carer_id", "display_name", "phone", "email", "access_needs"})
    }

    # No way to a carer's record: the page cannot be opened, even when asked for by id.
    carer_id = held[REGISTER_ENTRY_KIND][0]
    window.workspace.open_record("carer", carer_id)
    assert not isinstance(window.workspace.record_page, CarerPage)
    assert not window.new_carer_action.isVisible() and not window.search.isVisible()

    # The demo's invented names repeat: a contact may share a name with another carer on
    # the register, whose name may be shown.
    allowed = {str(v) for e in entries for v in e.values() if v} | {
        n for e in entries for n in e["access_needs"]
    }
    secrets = _office_secrets(facilitator, set(held[REGISTER_ENTRY_KIND])) - allowed
    assert len(secrets) > 50  # the office does hold plans, payments and notes for them
    texts, everything = _walk(facilitator, qtbot)
    on_screen = "\n".join(everything)

    # The walk really read the registers: every register name was on screen...
    for entry in entries:
        assert entry["display_name"] in on_screen
    # ...and nothing else of those carers was.
    shown = sorted(s for s in secrets if s in on_screen)
    assert not shown, f"records beyond the register are on screen: {shown[:5]}"
    words = sorted({m.group(0) for t in texts for m in FORBIDDEN_WORDS.finditer(t)})
    assert not words, f"words of records a facilitator may not see: {words}"
