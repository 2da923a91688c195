"""Running a group session in the window, as a facilitator does: the register ticked
through by keyboard, a newcomer added (without consent first, then with it), a follow-up
asked for, the sign-in sheet printed — over a real vault and the real demo office."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import QPoint, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from carer_desk.roles import Area
from tests.ui.conftest import Desk, on_vault, press, type_into
from ui.models.register_model import RegisterColumn
from ui.print_preview import PrintPreviewDialog
from ui.views.group_page import GroupPage
from ui.views.groups_page import GroupsPage
from ui.views.register_page import RegisterPage


def _groups(desk: Desk) -> GroupsPage:
    return desk.window.workspace.page_for(Area.GROUPS)


def _record(qtbot, desk: Desk, cls):
    qtbot.waitUntil(lambda: isinstance(desk.window.workspace.record_page, cls))
    desk.idle(qtbot)
    return desk.window.workspace.record_page


def _column(page: RegisterPage, column: RegisterColumn) -> list[str]:
    model = page.controller.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def _open_todays_register(qtbot, desk: Desk) -> RegisterPage:
    """From the facilitator's home, by keyboard: a group, then its session of today."""
    groups = _groups(desk)
    qtbot.waitUntil(lambda: groups.controller.ready)
    desk.idle(qtbot)
    groups.table.setFocus()
    press(groups.table, Qt.Key.Key_Return)
    group = _record(qtbot, desk, GroupPage)
    assert group.sessions_table.hasFocus()  # on the next session (today's)
    today = group.controller.sessions.row_at(group.sessions_table.currentIndex().row())
    assert today.session.on == group.controller.session.clock.today()
    press(group.sessions_table, Qt.Key.Key_Return)
    return _record(qtbot, desk, RegisterPage)


def test_a_facilitator_opens_on_their_groups_and_the_next_session(facilitator: Desk, qtbot):
    window = facilitator.window
    assert [a for a in window.workspace.areas] == [Area.GROUPS, Area.SYNC]
    groups = _groups(facilitator)
    assert window.workspace.current_page() is groups
    qtbot.waitUntil(lambda: groups.controller.model.rowCount() == 4)
    next_sessions = [groups.controller.model.index(r, 1).data() for r in range(4)]
    assert all(text.endswith("(today)") for text in next_sessions)
    assert not window.search.isVisible() and not window.new_carer_action.isVisible()


