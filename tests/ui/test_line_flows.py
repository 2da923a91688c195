"""The 24-hour line in the window, as an operator uses it on a call: the number read out
(a mistyped digit caught before any look-up, then the right number), the plan in large
type, the contacts rung in order, the outcome recorded, the screen cleared — over a real
vault and the real demo office, whose server audits every look-up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from carer_desk.roles import Area
from carer_desk.rules.card_numbers import format_card_number
from carer_desk.rules.emergency_line import LineStatus
from sync.server.store import open_store
from tests.ui.conftest import Desk, on_vault, press, type_into, visible_texts
from tests.ui.line_office import OfficeCard, ready_card, reissue_as_admin, withdrawn_card
from ui.controllers.line import CLEAR_AFTER_IDLE_MS, Attempt
from ui.views.line_page import LinePage


def _page(desk: Desk) -> LinePage:
    return desk.window.workspace.page_for(Area.LOOKUP)


def _office(desk: Desk):
    return desk.launcher.demo_office()


def _mistype(number: str) -> str:
    """The number with one digit misheard (the check digit catches every such slip)."""
    wrong = str((int(number[3]) + 1) % 10)
    return number[:3] + wrong + number[4:]


def _look_up(qtbot, desk: Desk, page: LinePage, typed: str) -> None:
    type_into(page.number, typed)
    press(page.number, Qt.Key.Key_Return)
    desk.idle(qtbot)


def _server_lookups(desk: Desk) -> list[dict]:
    office = _office(desk)
    store = open_store(office.settings.database_url, office.settings.key_file)
    try:
        return [
            dict(row.details)
            for row in store.iter_audit()
            if row.action == "card-lookup" and row.actor == "demo-operator"
        ]
    finally:
        store.close()


def _contact_texts(found: OfficeCard) -> list[str]:
    assert found.plan is not None
    return [c.name for c in found.plan.emergency_contacts]


def test_an_operator_opens_on_the_look_up_with_only_their_refused_calls_beside_it(
    operator: Desk, qtbot
):
    window = operator.window
    assert list(window.workspace.areas) == [Area.LOOKUP, Area.SYNC]
    page = _page(operator)
    assert window.workspace.current_page() is page
    assert page.number.hasFocus()
    assert not window.search.isVisible() and not window.new_carer_action.isVisible()


def test_a_mistyped_digit_is_caught_before_any_look_up_then_the_right_number(operator: Desk, qtbot):
    found = ready_card(_office(operator))
    number = found.card.number
    page = _page(operator)
    before = len(_server_lookups(operator))

    _look_up(qtbot, operator, page, format_card_number(_mistype(number)))
    assert page.number_error.isVisible()
    assert "check" in page.number_error.text().lower()
    assert page.answer_box is None
    assert len(_server_lookups(operator)) == before  # nothing was sent
    assert page.number.hasFocus()

    _look_up(qtbot, operator, page, format_card_number(number))
    qtbot.waitUntil(lambda: page.answer_box is not None)
    answer = page.controller.answer
    assert answer.status is LineStatus.READY
    assert not page.number_error.isVisible()
    texts = "\n".join(visible_texts(page))
    person = found.plan.cared_for[0]
    assert person.name in texts
    assert person.address.line1 in texts  # where care is needed
    consented = [c for c in found.plan.emergency_contacts if c.consent_given and c.phone]
    for position, contact in enumerate(consented, start=1):
        assert f"{position}. {contact.name}" in texts
        assert contact.phone in texts
    for med in person.medication:
        assert med.name in texts
    assert found.plan.access.how_to_get_in in texts
    audited = _server_lookups(operator)
    assert len(audited) == before + 1 and audited[-1]["number"] == number


def test_a_mistyped_number_after_a_look_up_takes_the_last_plan_off_the_screen(
    operator: Desk, qtbot
):
    found = ready_card(_office(operator))
    page = _page(operator)
    _look_up(qtbot, operator, page, format_card_number(found.card.number))
    qtbot.waitUntil(lambda: page.answer_box is not None)
    person = found.plan.cared_for[0]
    assert person.name in "\n".join(visible_texts(page))

    # The next caller's number, misheard: the last carer's plan must not stay up under it.
    _look_up(qtbot, operator, page, format_card_number(_mistype(found.card.number)))
    assert page.number_error.isVisible()
    assert page.answer_box is None and page.controller.answer is None
    assert person.name not in "\n".join(visible_texts(page))
    assert page.number.hasFocus()


def test_the_call_is_recorded_and_nothing_is_left_in_any_widget(operator: Desk, qtbot):
    found = ready_card(_office(operator))
    page = _page(operator)
    _look_up(qtbot, operator, page, found.card.number)
    qtbot.waitUntil(lambda: page.answer_box is not None)
    answer = page.controller.answer
    first, *rest = answer.contacts

    # By keyboard, in the order the page reads: the first contact did not answer, the
    # second is on their way; replacement care arranged for 12 hours; a follow-up.
    rows = page.contact_rows
    rows[first.contact_id].attempt.setFocus()
    rows[first.contact_id].attempt.setCurrentIndex(
        rows[first.contact_id].attempt.findData(str(Attempt.NO_ANSWER))
    )
    if rest:
        row = rows[rest[0].contact_id]
        row.attempt.setCurrentIndex(row.attempt.findData(str(Attempt.REACHED)))
        type_into(row.note, "on her way, 20 minutes")
    press(page.record_button, Qt.Key.Key_Space)  # nobody said who rang: refused, kept
    desk_idle = operator.idle
    desk_idle(qtbot)
    assert page.caller_row.error.isVisible()
    assert page.caller.hasFocus()
    type_into(page.caller, "A neighbour")
    page.care.setChecked(True)
    page.hours.setValue(60)  # over the usual 48: needs a reason
    type_into(page.follow_up, "Ring the daughter about a longer-term plan")
    press(page.caller, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    desk_idle(qtbot)
    assert page.hours_row.error.isVisible() or page.exceptional_row.error.isVisible()
    assert page.answer_box is not None  # nothing lost
    page.hours.setValue(12)
    press(page.caller, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    desk_idle(qtbot)
    qtbot.waitUntil(lambda: page.answer_box is None)
    assert "Call recorded" in page.notice.text()

    calls = on_vault(operator, qtbot, lambda s: s.calls.calls_of(found.card.carer_id))
    assert len(calls) == 1
    call = calls[0]
    assert call.caller == "A neighbour"
    assert call.card_id == found.card.id and call.card_number == found.card.number
    assert call.replacement_care_hours == 12 and call.follow_up_open
    assert [a.reached for a in call.contacts_tried] == [False, True][: len(call.contacts_tried)]

    QApplication.processEvents()
    texts = "\n".join(visible_texts())
    for value in [
        *_contact_texts(found),
        found.plan.cared_for[0].name,
        found.plan.cared_for[0].address.line1,
        found.plan.access.how_to_get_in,
        "A neighbour",
        "on her way",
    ]:
        assert value not in texts, f"{value!r} is still in a widget after the call"
    assert page.number.text() == "" and page.number.hasFocus()


def test_a_revoked_number_says_so_and_names_the_current_card(operator: Desk, qtbot, tmp_path):
    office = _office(operator)
    found = ready_card(office)
    new = reissue_as_admin(office, tmp_path, found.card.id)
    page = _page(operator)
    _look_up(qtbot, operator, page, found.card.number)
    qtbot.waitUntil(lambda: page.answer_box is not None)
    answer = page.controller.answer
    assert answer.status is LineStatus.REVOKED
    texts = "\n".join(visible_texts(page))
    assert "revoked" in texts.lower()
    assert format_card_number(new.number) in texts
    for name in _contact_texts(found):
        assert name not in texts  # the old number never opens the plan by itself

    # The operator looks the current card up, as told.
    _look_up(qtbot, operator, page, new.number)
    qtbot.waitUntil(
        lambda: page.controller.answer is not None and page.controller.answer.number == new.number
    )
    assert page.controller.answer.status is LineStatus.READY


def test_consent_withdrawn_shows_what_to_do_instead(operator: Desk, qtbot):
    found = withdrawn_card(_office(operator))
    page = _page(operator)
    _look_up(qtbot, operator, page, found.card.number)
    qtbot.waitUntil(lambda: page.answer_box is not None)
    answer = page.controller.answer
    assert answer.status is LineStatus.CONSENT_WITHDRAWN
    texts = "\n".join(visible_texts(page))
    assert "do not use this plan" in texts.lower()
    assert "replacement care" in texts.lower()
    for name in _contact_texts(found):
        assert name not in texts
    assert found.plan.cared_for[0].name not in texts
    assert page.record_button.isVisible()  # the call is still recorded


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key pressed wherever the focus is, as a person at the keyboard does."""
    focus = QApplication.focusWidget()
    assert focus is not None
    press(focus, key, modifier)


