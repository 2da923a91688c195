"""Wellbeing payments in the window, as people do them: the worker asks for one from the
carer's page and is told where the carer stands against the cap as they type; a request
over the cap is refused with the explanation; one within it is submitted, approved by the
approver on a second laptop (the demo approver, another vault on the same demo office),
and the worker sees the decision after a sync. The office's refusal of an approval comes
back as its reason, never as an error code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from carer_desk.records.payment import PaymentPurpose, PaymentStatus
from carer_desk.roles import Area
from tests.ui.conftest import Desk, on_vault, type_into, visible_texts
from ui.controllers.session import Gate
from ui.preferences import Preferences
from ui.shell import Shell
from ui.views.approvals_page import ApprovalsPage
from ui.views.carer_page import CarerPage
from ui.views.payments_tab import PaymentsTab


def _fresh_carer(session) -> str:
    """A carer of the worker's with a current assessment and nothing counted (their
    earlier request, if any, declined or cancelled)."""
    today = session.clock.today()
    for row in session.caseload.rows():
        advice = session.payments.advise(
            row.carer_id, amount_pence=None, purpose=None, knowledge=""
        )
        check = advice.check
        if advice.assessment_problem is None and not check.counted and not check.stale_drafts:
            return row.carer_id
    raise AssertionError(f"no demo carer free to ask for a payment on {today}")


def _payments_tab(qtbot, desk: Desk, carer_id: str) -> PaymentsTab:
    desk.window.workspace.open_record("carer", carer_id, "payments")
    qtbot.waitUntil(lambda: isinstance(desk.window.workspace.record_page, CarerPage))
    page: CarerPage = desk.window.workspace.record_page
    qtbot.waitUntil(lambda: isinstance(page.tabs.currentWidget(), PaymentsTab), timeout=30_000)
    desk.idle(qtbot)
    return page.tabs.currentWidget()


def _fill(qtbot, desk: Desk, tab: PaymentsTab, amount: str, purpose: PaymentPurpose) -> None:
    fields = tab.form.fields
    combo = fields["purpose"].widget
    combo.setCurrentIndex(combo.findData(purpose.value))
    type_into(fields["wellbeing_outcome"].widget, "A weekend away to rest and sleep.")
    type_into(fields["amount"].widget, amount)
    qtbot.wait(400)  # the live check runs at a pause in typing
    desk.idle(qtbot)


def _statuses(tab: PaymentsTab) -> list[str]:
    model = tab.controller.model
    return [model.index(r, 3).data() for r in range(model.rowCount())]


def _second_window(qtbot, worker: Desk, tmp_path: Path, who: str) -> Desk:
    """Another person's laptop on the same demo office, in a window of its own."""
    prefs = Preferences(QSettings(str(tmp_path / f"{who}.ini"), QSettings.Format.IniFormat))
    shell = Shell(QApplication.instance(), worker.launcher, worker.launcher.demo(who), prefs=prefs)
    qtbot.addWidget(shell.window)
    shell.start()
    desk = Desk(shell, worker.launcher, tmp_path)
    desk.at(qtbot, Gate.WORKSPACE, timeout=90_000)
    return desk


@pytest.fixture
def approver_window(qtbot, worker: Desk, tmp_path: Path) -> Iterator[Desk]:
    desk = _second_window(qtbot, worker, tmp_path, "approver")
    yield desk
    desk.shell.session.lock("quit")
    desk.shell.runner.shutdown(wait=True)
    desk.shell.ctx.env.close()


def _sync(qtbot, desk: Desk) -> None:
    desk.window.sync_action.trigger()
    qtbot.waitUntil(lambda: not desk.shell.sync.running, timeout=60_000)
    desk.idle(qtbot, timeout=60_000)


