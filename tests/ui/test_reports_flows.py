"""The service manager's *Reports* over the real demo office: the quarter's figures and
the year to date, the records behind a figure, the report saved as PDF, CSV and JSON and
previewed for printing, the wellbeing budget with its forecast, the work queues, a plain
sentence offline, and nothing of it left in the window at lock."""

from __future__ import annotations

import csv
import io
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from carer_desk.office import Audience, ReportFormat
from carer_desk.roles import Area
from tests.ui.conftest import Desk, on_vault, press, visible_texts
from ui.controllers.session import Gate
from ui.controllers.window import Place
from ui.views.carer_page import CarerPage
from ui.views.reports_page import YEAR_TO_DATE, ReportsPage


def _reports(desk: Desk, qtbot) -> ReportsPage:
    page = desk.window.workspace.page_for(Area.REPORTS)
    assert isinstance(page, ReportsPage)
    qtbot.waitUntil(lambda: page.contract.model.rowCount() > 0, timeout=30_000)
    desk.idle(qtbot)
    return page


def _figure_row(page: ReportsPage, key: str) -> int:
    model = page.contract.model
    return next(i for i in range(model.rowCount()) if model.key_at(i) == key)


def test_the_manager_opens_on_the_quarters_report_and_drills_to_its_records(manager, qtbot):
    assert manager.window.workspace.areas[0] is Area.REPORTS
    page = _reports(manager, qtbot)
    tab = page.contract
    across = Qt.Orientation.Horizontal
    headers = [tab.model.headerData(c, across) for c in range(tab.model.columnCount())]
    assert headers[:2] == ["Section", "Figure"] and headers[2].startswith("Q")
    assert "to date" in headers[3]
    office = manager.shell.ctx.open_desk().office
    choice = tab.choice()
    # Every figure the office worked out is on screen, as the office shows it.
    report = office.quarterly(choice.fy, choice.quarter)
    assert tab.model.rowCount() == len(report.figures)
    row = _figure_row(page, "referrals.total")
    total = report.figures[row]
    assert tab.model.text(tab.model.row_at(row), 2, spoken=False) == total.shown(0)
    # Drill down from the year-to-date column: the records behind the figure.
    tab.table.setCurrentIndex(tab.model.index(row, 3))
    tab.drill_button.click()
    qtbot.waitUntil(lambda: "Records behind “" in tab.drill_title.text(), timeout=30_000)
    assert "to date" in tab.drill_title.text()
    expected = office.drill(choice.fy, choice.quarter, "referrals.total", year_to_date=True)
    assert tab.drill_model.rowCount() == len(expected.rows) == total.values[1]
    assert tab.drill_model.headerData(0, Qt.Orientation.Horizontal) == "Record"
    # Enter on a record opens its carer's record page.
    tab.drill_table.setFocus()
    tab.drill_table.selectRow(0)
    carer_id = tab.drill_model.key_at(0)
    press(tab.drill_table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(manager.window.workspace.record_page, CarerPage))
    assert manager.window.workspace.window_controller.place.record_id == carer_id
    manager.window.go(Place(Area.REPORTS))
    manager.idle(qtbot)
    # The year to date chosen as the period: its column is the one drilled by default.
    tab.period.setCurrentIndex(tab.period.findText(YEAR_TO_DATE))
    tab.show_button.click()
    qtbot.waitUntil(lambda: tab.drill_model.rowCount() == 0, timeout=30_000)
    manager.idle(qtbot)
    assert tab.table.currentIndex().column() == 3


