"""An emergency plan and its cards in the window, as a worker and a card administrator do
it: a plan written from the carer's page until it is complete, a card issued and a sheet
printed to PDF, a lost card reissued, the contacts put in call order by keyboard (and by
drag), the completeness indicator naming what is missing, and the print queue — over a
real vault and the real demo office."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from carer_desk.records.plan import CardStatus
from carer_desk.roles import Area
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.services.caseload import PlanState
from tests.ui.conftest import Desk, on_vault, press, type_into, visible_texts
from ui.controllers.session import Gate
from ui.print_preview import PrintPreviewDialog
from ui.views.carer_page import CarerPage
from ui.views.plan_page import PlanPage
from ui.views.print_queue_page import PrintQueuePage


def _record(qtbot, desk: Desk, cls):
    qtbot.waitUntil(lambda: isinstance(desk.window.workspace.record_page, cls))
    desk.idle(qtbot)
    return desk.window.workspace.record_page


def _carer_with(desk: Desk, qtbot, state: PlanState) -> str:
    rows = on_vault(desk, qtbot, lambda s: s.caseload.rows())
    return next(r.carer_id for r in rows if r.plan_state is state)


def _open_plan_from_carer_page(qtbot, desk: Desk, carer_id: str) -> PlanPage:
    desk.window.workspace.open_record("carer", carer_id, "plan")
    page = _record(qtbot, desk, CarerPage)
    qtbot.waitUntil(lambda: page.tabs.count() > 1)
    tab = page.tabs.currentWidget()
    buttons = [
        b
        for b in tab.findChildren(type(page.save_button))
        if b.accessibleName().startswith(("Write the plan", "Open the plan"))
    ]
    assert len(buttons) == 1
    buttons[0].click()
    plan = _record(qtbot, desk, PlanPage)
    qtbot.waitUntil(lambda: plan.controller.file is not None)
    desk.idle(qtbot)
    return plan


def _print_preview_to_pdf(qtbot, desk: Desk, page, path: Path, click) -> str:
    """``click`` asks for a printout; it is previewed and printed to the PDF file ``path``
    (pages painted as images, as a printer gets them). Returns the rendered document's
    text."""
    rendered = []
    page.controller.preview_ready.connect(rendered.append)
    click()
    desk.idle(qtbot)
    qtbot.waitUntil(lambda: isinstance(getattr(page, "preview", None), PrintPreviewDialog))
    dialog = page.preview
    assert dialog.isVisible()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog.controller.prepare_printer(printer)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    pages = dialog.controller.print_to(printer)
    desk.idle(qtbot)
    dialog.close()
    page.preview = None
    assert pages >= 1 and len(PdfReader(path).pages) == pages
    (pdf,) = (r.pdf for r in rendered)
    return "\n".join(p.extract_text() or "" for p in PdfReader(BytesIO(pdf)).pages)


def _missing(page: PlanPage) -> str:
    page.controller.check()
    return page.completeness.missing.text() if page.completeness.missing.isVisible() else ""


def test_a_plan_written_until_complete_a_card_issued_and_a_sheet_printed(
    worker: Desk, qtbot, tmp_path: Path
):
    carer_id = _carer_with(worker, qtbot, PlanState.NONE)
    page = _open_plan_from_carer_page(qtbot, worker, carer_id)
    assert page.controller.plan is None
    # The completeness indicator names what the empty plan lacks, in the core's words.
    assert "Not complete yet" in page.completeness.headline.text()
    missing = _missing(page)
    assert "how to get into the home" in missing
    assert "consent to share the plan with the emergency line" in missing
    assert "Before a card can be issued" in page.completeness.card.text()
    assert not page.cards.table.isVisible()

    # Who is cared for (the carer's record names them already: told once).
    if not page.people.items:
        page.people.add_button.click()
        type_into(page.people.items[0].fields["name"].widget, "Joe Lee")
    for box in page.people.items:
        f = box.fields
        type_into(f["conditions_and_care_needed"].widget, "Dementia; help to wash and dress")
        type_into(f["medication"].widget, "Donepezil; 10 mg; 8am; kitchen cupboard")
        type_into(f["allergies"].widget, "none known")
        type_into(f["gp"].widget, "Windrush Surgery")
        type_into(f["address.line1"].widget, "4 Mill Lane")
        type_into(f["address.town"].widget, "Witney")
        type_into(f["address.postcode"].widget, "OX28 4AB")
    access = page.sections[0].fields
    type_into(access["access.who_holds_keys"].widget, "Neighbour at number 3")

    # Two contacts, the second one first without consent: the indicator says so.
    contacts = page.contacts
    for name, role, phone in (
        ("Ann Lee", "daughter", "07700 900123"),
        ("Tom Hill", "neighbour", "01993 700700"),
    ):
        contacts.add_button.click()
        d = contacts.details.fields
        type_into(d["name"].widget, name)
        type_into(d["role"].widget, role)
        type_into(d["phone"].widget, phone)
        if name == "Ann Lee":
            d["consent_given"].widget.setChecked(True)
            type_into(d["consent_date"].widget, "1/11/2026")
    assert "Tom Hill's consent to be an emergency contact" in _missing(page)
    d = contacts.details.fields
    d["consent_given"].widget.setChecked(True)
    type_into(d["consent_date"].widget, "1/11/2026")
    assert contacts.list.item(0).text().startswith("1. Ann Lee (daughter, 07700 900123)")
    assert contacts.list.item(1).text().startswith("2. Tom Hill")
    consent = page.sections[-1].fields
    consent["consent_to_share_with_emergency_service"].widget.setChecked(True)
    type_into(consent["consent_date"].widget, "1/11/2026")
    page.controller.check()
    assert "Complete" in page.completeness.headline.text(), _missing(page)
    assert page.completeness.card.text() == "A card may be issued for this plan."

    page.save_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: page.controller.plan is not None)
    worker.idle(qtbot)
    assert "the plan is complete" in page.saved_label.text()
    assert page.completeness.review.text().startswith("Review the plan by")

    # A card, waiting in the print queue, then printed on an A4 sheet to a PDF file.
    page.cards.issue_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: page.cards.table.rowCount() == 1)
    number = page.cards.table.item(0, 0).text()
    assert page.cards.table.item(0, 2).text() == "Waiting to be printed"
    assert "print queue" in page.saved_label.text()
    text = _print_preview_to_pdf(
        qtbot, worker, page, tmp_path / "sheet.pdf", page.cards.print_sheet_button.click
    )
    assert number in text
    qtbot.waitUntil(lambda: page.cards.table.item(0, 2).text() == "Printed")

    plan, cards, prints = on_vault(
        worker,
        qtbot,
        lambda s: (
            s.plans.find_for_carer(carer_id),
            s.cards.cards_of(carer_id),
            [e for e in s.store.audit_entries() if e.action == "print"],
        ),
    )
    assert plan.is_complete and [c.name for c in plan.emergency_contacts] == [
        "Ann Lee",
        "Tom Hill",
    ]
    assert plan.cared_for[0].address is not None
    assert [c.status for c in cards] == [CardStatus.PRINTED]
    assert format_card_number(cards[0].number, 4) == number
    assert any(e.details.get("document") == "card-sheet" for e in prints)

    # The plan itself, in large print, through the same preview.
    page.cards.layout_choice.setCurrentIndex(page.cards.layout_choice.findData("large-print"))
    text = _print_preview_to_pdf(
        qtbot, worker, page, tmp_path / "plan.pdf", page.cards.print_plan_button.click
    )
    assert "Ann Lee" in text and "4 Mill Lane" in text


def test_a_lost_card_is_reissued_with_a_new_number_and_the_old_one_revoked(worker: Desk, qtbot):
    cards = on_vault(worker, qtbot, lambda s: [c for c in s.print_queue.rows() if not c.held_back])
    carer_id = cards[0].carer_id
    page = _open_plan_from_carer_page(qtbot, worker, carer_id)
    table = page.cards.table
    assert table.rowCount() >= 1
    old = table.item(0, 0).text()
    table.selectRow(0)
    page.cards.reissue_button.click()  # no reason yet: refused, saying what to do
    worker.idle(qtbot)
    assert page.notice.isVisible() and "why" in page.notice.text().lower()
    type_into(page.cards.reason, "lost")
    page.cards.reissue_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: f"Card {old} is revoked" in page.saved_label.text())
    numbers = [table.item(r, 0).text() for r in range(table.rowCount())]
    states = [table.item(r, 2).text() for r in range(table.rowCount())]
    new = numbers[0]
    assert new != old and old in numbers
    assert states[0] == "Waiting to be printed"
    assert states[numbers.index(old)].startswith("Revoked on") and "lost" in states[1]
    assert new in page.saved_label.text()

    looked_up = on_vault(worker, qtbot, lambda s: s.cards.lookup(old))
    assert looked_up.revoked
    assert looked_up.current_card is not None
    assert format_card_number(looked_up.current_card.number, 4) == new


def test_contacts_are_put_in_call_order_by_keyboard_and_by_drag(worker: Desk, qtbot):
    carer_id = _carer_with(worker, qtbot, PlanState.INCOMPLETE)
    page = _open_plan_from_carer_page(qtbot, worker, carer_id)
    contacts = page.contacts
    if contacts.list.count() < 2:
        for name in ("Ann Lee", "Tom Hill")[contacts.list.count() :]:
            contacts.add_button.click()
            d = contacts.details.fields
            type_into(d["name"].widget, name)
            type_into(d["role"].widget, "friend")
            type_into(d["phone"].widget, "07700 900777")
    names = [v["name"] for v in contacts.value()]
    first, second = names[0], names[1]

    lst = contacts.list
    lst.setFocus()
    lst.setCurrentRow(0)
    press(lst, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert [v["name"] for v in contacts.value()][:2] == [second, first]
    assert lst.currentRow() == 1 and lst.hasFocus()
    assert lst.item(0).text().startswith(f"1. {second}")
    assert lst.item(1).text().startswith(f"2. {first}")
    assert contacts.details.title() == "Contact 2: ring second"
    press(lst, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert [v["name"] for v in contacts.value()][:2] == [first, second]
    press(lst, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)

    # A drag moves the item in the list's model: the same renumbering follows.
    assert lst.dragDropMode() == lst.DragDropMode.InternalMove
    model = lst.model()
    assert model.moveRow(model.index(0, 0).parent(), 1, model.index(0, 0).parent(), 0)
    worker.idle(qtbot)
    assert [v["name"] for v in contacts.value()][:2] == [first, second]
    assert lst.item(0).text().startswith(f"1. {first}")
    lst.setCurrentRow(0)
    press(lst, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert [v["name"] for v in contacts.value()][:2] == [second, first]

    page.save_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: "Saved" in page.saved_label.text())
    plan = on_vault(worker, qtbot, lambda s: s.plans.find_for_carer(carer_id))
    assert [c.name for c in plan.emergency_contacts][:2] == [second, first]


def test_the_completeness_indicator_names_what_is_missing_and_nothing_is_lost(worker: Desk, qtbot):
    carer_id = _carer_with(worker, qtbot, PlanState.INCOMPLETE)
    page = _open_plan_from_carer_page(qtbot, worker, carer_id)
    stored_missing = on_vault(
        worker, qtbot, lambda s: s.plans.missing_sections(s.plans.find_for_carer(carer_id))
    )
    shown = _missing(page)
    # The same words as the core's; a missing review date is set when saved, and says so.
    expected = [m for m in stored_missing if m != "a review date"]
    assert expected and all(f"• {m}" in shown for m in expected)
    assert f"{len(expected)} thing(s) still needed" in page.completeness.headline.text()
    if "a review date" in stored_missing:
        assert "saving sets it 12 months ahead" in page.completeness.review.text()

    # A contact added without consent is named at once; a bad date is refused, not lost.
    page.contacts.add_button.click()
    d = page.contacts.details.fields
    type_into(d["name"].widget, "Rita Moss")
    type_into(d["role"].widget, "friend")
    type_into(d["phone"].widget, "07700 900999")
    assert "Rita Moss's consent to be an emergency contact" in _missing(page)
    review = page.sections[-1].fields["review_date"].widget
    type_into(review, "31/02/2027")
    page.controller.check()
    assert "to correct" in page.completeness.headline.text()
    page.save_button.click()
    worker.idle(qtbot)
    error = page.sections[-1].fields["review_date"].row.error
    assert error.isVisible() and "no such date" in error.text()
    assert review.text() == "31/02/2027"
    assert "Not saved" in page.saved_label.text()
    # Typing is kept as a sealed draft: a lock and unlock bring it back.
    page.controller.draft.save()
    worker.idle(qtbot)
    draft = on_vault(worker, qtbot, lambda s: s.drafts.load(f"plan:{carer_id}"))
    assert any(c.get("name") == "Rita Moss" for c in draft["emergency_contacts"])


def test_the_reminder_shows_on_the_carer_page_and_the_caseload_when_the_review_falls_due(
    worker: Desk, qtbot
):
    carer_id = _carer_with(worker, qtbot, PlanState.IN_PLACE)

    def due_soon(s):
        plan = s.plans.find_for_carer(carer_id)
        soon = s.clock.today() + timedelta(days=10)
        return s.run(lambda ss: ss.plans.update(replace(plan, review_date=soon)))

    on_vault(worker, qtbot, due_soon)
    rows = on_vault(worker, qtbot, lambda s: s.caseload.rows())
    assert next(r for r in rows if r.carer_id == carer_id).plan_state is PlanState.REVIEW_DUE
    worker.window.workspace.open_record("carer", carer_id, "plan")
    page = _record(qtbot, worker, CarerPage)
    qtbot.waitUntil(lambda: page.tabs.count() > 1)
    notes = [w.text() for w in page.tabs.currentWidget().findChildren(type(page.title))]
    assert any("⚠ The plan's review falls due on" in t for t in notes), notes
    plan = _open_plan_from_carer_page(qtbot, worker, carer_id)
    assert plan.completeness.review.text().startswith("⚠ The plan's review falls due on")
    plan.reviewed_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: "Marked reviewed today" in plan.saved_label.text())
    assert plan.completeness.review.text().startswith("Review the plan by")


def test_the_print_queue_prints_a_sheet_of_the_waiting_cards(worker: Desk, qtbot, tmp_path: Path):
    window = worker.window
    assert Area.CARDS in window.workspace.areas
    window.workspace.go(window.workspace.window_controller.home(worker.shell.ctx.open_desk()))
    from ui.controllers.window import Place

    window.workspace.go(Place(Area.CARDS))
    page = window.workspace.page_for(Area.CARDS)
    assert isinstance(page, PrintQueuePage)
    qtbot.waitUntil(lambda: page.controller.ready)
    assert "checking each card" in page.count.text() or page.controller.checked
    qtbot.waitUntil(lambda: page.controller.checked)
    worker.idle(qtbot)
    rows = page.controller.model.rows()
    ready = [r for r in rows if r.held_back is None]
    assert ready, "the demo office has cards waiting"
    assert "waiting to be printed" in page.count.text()
    text = _print_preview_to_pdf(
        qtbot, worker, page, tmp_path / "queue.pdf", page.sheet_button.click
    )
    assert all(r.number in text for r in ready)
    qtbot.waitUntil(lambda: "marked printed" in page.result.text())
    qtbot.waitUntil(
        lambda: page.controller.checked and all(r.held_back for r in page.controller.model.rows())
    )
    # Enter on a row opens that carer's plan.
    if page.controller.model.rowCount():
        page.table.setFocus()
        page.table.selectRow(0)
        press(page.table, Qt.Key.Key_Return)
        plan = _record(qtbot, worker, PlanPage)
        assert plan.controller.carer_id == page.controller.model.rows()[0].carer_id


def test_a_lock_mid_plan_drops_every_value_and_unlocking_brings_the_typing_back(
    worker: Desk, qtbot
):
    carer_id = _carer_with(worker, qtbot, PlanState.INCOMPLETE)
    page = _open_plan_from_carer_page(qtbot, worker, carer_id)
    carer_name = page.controller.carer.display_name
    type_into(page.sections[1].fields["pets"].widget, "Canarypets the cat")
    page.contacts.add_button.click()
    d = page.contacts.details.fields
    type_into(d["name"].widget, "Canarycontact Jones")
    type_into(d["role"].widget, "friend")
    type_into(d["phone"].widget, "07700 900321")
    worker.shell.session.lock("test")
    worker.at(qtbot, Gate.UNLOCK)
    texts = visible_texts()
    assert not any("Canary" in t for t in texts)
    assert not any(carer_name in t for t in texts)
    unlock = worker.window.unlock_view
    type_into(unlock.passphrase, "demo passphrase")
    press(unlock.passphrase, Qt.Key.Key_Return)
    worker.at(qtbot, Gate.WORKSPACE)
    page = _record(qtbot, worker, PlanPage)  # the same screen, restored
    qtbot.waitUntil(lambda: page.controller.file is not None)
    worker.idle(qtbot)
    assert page.controller.carer_id == carer_id
    assert page.sections[1].fields["pets"].widget.toPlainText() == "Canarypets the cat"
    assert "Canarycontact Jones" in [c["name"] for c in page.contacts.value()]
    assert "unsaved changes to the plan were kept" in page.notice.text()
    page.save_now()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: "Saved" in page.saved_label.text())
    plan = on_vault(worker, qtbot, lambda s: s.plans.find_for_carer(carer_id))
    assert plan.pets == "Canarypets the cat"
    assert on_vault(worker, qtbot, lambda s: s.drafts.load(f"plan:{carer_id}")) is None


def test_the_next_plan_opens_on_the_same_page_with_nothing_of_the_last(worker: Desk, qtbot):
    first_id = _carer_with(worker, qtbot, PlanState.INCOMPLETE)
    second_id = _carer_with(worker, qtbot, PlanState.IN_PLACE)
    first = _open_plan_from_carer_page(qtbot, worker, first_id)
    first_name = first.controller.carer.display_name
    type_into(first.sections[1].fields["pets"].widget, "Canaryfirst dog")
    second = _open_plan_from_carer_page(qtbot, worker, second_id)
    assert second is first  # rebound, not built again
    assert second.controller.carer_id == second_id
    assert first_name not in second.title.text()
    assert "Canaryfirst" not in " ".join(visible_texts(second))
    # The typing left behind in the first plan was kept as its draft.
    draft = on_vault(worker, qtbot, lambda s: s.drafts.load(f"plan:{first_id}"))
    assert draft["pets"] == "Canaryfirst dog"


def test_what_the_plan_still_needs_reads_left_to_right_whatever_script_a_name_is_in(qtbot):
    from ui.forms.plan_form import Completeness
    from ui.views.plan_page import CompletenessBox

    box = CompletenessBox()
    qtbot.addWidget(box)
    gaps = ("سارة's consent to be an emergency contact", "the address where care is needed")
    box.show_completeness(Completeness(missing=gaps, card_gaps=()))
    lines = box.missing.text().split("\n")
    # A left-to-right mark first: a line that starts with an Arabic name would otherwise
    # be laid out right to left, its bullet at the far end.
    assert lines == [f"\u200e• {g}" for g in gaps]
    assert box.missing.accessibleDescription() == "; ".join(gaps)  # read without the mark
