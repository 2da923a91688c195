"""The window driven as a person would: typing, clicking and the keyboard, over a real
vault and the real demo office on loopback."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from carer_desk.records.carer import Carer, Consent, Referral, ReferralSource
from carer_desk.records.teams import LocalityTeam
from carer_desk.roles import Area
from carer_desk.services.caseload import CaseloadFilter
from tests.ui.conftest import Desk, press, type_into, visible_texts
from ui.controllers.session import Gate
from ui.controllers.window import Place
from ui.views.carer_page import CarerPage


def _caseload(desk: Desk):
    return desk.window.workspace.page_for(Area.CASELOAD)


def _show_everyone(qtbot, desk: Desk) -> None:
    page = _caseload(desk)
    page.filter.setCurrentIndex(page.filter.findData(CaseloadFilter.ALL))
    desk.idle(qtbot)


def _carer_page(qtbot, desk: Desk) -> CarerPage:
    qtbot.waitUntil(lambda: isinstance(desk.window.workspace.record_page, CarerPage))
    desk.idle(qtbot)
    return desk.window.workspace.record_page


def _names(desk: Desk) -> list[str]:
    model = _caseload(desk).controller.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_first_run_offers_the_demo_and_opens_it_marked_demo(fresh_laptop: Desk, qtbot):
    d = fresh_laptop
    d.at(qtbot, Gate.WELCOME)
    window = d.window
    assert window.stack.currentWidget() is window.welcome
    window.welcome.demo_button.setFocus()
    press(window.welcome.demo_button, Qt.Key.Key_Space)
    d.at(qtbot, Gate.WORKSPACE, timeout=60_000)
    assert "DEMO" in window.windowTitle()
    assert window.demo_badge.isVisible()
    qtbot.waitUntil(lambda: _caseload(d).controller.total > 0)
    assert _names(d)  # the worker's own caseload is listed
    assert not (d.root / "real").exists()  # the demo lives apart from real work


def test_unlock_refuses_a_wrong_passphrase_then_opens_with_the_right_one(worker: Desk, qtbot):
    window = worker.window
    window.activateWindow()
    press(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    worker.at(qtbot, Gate.UNLOCK)
    unlock = window.unlock_view
    assert unlock.passphrase.hasFocus()
    type_into(unlock.passphrase, "not the passphrase")
    press(unlock.passphrase, Qt.Key.Key_Return)
    worker.idle(qtbot)
    assert unlock.message.isVisible()
    assert "not right" in unlock.message.text()
    assert worker.shell.session.gate is Gate.UNLOCK
    type_into(unlock.passphrase, "demo passphrase")
    press(unlock.passphrase, Qt.Key.Key_Return)
    worker.at(qtbot, Gate.WORKSPACE)
    qtbot.waitUntil(lambda: _caseload(worker).controller.total > 0)


def test_register_a_carer_offline_correcting_what_was_wrong(worker: Desk, qtbot):
    worker.launcher.shutdown()  # the office goes away: this laptop is offline now
    window = worker.window
    window.activateWindow()
    press(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    page = _carer_page(qtbot, worker)
    fields = page.profile.fields
    type_into(fields["given_name"].widget, "Winifred")
    type_into(fields["contact.phone"].widget, "ring me")
    fields["consent.given"].widget.setChecked(True)
    page.save_button.click()
    worker.idle(qtbot)
    assert fields["family_name"].row.error.isVisible()
    assert "needed" in fields["family_name"].row.error.text()
    assert fields["contact.phone"].row.error.isVisible()
    assert "Not saved" in page.saved_label.text()
    type_into(fields["family_name"].widget, "Ashdown")
    type_into(fields["contact.phone"].widget, "01865 555123")
    page.save_button.click()
    worker.idle(qtbot)
    page = _carer_page(qtbot, worker)  # the registered carer's own record opens
    qtbot.waitUntil(lambda: page.title.text() == "Winifred Ashdown")
    assert page.state.text() == "New, waiting"
    window.sync_action.trigger()
    worker.idle(qtbot, timeout=60_000)
    assert "Offline" in window.sync_status.text.text()
    assert "1 change waiting" in window.sync_status.text.text()
    window.workspace.back()
    worker.idle(qtbot)
    assert "Winifred Ashdown" in _names(worker)


def test_an_edit_survives_an_auto_lock_and_comes_back_after_unlock(worker: Desk, qtbot):
    _show_everyone(qtbot, worker)
    caseload = _caseload(worker)
    caseload.table.setFocus()
    caseload.table.selectRow(0)
    press(caseload.table, Qt.Key.Key_Return)
    page = _carer_page(qtbot, worker)
    carer_name = page.title.text()
    type_into(page.profile.fields["preferred_name"].widget, "Canarypreferred")
    worker.shell.session.idle.set_idle_minutes(0.005)  # 300 ms without a key press
    worker.shell.session.idle.arm()
    worker.at(qtbot, Gate.UNLOCK, timeout=10_000)
    worker.shell.session.idle.set_idle_minutes(5)  # back to normal for the rest
    texts = visible_texts()
    assert not any("Canarypreferred" in t for t in texts)
    assert not any(carer_name in t for t in texts)
    unlock = worker.window.unlock_view
    type_into(unlock.passphrase, "demo passphrase")
    press(unlock.passphrase, Qt.Key.Key_Return)
    worker.at(qtbot, Gate.WORKSPACE)
    page = _carer_page(qtbot, worker)  # the same screen, restored
    assert page.title.text() == carer_name
    assert page.profile.fields["preferred_name"].widget.text() == "Canarypreferred"
    assert "unsaved changes were kept" in page.notice.text()
    page.save_now()
    worker.idle(qtbot)
    assert "Saved" in page.saved_label.text()


def _second_laptop(worker: Desk):
    """The demo administrator's laptop, on the same demo office (no window)."""
    env = worker.launcher.demo("admin")
    return env, env.set_up_demo()