def test_the_report_saved_as_pdf_csv_and_json_and_previewed(manager, qtbot, tmp_path):
    page = _reports(manager, qtbot)
    tab = page.contract
    for fmt in ReportFormat:
        tab.format.setCurrentIndex(tab.format.findData(fmt))
        audience = Audience.EXTERNAL if fmt is ReportFormat.CSV else Audience.INTERNAL
        tab.audience.setCurrentIndex(tab.audience.findData(audience))
        tab.save_button.click()
        dialog = tab.file_dialog
        assert dialog is not None and dialog.isVisible()
        target = tmp_path / f"report.{fmt.value}"
        dialog.selectFile(str(target))
        dialog.accept()
        qtbot.waitUntil(lambda t=target: t.exists(), timeout=30_000)
        qtbot.waitUntil(lambda t=target: str(t) in tab.result.text(), timeout=30_000)
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    rows = list(csv.reader(io.StringIO((tmp_path / "report.csv").read_text("utf-8-sig"))))
    assert rows[0][:3] == ["section", "key", "figure"]
    assert "suppressed" in tab.result.text() or (tmp_path / "report.csv").exists()
    saved = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert saved["audience"] == "internal" and saved["figures"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    exports = on_vault(
        manager,
        qtbot,
        lambda s: [e for e in s.store.audit_entries() if e.action == "export"],
    )
    assert {e.details["format"] for e in exports} == {"pdf", "csv", "json"}
    # The PDF through the print preview.
    tab.preview_button.click()
    qtbot.waitUntil(lambda: page.preview is not None and page.preview.isVisible(), timeout=30_000)
    assert page.preview.controller.page_count >= 1
    page.preview.close()


def test_the_budget_and_the_work_queues(manager, qtbot):
    page = _reports(manager, qtbot)
    page.tabs.setCurrentWidget(page.budget)
    page.budget.show_button.click()
    qtbot.waitUntil(lambda: page.budget.summary.rowCount() > 0, timeout=30_000)
    office = manager.shell.ctx.open_desk().office
    position = office.budget(page.budget.year.currentData())
    shown = {
        page.budget.summary.itemAt(i, page.budget.summary.ItemRole.FieldRole).widget().text()
        for i in range(page.budget.summary.rowCount())
    }
    assert {amount for _what, amount in position.summary()} == shown
    assert page.budget.funders.rowCount() == 2
    assert page.budget.by["quarter"].rowCount() == len(position.by_quarter)
    assert page.budget.warning.isVisibleTo(page) is bool(position.warning)
    page.tabs.setCurrentWidget(page.queues)
    queues = page.queues
    queues.team.setCurrentIndex(queues.team.findData("north"))
    queues.show_button.click()
    qtbot.waitUntil(lambda: "waiting for North" in queues.as_of.text(), timeout=30_000)
    expected = office.queues("north")
    assert queues.items.rowCount() == len(expected.items)
    assert queues.counts.rowCount() == len(expected.counts)


def test_offline_the_report_says_so_plainly(manager, qtbot):
    page = _reports(manager, qtbot)
    manager.launcher.demo_office().stop()
    page.contract.show_button.click()
    qtbot.waitUntil(lambda: page.contract.notice.isVisibleTo(page), timeout=60_000)
    assert "could not be reached" in page.contract.notice.text()
    assert "Traceback" not in page.contract.notice.text()


def test_at_lock_nothing_the_office_sent_is_left_in_the_window(manager, qtbot):
    page = _reports(manager, qtbot)
    tab = page.contract
    tab.table.setCurrentIndex(tab.model.index(_figure_row(page, "referrals.total"), 3))
    tab.drill_button.click()
    qtbot.waitUntil(lambda: "Records behind “" in tab.drill_title.text(), timeout=30_000)
    ids = [tab.drill_model.key_at(i) for i in range(tab.drill_model.rowCount())]
    assert ids, "the demo office has referrals this year"
    manager.shell.session.lock("test")
    manager.at(qtbot, Gate.UNLOCK)
    QApplication.processEvents()
    texts = "\n".join(visible_texts())
    assert not [i for i in ids if i in texts]
    assert "Records behind" not in texts
    manager.shell.session.unlock("demo passphrase")
    manager.at(qtbot, Gate.WORKSPACE)
    manager.window.go(Place(Area.REPORTS))


def _bars(view) -> dict[str, list[float]]:
    """What the chart draws: per period's bar set, its values top to bottom."""
    return {s.label(): [s.at(i) for i in range(s.count())][::-1] for s in view.bar_sets}


def test_the_chart_draws_the_reports_figures_with_the_table_beside_it(manager, qtbot):
    page = _reports(manager, qtbot)
    tab = page.contract
    office = manager.shell.ctx.open_desk().office
    choice = tab.choice()
    report = office.quarterly(choice.fy, choice.quarter)
    figures = {f.key: f for f in report.figures}
    # The first chart: referrals by source, one bar per source with any referral, each
    # period's bar its figure in the table.
    assert tab.chart_choice.currentText() == "Referrals by source"
    assert tab.chart.accessibleName() == "Chart: Referrals by source"
    sources = [f for k, f in figures.items() if k.startswith("referrals.source.") and any(f.values)]
    assert sources, "the demo office has referrals"
    drawn = _bars(tab.chart)
    assert list(drawn) == [p.label for p in report.periods]
    for column, period in enumerate(report.periods):
        assert drawn[period.label] == [f.values[column] for f in sources]
    # The text alternative says the same numbers.
    first = sources[0]
    assert f"{first.label}: {report.periods[0].label} {first.shown(0)}" in (
        tab.chart.accessibleDescription()
    )
    # Payments by purpose: in pounds, the totals of the table.
    tab.chart_choice.setCurrentIndex(
        tab.chart_choice.findText("Wellbeing payments", Qt.MatchFlag.MatchStartsWith)
    )
    totals = [
        f
        for k, f in figures.items()
        if k.startswith("payments.purpose.") and k.endswith(".total") and any(f.values)
    ]
    if totals:
        drawn = _bars(tab.chart)
        assert drawn[report.periods[0].label] == [f.values[0] / 100 for f in totals]
        assert totals[0].shown(0) in tab.chart.accessibleDescription()
    # Locked: nothing of it stays in memory (the page itself is gone).
    controller = tab.controller
    manager.shell.session.lock("test")
    manager.at(qtbot, Gate.UNLOCK)
    assert controller.charts == [] and controller.chart(None) is None
    manager.shell.session.unlock("demo passphrase")
    manager.at(qtbot, Gate.WORKSPACE)