def _keys(text: str) -> None:
    from PySide6.QtTest import QTest

    QTest.keyClicks(QApplication.focusWidget(), text)
    QApplication.processEvents()


def test_a_whole_call_by_keyboard_only(operator: Desk, qtbot):
    found = ready_card(_office(operator))
    page = _page(operator)
    assert page.number.hasFocus()
    _keys(found.card.number)
    _key(qtbot, Qt.Key.Key_Return)
    operator.idle(qtbot)
    qtbot.waitUntil(lambda: page.answer_box is not None)
    assert page.status.hasFocus()  # the headline first: what the line may do
    answer = page.controller.answer
    first = page.contact_rows[answer.contacts[0].contact_id]

    _key(qtbot, Qt.Key.Key_Tab)
    assert first.attempt.hasFocus()
    _key(qtbot, Qt.Key.Key_Down)  # Not rung -> Reached
    assert first.attempt.currentData() == str(Attempt.REACHED)
    _key(qtbot, Qt.Key.Key_Tab)
    assert first.note.hasFocus()
    _keys("coming now")
    # On through the other contacts to who rang.
    while not page.caller.hasFocus():
        _key(qtbot, Qt.Key.Key_Tab)
    _keys("Paramedic at the house")
    _key(qtbot, Qt.Key.Key_Tab)
    assert page.care.hasFocus()
    _key(qtbot, Qt.Key.Key_Space)
    assert page.care.isChecked()
    _key(qtbot, Qt.Key.Key_Tab)
    assert page.hours.hasFocus()
    page.hours.selectAll()
    _keys("6")
    _key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    operator.idle(qtbot)
    qtbot.waitUntil(lambda: page.answer_box is None)
    assert page.number.hasFocus()  # ready for the next call
    calls = on_vault(operator, qtbot, lambda s: s.calls.calls_of(found.card.carer_id))
    (call,) = calls
    assert call.caller == "Paramedic at the house"
    assert call.reached and call.reached[0].note == "coming now"
    assert call.replacement_care_hours == 6