def test_a_request_over_the_cap_is_refused_with_the_explanation(worker: Desk, qtbot):
    carer_id = on_vault(worker, qtbot, _fresh_carer)
    tab = _payments_tab(qtbot, worker, carer_id)
    check = tab.check_box
    assert check.position.text().startswith("Nothing used in the last 12 months")
    assert "synced within the last day" in check.knowledge.text()

    _fill(qtbot, worker, tab, "350", PaymentPurpose.SHORT_BREAK)
    assert "£350.00 is more than the £300.00 left" in check.verdict.text()
    tab.submit_button.click()
    worker.idle(qtbot)
    assert tab.notice.isVisible()
    assert tab.notice.text().startswith("Not submitted: £350.00 is more than the £300.00 left")
    before = on_vault(worker, qtbot, lambda s: s.payments.list_for_carer(carer_id))
    assert all(r.status in (PaymentStatus.DECLINED, PaymentStatus.CANCELLED) for r in before)

    # Within the cap: submitted, and the position names what is counted and until when.
    _fill(qtbot, worker, tab, "180", PaymentPurpose.SHORT_BREAK)
    assert "£180.00 is within the £300.00 limit" in check.verdict.text()
    tab.submit_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: _statuses(tab)[:1] == ["Waiting for a decision"])
    assert "Submitted £180.00 for a decision" in tab.result.text()
    assert tab.controller.model.index(0, 4).data() == "New, waiting"
    assert "on this laptop only" in tab.detail.text()
    qtbot.waitUntil(lambda: check.position.text().startswith("£180.00 used since"))
    assert "£120.00 left until" in check.position.text()
    # A second request for the same purpose soon after: warned, never refused.
    _fill(qtbot, worker, tab, "50", PaymentPurpose.SHORT_BREAK)
    assert check.warning.isVisible()
    assert "already has a request for “A short break or holiday”" in check.warning.text()


def test_approved_on_the_approvers_laptop_and_seen_by_the_worker_after_sync(
    worker: Desk, approver_window: Desk, qtbot
):
    carer_id = on_vault(worker, qtbot, _fresh_carer)
    tab = _payments_tab(qtbot, worker, carer_id)
    _fill(qtbot, worker, tab, "120", PaymentPurpose.HOUSEHOLD_BILLS)
    tab.submit_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: _statuses(tab)[:1] == ["Waiting for a decision"])
    _sync(qtbot, worker)
    qtbot.waitUntil(lambda: tab.controller.model.index(0, 4).data() == "Synced")

    approver = approver_window
    assert list(approver.window.workspace.areas) == [Area.REQUESTS, Area.SYNC]
    page: ApprovalsPage = approver.window.workspace.page_for(Area.REQUESTS)
    _sync(qtbot, approver)
    model = page.controller.model
    qtbot.waitUntil(
        lambda: any(r.request.carer_id == carer_id for r in model.rows()), timeout=30_000
    )
    row = next(i for i, r in enumerate(model.rows()) if r.request.carer_id == carer_id)
    page.table.selectRow(row)
    panel = page.panel
    assert panel.title.text().startswith("£120.00 for ")
    assert "Cost of living: household bills" in panel.request.text()
    assert panel.position.text() == (
        "Before this request: nothing used in the last 12 months: the full £300.00 can be "
        "requested."
    )
    assert panel.verdict.text().startswith("£120.00 is within the £300.00 limit")
    assert page.budget.lines and page.budget.lines[0].text().startswith("Financial year")
    assert any("Oxfordshire County Council" in label.text() for label in page.budget.lines)
    # The approver sees only the permitted fields of the carer: no notes, no address.
    carer = on_vault(worker, qtbot, lambda s: s.carers.get_carer(carer_id))
    shown = " ".join(visible_texts(approver.window))
    for secret in (carer.contact.phone, carer.address.postcode if carer.address else None):
        if secret:
            assert secret not in shown

    who = panel.title.text()
    panel.approve.click()
    qtbot.waitUntil(lambda: not page.controller.deciding, timeout=60_000)
    approver.idle(qtbot, timeout=60_000)
    # The queue has moved on to the next request: the sentence names the one decided.
    assert panel.result.text().startswith(f"{who}: Approved £120.00")
    qtbot.waitUntil(
        lambda: all(r.request.carer_id != carer_id for r in model.rows()), timeout=30_000
    )

    # The worker's laptop hears of it at its next sync.
    _sync(qtbot, worker)
    qtbot.waitUntil(lambda: _statuses(tab)[:1] == ["Approved"], timeout=30_000)
    tab.table.selectRow(0)
    assert "approved by demo-approver on" in tab.detail.text()
    stored = on_vault(worker, qtbot, lambda s: s.payments.list_for_carer(carer_id))
    assert [r.status for r in stored if r.amount_pence == 12_000] == [PaymentStatus.APPROVED]

    # Lock means locked: nothing of the queue stays on the approver's screen.
    names = {item.carer.display_name for item in model.rows()}
    approver.shell.session.lock("test")
    approver.at(qtbot, Gate.UNLOCK)
    shown = " ".join(visible_texts(approver.window))
    assert names and not any(name in shown for name in names)
    assert "Before this request" not in shown and "£120.00" not in shown