def test_a_register_taken_by_keyboard_with_a_newcomer_a_follow_up_and_the_sheet(
    facilitator: Desk, qtbot, tmp_path: Path
):
    page = _open_todays_register(qtbot, facilitator)
    names = _column(page, RegisterColumn.NAME)
    assert len(names) >= 3
    assert set(_column(page, RegisterColumn.HERE)) == {"Not marked"}
    table = page.table
    assert table.hasFocus()

    # Down the register: here, here, then one marked here by mistake and put right.
    press(table, Qt.Key.Key_Space)
    press(table, Qt.Key.Key_Down)
    press(table, Qt.Key.Key_Space)
    press(table, Qt.Key.Key_Down)
    press(table, Qt.Key.Key_Space)
    press(table, Qt.Key.Key_Space)
    assert _column(page, RegisterColumn.HERE)[:3] == ["Here", "Here", "Not here"]
    assert "not here" in page.last_mark.text()
    # Enter opens nothing: it moves on to the next person.
    press(table, Qt.Key.Key_Return)
    assert facilitator.window.workspace.record_page is page
    assert table.currentIndex().row() == min(3, len(names) - 1)
    # The mouse works too: a click on the mark ticks it.
    fourth = min(3, len(names) - 1)
    cell = table.visualRect(page.controller.model.index(fourth, RegisterColumn.HERE))
    mark = QPoint(cell.left() + 4 + table.fontMetrics().height() // 2, cell.center().y())
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=mark)
    QApplication.processEvents()
    assert _column(page, RegisterColumn.HERE)[fourth] == "Here"
    # A follow-up conversation asked for, for the first person.
    press(table, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    press(table, Qt.Key.Key_F)
    assert _column(page, RegisterColumn.FOLLOW_UP)[0] == "Asked for"
    facilitator.idle(qtbot)

    # A newcomer: refused without their consent (the core's own sentence), then added.
    page.newcomer_button.click()
    form = page.newcomer
    assert form.isVisible() and form.fields["given_name"].widget.hasFocus()
    type_into(form.fields["given_name"].widget, "Nia")
    type_into(form.fields["family_name"].widget, "Newcombe")
    type_into(form.fields["phone"].widget, "07700 900555")
    page.add_button.click()
    facilitator.idle(qtbot)
    consent_error = form.fields["consent"].row.error
    assert consent_error.isVisible()
    assert "only be recorded with their consent" in consent_error.text()
    assert not any("Nia Newcombe" in n for n in _column(page, RegisterColumn.NAME))
    consent = form.fields["consent"].widget
    consent.setFocus()
    press(consent, Qt.Key.Key_Space)
    assert consent.isChecked()
    page.add_button.click()
    facilitator.idle(qtbot)
    qtbot.waitUntil(lambda: "Nia Newcombe (new today)" in _column(page, RegisterColumn.NAME))
    row = _column(page, RegisterColumn.NAME).index("Nia Newcombe (new today)")
    assert _column(page, RegisterColumn.HERE)[row] == "Here"
    assert _column(page, RegisterColumn.PHONE)[row] == "07700 900555"
    assert table.currentIndex().row() == row and table.hasFocus()
    assert not form.isVisible()
    assert "on the register" in page.last_mark.text()

    # The sign-in sheet: rendered off the GUI thread, previewed, printed to a PDF file.
    page.print_button.click()
    facilitator.idle(qtbot)
    qtbot.waitUntil(lambda: isinstance(getattr(page, "preview", None), PrintPreviewDialog))
    dialog = page.preview
    assert dialog.isVisible()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog.controller.prepare_printer(printer)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "sign-in.pdf"
    printer.setOutputFileName(str(printed))
    assert dialog.controller.print_to(printer) == 1
    facilitator.idle(qtbot)
    assert len(PdfReader(printed).pages) == 1
    assert "print is noted" in page.last_mark.text()
    dialog.close()

    session_id = page.controller.session_id
    rows, prints = on_vault(
        facilitator,
        qtbot,
        lambda s: (
            s.groups.register_rows(session_id),
            [e for e in s.store.audit_entries() if e.action == "print"],
        ),
    )
    # Everything marked is in the vault; the print names the session and each carer.
    marks = {r.entry.display_name: (r.attended, r.follow_up_requested, r.newcomer) for r in rows}
    assert marks[names[0]] == (True, True, False)
    assert marks[names[1]] == (True, False, False)
    assert marks[names[2]] == (False, False, False)
    if len(names) > 3:
        assert marks[names[3]] == (True, False, False)
    assert marks["Nia Newcombe"] == (True, False, True)
    assert {e.details["document"] for e in prints} == {"sign-in"}
    assert {e.record_id for e in prints} == {session_id}
    # One entry per person on the sheet: every member, the newcomer (now one) included.
    assert sorted(e.details["for"] for e in prints) == sorted(r.entry.carer_id for r in rows)

    # Sent to the office: the administrator's laptop sees the register as it was taken.
    facilitator.window.sync_action.trigger()
    facilitator.idle(qtbot, timeout=60_000)
    assert "Synced" in facilitator.window.sync_status.text.text()
    env = facilitator.launcher.demo("admin")
    office = env.set_up_demo()
    try:
        at_office = {
            r.entry.display_name: (r.attended, r.follow_up_requested)
            for r in office.session.groups.register_rows(session_id)
        }
        assert at_office[names[0]] == (True, True)
        assert at_office["Nia Newcombe"] == (True, False)
        assert session_id in {a.session_id for a in office.session.groups.follow_ups()}
    finally:
        env.close()


def test_a_member_added_at_the_office_appears_in_the_open_register(facilitator: Desk, qtbot):
    page = _open_todays_register(qtbot, facilitator)
    before = _column(page, RegisterColumn.NAME)
    session_id = page.controller.session_id
    group_id = page.controller.group_id
    env = facilitator.launcher.demo("admin")
    office = env.set_up_demo()
    try:
        s = office.session
        members = {m.carer_id for m in s.groups.members(group_id)}
        carer = next(c for c in s.carers.list_carers() if c.id not in members)
        s.run(lambda ss: ss.groups.add_member(group_id, carer.id))
        office.sync.sync_now()
    finally:
        env.close()
    facilitator.window.sync_action.trigger()
    qtbot.waitUntil(
        lambda: carer.display_name in _column(page, RegisterColumn.NAME), timeout=30_000
    )
    assert len(_column(page, RegisterColumn.NAME)) == len(before) + 1
    assert facilitator.window.workspace.record_page is page  # redrawn where it was
    assert page.controller.session_id == session_id


def test_a_group_added_and_a_session_scheduled_correcting_what_was_wrong(facilitator: Desk, qtbot):
    groups = _groups(facilitator)
    qtbot.waitUntil(lambda: groups.controller.ready)
    groups.new_button.click()
    page = _record(qtbot, facilitator, GroupPage)
    fields = page.details.fields
    assert "facilitator" not in fields  # a facilitator's groups are their own
    fmt = fields["format"].widget
    fmt.setCurrentIndex(fmt.findData("online"))
    type_into(fields["online_link"].widget, "meet.example.org/kidlington")
    page.save_button.click()
    facilitator.idle(qtbot)
    assert "needed" in fields["name"].row.error.text()
    type_into(fields["name"].widget, "Kidlington carers online")
    page.save_button.click()
    facilitator.idle(qtbot)
    assert "https://" in fields["online_link"].row.error.text()
    assert fields["online_link"].widget.hasFocus()
    type_into(fields["online_link"].widget, "https://meet.example.org/kidlington")
    page.save_button.click()
    facilitator.idle(qtbot)
    page = _record(qtbot, facilitator, GroupPage)  # the new group's own page
    qtbot.waitUntil(lambda: page.title.text() == "Kidlington carers online")
    assert page.no_sessions.isVisible()

    form = page.session_form.fields
    type_into(form["on"].widget, "30/2/2027")
    type_into(form["starts_at"].widget, "25:00")
    page.schedule_button.click()
    facilitator.idle(qtbot)
    assert "no such date" in form["on"].row.error.text()
    assert "no such time" in form["starts_at"].row.error.text()
    type_into(form["on"].widget, "13 January 2027")
    type_into(form["starts_at"].widget, "18:30")
    page.schedule_button.click()
    facilitator.idle(qtbot)
    qtbot.waitUntil(lambda: page.controller.sessions.rowCount() == 1)
    assert page.controller.sessions.index(0, 0).data() == "2027-01-13 18:30"
    assert "scheduled for 2027-01-13 18:30" in page.session_result.text()

    # Moved to the next evening: the same session, not a second one.
    page.change_session.click()
    type_into(form["on"].widget, "14 January 2027")
    page.schedule_button.click()
    facilitator.idle(qtbot)
    qtbot.waitUntil(lambda: page.controller.sessions.index(0, 0).data() == "2027-01-14 18:30")
    assert page.controller.sessions.rowCount() == 1

    facilitator.window.workspace.back()
    facilitator.idle(qtbot)
    names = [groups.controller.model.index(r, 0).data() for r in range(5)]
    assert "Kidlington carers online" in names
    facilitator.window.sync_action.trigger()
    facilitator.idle(qtbot, timeout=60_000)
    assert "refused" not in facilitator.window.sync_status.text.text()