def test_a_carer_added_on_another_laptop_appears_in_the_open_caseload(worker: Desk, qtbot):
    _show_everyone(qtbot, worker)
    before = _caseload(worker).controller.total
    env, office = _second_laptop(worker)
    carer = Carer(
        given_name="Patience",
        family_name="Newcombe",
        referral=Referral(date=office.session.clock.today(), source=ReferralSource.SELF),
        consent=Consent(given=True, date=office.session.clock.today()),
        team=LocalityTeam.NORTH,
        worker="demo-worker",
    )
    office.session.run(lambda s: s.carers.register(carer))
    office.sync.sync_now()
    env.close()
    worker.window.sync_action.trigger()
    qtbot.waitUntil(lambda: "Patience Newcombe" in _names(worker), timeout=30_000)
    assert _caseload(worker).controller.total == before + 1


def test_a_conflict_is_decided_field_by_field(worker: Desk, qtbot):
    _show_everyone(qtbot, worker)
    carer_id = _caseload(worker).controller.carer_id_at(0)
    env, office = _second_laptop(worker)

    def phone(session, number: str):
        from dataclasses import replace

        c = session.carers.get_carer(carer_id)
        return session.carers.update(replace(c, contact=replace(c.contact, phone=number)))

    office.session.run(lambda s: phone(s, "01865 111111"))
    office.sync.sync_now()
    worker.window.workspace.open_record("carer", carer_id)
    page = _carer_page(qtbot, worker)
    type_into(page.profile.fields["contact.phone"].widget, "01865 222222")
    page.save_now()
    worker.idle(qtbot)
    worker.window.sync_action.trigger()
    worker.idle(qtbot, timeout=60_000)
    worker.window.go(Place(Area.SYNC))
    sync_page = worker.window.workspace.page_for(Area.SYNC)
    qtbot.waitUntil(lambda: sync_page.conflict_list.count() == 1, timeout=30_000)
    detail = sync_page.detail_area.widget()
    (group,) = detail.groups.values()
    mine, theirs = group.buttons()
    assert "01865 222222" in mine.text() and "01865 111111" in theirs.text()
    theirs.click()
    detail.resolve_button.click()
    worker.idle(qtbot, timeout=60_000)
    qtbot.waitUntil(lambda: sync_page.conflict_list.count() == 0, timeout=30_000)
    env.close()
    worker.window.workspace.open_record("carer", carer_id)
    page = _carer_page(qtbot, worker)
    assert page.profile.fields["contact.phone"].widget.text() == "01865 111111"
    assert page.state.text() == "Synced"


def test_a_refused_change_is_shown_with_the_reason_and_what_to_do(worker: Desk, qtbot):
    window = worker.window
    window.new_carer_action.trigger()
    page = _carer_page(qtbot, worker)
    fields = page.profile.fields
    type_into(fields["given_name"].widget, "Sally")
    type_into(fields["family_name"].widget, "Southbound")
    fields["consent.given"].widget.setChecked(True)
    team = fields["team"].widget
    team.setCurrentIndex(team.findData("south"))  # not this worker's team
    page.save_now()
    worker.idle(qtbot)
    _carer_page(qtbot, worker)
    window.sync_action.trigger()
    worker.idle(qtbot, timeout=60_000)
    assert "1 change refused" in window.sync_status.text.text()
    window.go(Place(Area.SYNC))
    sync_page = window.workspace.page_for(Area.SYNC)
    qtbot.waitUntil(lambda: sync_page.refused_list.count() == 1, timeout=30_000)
    assert "Sally Southbound" in sync_page.refused_list.item(0).text()
    assert "team" in sync_page.refused_reason.text()
    assert "What to do" in sync_page.refused_reason.text()
    assert sync_page.open_button.isEnabled()


def test_a_revoked_laptop_says_what_happened_before_it_wipes(worker: Desk, qtbot):
    from sync.server.store import open_store

    office = worker.launcher.demo_office()
    store = open_store(office.settings.database_url, office.settings.key_file)
    try:
        (device,) = [d for d in store.list_devices() if d.username == "demo-worker"]
        store.revoke_device(device.device_id, by="demo-admin")
    finally:
        store.close()
    vault = Path(worker.shell.ctx.env.vault.location)
    assert vault.exists()
    worker.window.sync_action.trigger()
    worker.at(qtbot, Gate.REVOKED, timeout=60_000)
    revoked = worker.window.revoked_view
    assert "revoked this laptop" in revoked.text.text()
    assert "removed in" in revoked.countdown.text()
    assert vault.exists()  # told first: nothing is removed before the person has read it
    assert not any("Canary" in t for t in visible_texts())
    revoked.wipe_button.click()
    worker.at(qtbot, Gate.WELCOME, timeout=30_000)
    assert not vault.exists()