def test_the_offices_refusal_is_shown_as_its_reason(worker: Desk, approver_window: Desk, qtbot):
    """Two laptops each within the cap, together over it: the office refuses the second
    approval with the cap's own sentence."""
    carer_id = on_vault(worker, qtbot, _fresh_carer)
    tab = _payments_tab(qtbot, worker, carer_id)
    _fill(qtbot, worker, tab, "200", PaymentPurpose.DAY_OUT)
    tab.submit_button.click()
    worker.idle(qtbot)
    qtbot.waitUntil(lambda: _statuses(tab)[:1] == ["Waiting for a decision"])
    # The same carer's second request, made on the administrator's laptop before it
    # heard of the first (so its own advisory check let it through).
    env = worker.launcher.demo("admin")
    office = env.set_up_demo()
    office.session.run(
        lambda s: s.payments.submit(
            s.payments.create_request(
                carer_id,
                amount_pence=20_000,
                purpose=PaymentPurpose.EQUIPMENT,
                wellbeing_outcome="A mattress so the carer can sleep.",
            ).id
        )
    )
    office.sync.sync_now()
    env.close()
    _sync(qtbot, worker)

    approver = approver_window
    page: ApprovalsPage = approver.window.workspace.page_for(Area.REQUESTS)
    _sync(qtbot, approver)
    model = page.controller.model
    qtbot.waitUntil(
        lambda: sum(r.request.carer_id == carer_id for r in model.rows()) == 2, timeout=30_000
    )
    mine = [i for i, r in enumerate(model.rows()) if r.request.carer_id == carer_id]
    page.table.selectRow(mine[0])
    assert "Over the limit" in {model.index(i, 4).data() for i in mine}
    page.panel.approve.click()
    qtbot.waitUntil(lambda: not page.controller.deciding, timeout=60_000)
    approver.idle(qtbot, timeout=60_000)
    page.table.selectRow(
        next(i for i, r in enumerate(model.rows()) if r.request.carer_id == carer_id)
    )
    page.panel.approve.click()
    qtbot.waitUntil(lambda: not page.controller.deciding, timeout=60_000)
    approver.idle(qtbot)
    assert page.notice.isVisible()
    reason = page.notice.text()
    assert reason.startswith("Not decided: £200.00 is more than the £100.00 left")
    assert "409" not in reason and "Refused" not in reason

    # Declining without a reason is stopped at the form; with one it goes through.
    page.panel.decline.click()
    assert "give the reason for declining" in page.notice.text()
    type_into(page.panel.reason, "Over this year's limit; the carer may apply again later.")
    declined = page.panel.title.text()
    page.panel.decline.click()
    qtbot.waitUntil(lambda: not page.controller.deciding, timeout=60_000)
    approver.idle(qtbot, timeout=60_000)
    assert page.panel.result.text() == (
        f"{declined}: Declined: Over this year's limit; the carer may apply again later."
    )


def test_the_office_records_a_payment_it_has_made_and_the_office_server_takes_it(
    manager: Desk, qtbot
):
    from PySide6.QtWidgets import QMessageBox

    from ui.controllers.window import Place
    from ui.views.payments_to_make_page import PaymentsToMakePage

    window = manager.window
    assert Area.PAYMENTS in window.workspace.areas
    assert Area.REQUESTS not in window.workspace.areas  # deciding is the approver's
    window.go(Place(Area.PAYMENTS))
    page = window.workspace.page_for(Area.PAYMENTS)
    assert isinstance(page, PaymentsToMakePage)
    qtbot.waitUntil(lambda: page.controller.ready, timeout=30_000)
    manager.idle(qtbot)
    count = page.controller.model.rowCount()
    assert count > 0, "the demo history leaves approved requests waiting to be paid"
    chosen = page.controller.item(page.table.currentIndex().row())
    assert chosen is not None and chosen.request.status == PaymentStatus.APPROVED
    assert chosen.carer_name in page.detail.text()

    # Asked first; Cancel records nothing.
    page.mark.click()
    box = page.confirm
    assert isinstance(box, QMessageBox) and "cannot be undone" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    manager.idle(qtbot)
    assert page.controller.model.rowCount() == count

    page.mark.click()
    box = page.confirm
    (yes,) = [b for b in box.buttons() if b.text() == "&Mark as paid"]
    yes.click()
    qtbot.waitUntil(lambda: page.controller.model.rowCount() == count - 1, timeout=30_000)
    assert page.result.text().startswith("Recorded as paid: ")
    paid = on_vault(manager, qtbot, lambda s: s.payments.get(chosen.request.id))
    assert paid.status == PaymentStatus.PAID

    # The office server takes the administrator's step: nothing refused at the sync.
    _sync(qtbot, manager)
    report = manager.shell.sync.last_report
    assert report is not None and report.pushed >= 1 and not report.refused, report
    after = on_vault(manager, qtbot, lambda s: s.payments.get(chosen.request.id))
    assert (after.status, after.paid_on) == (PaymentStatus.PAID, paid.paid_on)