def test_call_finished_clears_the_screen_and_throws_the_draft_away(operator: Desk, qtbot):
    found = ready_card(_office(operator))
    page = _page(operator)
    _look_up(qtbot, operator, page, found.card.number)
    qtbot.waitUntil(lambda: page.answer_box is not None)
    type_into(page.caller, "Canarycaller")
    page._edited()
    press(page.caller, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    operator.idle(qtbot)
    assert page.answer_box is None and page.number.text() == ""
    assert on_vault(operator, qtbot, lambda s: s.drafts.load("emergency-line.call")) is None
    texts = "\n".join(visible_texts())
    assert "Canarycaller" not in texts
    assert found.plan.cared_for[0].name not in texts


def test_an_idle_screen_is_cleared_and_the_typed_outcome_comes_back(operator: Desk, qtbot):
    found = ready_card(_office(operator))
    page = _page(operator)
    _look_up(qtbot, operator, page, found.card.number)
    qtbot.waitUntil(lambda: page.answer_box is not None)
    type_into(page.caller, "A shop assistant")
    page._edited()
    page.controller._idle.setInterval(50)  # the ten minutes, shortened
    page.controller._idle.start()
    qtbot.waitUntil(lambda: page.answer_box is None, timeout=5_000)
    operator.idle(qtbot)
    assert "cleared after" in page.notice.text()
    texts = "\n".join(visible_texts())
    assert found.plan.cared_for[0].name not in texts
    assert "A shop assistant" not in texts

    page.controller._idle.setInterval(CLEAR_AFTER_IDLE_MS)
    _look_up(qtbot, operator, page, found.card.number)
    qtbot.waitUntil(lambda: page.answer_box is not None)
    operator.idle(qtbot)
    qtbot.waitUntil(lambda: page.caller.text() == "A shop assistant")


def test_offline_says_look_ups_need_the_connection_and_what_to_do(operator: Desk, qtbot):
    found = ready_card(_office(operator))
    _office(operator).stop()
    page = _page(operator)
    _look_up(qtbot, operator, page, found.card.number)
    qtbot.waitUntil(lambda: page.notice.isVisible(), timeout=30_000)
    text = page.notice.text()
    assert "need" in text and "connection" in text.lower()
    assert "printed card" in text and "replacement care" in text
    assert page.answer_box is None
    assert page.number.text()  # the number stays typed, to try again
    status = operator.window.sync_status
    qtbot.waitUntil(lambda: "Offline" in "\n".join(visible_texts(status)), timeout=30_000)
