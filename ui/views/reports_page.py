"""*Reports* for the service manager: the contract report with the records behind a
figure, the wellbeing budget, and the work queues, one tab each. Layout only: the
controller asks the office and says what to show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from carer_desk.formatting import money
from carer_desk.office import (
    TEAMS,
    Audience,
    BudgetLine,
    BudgetPosition,
    ContractReport,
    DrillDown,
    ReportFormat,
    WorkQueues,
    queue_label,
)
from carer_desk.rules.reporting import DEFAULT_SUPPRESS_BELOW
from ui.controllers.reports import PeriodChoice, ReportsController
from ui.models.office_model import TextRow, TextTable
from ui.views.report_chart import ReportChartView
from ui.views.table import ListStates, list_table, open_on_enter
from ui.views.widgets import banner, button, button_row, heading, hint, paragraph, subheading

YEAR_TO_DATE = "Year to date"
FORMAT_NAMES = {
    ReportFormat.PDF: "PDF with charts (for reading and printing)",
    ReportFormat.CSV: "CSV (for a spreadsheet)",
    ReportFormat.JSON: "JSON (for another system)",
}
AUDIENCE_NAMES = {
    Audience.INTERNAL: "Inside the organisation: every number",
    Audience.EXTERNAL: "Leaving the organisation (commissioners): small numbers suppressed",
}


def combo(name: str, items: list[tuple[object, str]], parent: QWidget) -> QComboBox:
    box = QComboBox(parent)
    box.setAccessibleName(name)
    for data, text in items:
        box.addItem(text, data)
    return box


def labelled(text: str, field: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setBuddy(field)
    label.setAccessibleName(text.replace("&", "").rstrip(":"))
    return label


def lines_table(name: str, parent: QWidget | None = None):
    """Paid, committed and waiting money of a budget's lines (quarters, purposes...)."""
    model = TextTable(("", "Paid", "Committed", "Waiting", "Requests paid / approved / waiting"))
    return model, list_table(model, name, parent)


def line_rows(lines: tuple[BudgetLine, ...]) -> list[TextRow]:
    return [
        TextRow(
            (
                line.label,
                money(line.paid_pence),
                money(line.committed_pence),
                money(line.waiting_pence),
                f"{line.paid_count} / {line.approved_count} / {line.waiting_count}",
            ),
            key=line.label,
        )
        for line in lines
    ]


def carer_of(row) -> str:
    """The carer a drill-down row is about (a carer's own row names none beside itself)."""
    if row.get("carer_id"):
        return str(row["carer_id"])
    return str(row["record_id"]) if row.get("kind") == "carer" else ""


class ContractTab(QWidget):
    """The quarter's and the year to date's figures; the records behind one below."""

    def __init__(self, controller: ReportsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Contract report")
        # Scrolls when the window is small (200 %, large text): the table, the chart and
        # the records behind a figure each keep a readable height.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setAccessibleName("Contract report")
        outer.addWidget(scroll)
        self.scroll = scroll
        inner = QWidget(scroll)
        layout = QVBoxLayout(inner)
        choose = QHBoxLayout()
        self.year = combo("Financial year", list(controller.years()), self)
        self.period = combo("Quarter or year to date", [], self)
        self.show_button = button(
            "&Show report",
            name="Show the contract report",
            description="Asks the office server for the report of the year and period chosen",
            icon_name="reports",
            primary=True,
            parent=self,
        )
        choose.addWidget(labelled("Fi&nancial year:", self.year, self))
        choose.addWidget(self.year)
        choose.addWidget(labelled("&Period:", self.period, self))
        choose.addWidget(self.period)
        choose.addWidget(self.show_button)
        choose.addStretch(1)
        layout.addLayout(choose)
        self.notice = banner(name="Why the report is not shown", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.about = hint("", self, name="About this report")
        layout.addWidget(self.about)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.model = TextTable(("Section", "Figure", "Quarter", "Year to date"))
        self.table = list_table(self.model, "Figures of the contract report")
        self.table.setAccessibleDescription(
            "One figure a row, the quarter and the year to date; Enter shows the records "
            "behind the figure"
        )
        figures_box = QWidget(split)
        figures_layout = QVBoxLayout(figures_box)
        figures_layout.setContentsMargins(0, 0, 0, 0)
        self.states = ListStates(
            self.table, "Choose a year and a period, then Show report.", figures_box
        )
        self.states.setCurrentWidget(self.states.loading)
        self.drill_button = button(
            "Show the &records behind the figure",
            name="Show the records behind the figure",
            description="The records the office counted for the figure chosen (Enter)",
            parent=figures_box,
        )
        figures_layout.addWidget(self.states, 1)
        figures_layout.addLayout(button_row(self.drill_button))
        chart_box = QWidget(split)
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        self.chart_choice = combo("Which chart", [], chart_box)
        pick = QHBoxLayout()
        pick.addWidget(labelled("&Chart:", self.chart_choice, chart_box))
        pick.addWidget(self.chart_choice, 1)
        chart_layout.addLayout(pick)
        self.chart = ReportChartView(chart_box)
        chart_layout.addWidget(self.chart, 1)
        self.chart_note = hint(
            "The numbers are in the table above the chart.", chart_box, name="About the chart"
        )
        self.chart_note.setWordWrap(True)
        chart_layout.addWidget(self.chart_note)
        drill_box = QWidget(split)
        drill_layout = QVBoxLayout(drill_box)
        drill_layout.setContentsMargins(0, 0, 0, 0)
        self.drill_title = subheading("Records behind a figure", drill_box)
        self.drill_hint = hint(
            "Choose a figure and press Enter, or Show the records. Each record is shown by "
            "its ids and report columns only (never a name or a note); Enter on one opens "
            "its carer.",
            drill_box,
            name="About the records",
        )
        self.drill_notice = banner(name="Why the records are not shown", parent=drill_box)
        self.drill_notice.setVisible(False)
        self.drill_model = TextTable(("Record",))
        self.drill_table = list_table(self.drill_model, "Records behind the figure", drill_box)
        for w in (self.drill_title, self.drill_hint, self.drill_notice, self.drill_table):
            drill_layout.addWidget(w)
        # The records behind a figure right under the figures, the chart after them.
        split.insertWidget(1, drill_box)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setStretchFactor(2, 3)
        self.table.setMinimumHeight(self.fontMetrics().height() * 9)
        self.drill_box = drill_box
        drill_box.setVisible(False)  # until a figure's records are asked for
        layout.addWidget(split, 1)

        actions = QGroupBox("Save or print the report", self)
        actions.setAccessibleName("Save or print the report")
        rows = QVBoxLayout(actions)
        self.format = combo("File format", list(FORMAT_NAMES.items()), actions)
        self.audience = combo("Who the report is for", list(AUDIENCE_NAMES.items()), actions)
        for box in (self.format, self.audience, self.chart_choice):
            # Long choices: a width of their own would push the page wider than a small
            # window at large text; the open list shows them whole.
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            box.setMinimumContentsLength(18)
        self.suppress = QSpinBox(actions)
        self.suppress.setRange(1, 100)
        self.suppress.setValue(DEFAULT_SUPPRESS_BELOW)
        self.suppress.setAccessibleName("Suppress numbers under")
        self.suppress.setAccessibleDescription(
            "For a report leaving the organisation: counts from 1 to this number less one "
            "are shown as <N, and the money and waits worked out from them too"
        )
        who = QHBoxLayout()
        who.addWidget(labelled("Report f&or:", self.audience, actions))
        who.addWidget(self.audience)
        who.addWidget(labelled("Suppress numbers &under:", self.suppress, actions))
        who.addWidget(self.suppress)
        who.addStretch(1)
        rows.addLayout(who)
        self.preview_button = button(
            "Preview and pr&int…",
            name="Preview and print the report",
            description="The office's PDF with charts, in the print preview",
            icon_name="print",
            parent=actions,
        )
        self.save_button = button(
            "Save &as…",
            name="Save the report as a file",
            description="PDF, CSV or JSON, written where you choose",
            icon_name="save",
            parent=actions,
        )
        how = QHBoxLayout()
        how.addWidget(labelled("File for&mat:", self.format, actions))
        how.addWidget(self.format)
        how.addWidget(self.save_button)
        how.addStretch(1)
        how.addWidget(self.preview_button)
        rows.addLayout(how)
        self.result = hint("", actions, name="What happened to the report")
        rows.addWidget(self.result)
        layout.addWidget(actions)
        scroll.setWidget(inner)
        self.file_dialog: QFileDialog | None = None

        self.year.currentIndexChanged.connect(self._year_changed)
        self.chart_choice.currentIndexChanged.connect(self._chart_changed)
        self.show_button.clicked.connect(self.show_report)
        self.table.activated.connect(lambda _index: self.drill_current())
        self.drill_button.clicked.connect(self.drill_current)
        self.preview_button.clicked.connect(self._preview)
        self.save_button.clicked.connect(self.ask_where)
        self.audience.currentIndexChanged.connect(self._audience_changed)
        controller.report_ready.connect(self.show_figures)
        controller.drill_ready.connect(self.show_drill)
        controller.saved.connect(self._saved)
        controller.refused.connect(self._refused)
        controller.cleared.connect(self.clear)
        self._year_changed()
        self._audience_changed()
        self._enable(False)

    # --- choosing ----------------------------------------------------------------------

    def _year_changed(self) -> None:
        fy = self.year.currentData()
        self.period.clear()
        for number, text in self.controller.quarters(fy):
            self.period.addItem(text, number)
        self.period.addItem(YEAR_TO_DATE, None)
        # The latest quarter begun, where the work of the moment is.
        self.period.setCurrentIndex(max(0, self.period.count() - 2))

    def choice(self) -> PeriodChoice:
        return self.controller.choose(self.year.currentData(), self.period.currentData())

    def show_report(self) -> None:
        self.notice.setVisible(False)
        self.controller.load_report(self.choice())

    def _enable(self, on: bool) -> None:
        for b in (self.drill_button, self.preview_button, self.save_button):
            b.setEnabled(on)

    def _audience_changed(self) -> None:
        self.suppress.setEnabled(self._audience() is Audience.EXTERNAL)

    def _audience(self) -> Audience:
        # A combo box hands its data back as a plain str.
        return Audience(self.audience.currentData())

    # --- what the office sent ----------------------------------------------------------

    def show_figures(self, report: ContractReport) -> None:
        choice = self.controller.choice
        periods = [p.label for p in report.periods]
        self.model.set_headers(("Section", "Figure", *periods))
        rows = []
        for fig in report.figures:
            cells = (fig.section, fig.label, *(fig.shown(i) for i in range(len(periods))))
            spoken = (
                "",
                "",
                *(f"{fig.label}, {p}: {fig.shown(i)}" for i, p in enumerate(periods)),
            )
            rows.append(TextRow(cells, key=fig.key, spoken=spoken))
        self.model.set_rows(rows)
        self.table.size_columns(
            {0: "Wellbeing payments", 1: "Self-assessments reviewed within 2 working days"}
            | {2 + i: "£118,900.00" for i in range(len(periods))}
        )
        self.states.show_table()
        column = 2 + (choice.column if choice else 0)
        self.table.setCurrentIndex(self.model.index(0, column))
        notes = " ".join(report.notes)
        self.about.setText(
            f"{report.title}. Worked out by the office on "
            f"{report.generated_at:%-d %B %Y at %H:%M}. {notes}".strip()
        )
        self._clear_drill()
        self._enable(bool(rows))
        self._show_charts()

    def _show_charts(self) -> None:
        self.chart_choice.blockSignals(True)
        self.chart_choice.clear()
        for chart in self.controller.charts:
            self.chart_choice.addItem(chart.title, chart.section)
        self.chart_choice.blockSignals(False)
        self.chart_choice.setEnabled(bool(self.controller.charts))
        self._chart_changed()

    def _chart_changed(self) -> None:
        chart = self.controller.chart(self.chart_choice.currentData())
        self.chart.show_chart(chart)
        if chart is None:
            self.chart_note.setText(
                "Nothing to chart: every figure the charts draw is zero in this report."
                if self.controller.report
                else "The numbers are in the table above the chart."
            )
        elif chart.suppressed:
            self.chart_note.setText(
                "The numbers are in the table above the chart. Drawn as zero because the "
                f"office suppressed them: {', '.join(chart.suppressed)}."
            )
        else:
            self.chart_note.setText("The numbers are in the table above the chart.")

    def drill_current(self) -> None:
        index = self.table.currentIndex()
        key = self.model.key_at(index.row()) if index.isValid() else None
        if not key:
            return
        choice = self.controller.choice
        ytd = index.column() == 3 if index.column() >= 2 else bool(choice and choice.year_to_date)
        self.drill_notice.setVisible(False)
        self.drill_box.setVisible(True)
        self.controller.drill(key, year_to_date=ytd)

    def show_drill(self, drill: DrillDown) -> None:
        report = self.controller.report
        label = next(
            (f.label for f in (report.figures if report else ()) if f.key == drill.figure),
            drill.figure,
        )
        self.drill_title.setText(f"Records behind “{label}”, {drill.period.label}")
        self.drill_title.setAccessibleName(self.drill_title.text())
        count = len(drill.rows)
        self.drill_hint.setText(
            f"{count:,} record{'s' if count != 1 else ''}, each by its ids and report columns "
            "only (never a name or a note). Enter on one opens its carer."
            if count
            else "No records are behind this figure in that period."
        )
        self.drill_model.set_headers([drill.heading(c) for c in drill.columns])
        self.drill_model.set_rows(
            [
                TextRow(tuple(drill.cell(r, c) for c in drill.columns), key=carer_of(r))
                for r in drill.rows
            ]
        )
        self.drill_table.resizeColumnsToContents()
        self.scroll.ensureWidgetVisible(self.drill_title)

    def _clear_drill(self) -> None:
        self.drill_box.setVisible(False)
        self.drill_title.setText("Records behind a figure")
        self.drill_title.setAccessibleName(self.drill_title.text())
        self.drill_model.set_headers(("Record",))
        self.drill_notice.setVisible(False)

    # --- files -------------------------------------------------------------------------

    def _preview(self) -> None:
        self.controller.preview_pdf(self._audience(), self.suppress.value())

    def ask_where(self) -> None:
        fmt = ReportFormat(self.format.currentData())
        audience = self._audience()
        dialog = QFileDialog(self, "Save the contract report")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setAccessibleName("Where to save the report")
        dialog.setNameFilter(f"{fmt.value.upper()} files (*.{fmt.value})")
        dialog.setDefaultSuffix(fmt.value)
        dialog.selectFile(str(Path.home() / self.controller.suggested_name(fmt, audience)))
        dialog.fileSelected.connect(
            lambda path: self.controller.save(Path(path), fmt, audience, self.suppress.value())
        )
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()

    def _saved(self, sentence: str) -> None:
        self.result.setText(sentence)

    def _refused(self, part: str, sentence: str) -> None:
        if part == "report":
            self.notice.setText(sentence)
            self.notice.setVisible(True)
        elif part == "drill":
            self.drill_notice.setText(sentence)
            self.drill_notice.setVisible(True)
        elif part == "file":
            self.result.setText(sentence)

    def clear(self) -> None:
        self.model.clear()
        self._clear_drill()
        self._show_charts()
        self.about.setText("")
        self.result.setText("")
        self.states.setCurrentWidget(self.states.loading)
        self._enable(False)


class BudgetTab(QScrollArea):
    """The year's budget position, the over-budget warning, and its lines."""

    def __init__(self, controller: ReportsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWidgetResizable(True)
        self.setAccessibleName("Wellbeing budget")
        inner = QWidget(self)
        layout = QVBoxLayout(inner)
        choose = QHBoxLayout()
        self.year = combo("Financial year of the budget", list(controller.years()), inner)
        self.show_button = button(
            "Show &budget", name="Show the wellbeing budget", primary=True, parent=inner
        )
        choose.addWidget(labelled("Fi&nancial year:", self.year, inner))
        choose.addWidget(self.year)
        choose.addWidget(self.show_button)
        choose.addStretch(1)
        layout.addLayout(choose)
        self.notice = banner(name="Why the budget is not shown", parent=inner)
        self.notice.setVisible(False)
        self.warning = banner(name="Budget warning", parent=inner)
        self.warning.setVisible(False)
        layout.addWidget(self.notice)
        layout.addWidget(self.warning)
        self.as_of = hint("", inner, name="When the office worked it out")
        layout.addWidget(self.as_of)
        self.summary_box = QGroupBox("The year", inner)
        self.summary_box.setAccessibleName("The year's position")
        self.summary = QFormLayout(self.summary_box)
        layout.addWidget(self.summary_box)
        self.lines = QTabWidget(inner)
        self.lines.setAccessibleName("The budget by funder half, quarter, purpose and district")
        self.funders = TextTable(("Funder", "Share", "Budget", "Paid", "Committed", "Remaining"))
        self.funders_table = list_table(self.funders, "The budget by funder half")
        self.lines.addTab(self.funders_table, "By funder half")
        self.by: dict[str, TextTable] = {}
        for key, title in (
            ("quarter", "By quarter"),
            ("purpose", "By purpose"),
            ("district", "By district"),
        ):
            model, table = lines_table(f"The budget {title.lower()}")
            self.by[key] = model
            self.lines.addTab(table, title)
        self.lines.setMinimumHeight(self.fontMetrics().height() * 14)
        layout.addWidget(self.lines)
        layout.addStretch(1)
        self.setWidget(inner)
        self.show_button.clicked.connect(self.show_budget)
        controller.budget_ready.connect(self.show_position)
        controller.refused.connect(self._refused)
        controller.cleared.connect(self.clear)

    def show_budget(self) -> None:
        self.notice.setVisible(False)
        self.controller.load_budget(self.year.currentData())

    def show_position(self, position: BudgetPosition) -> None:
        self.notice.setVisible(False)
        self.warning.setText(f"⚠ {position.warning}" if position.warning else "")
        self.warning.setVisible(bool(position.warning))
        self.as_of.setText(position.as_of_sentence())
        self._clear_summary()
        for what, amount in position.summary():
            value = paragraph(amount, self.summary_box, name=what)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.summary.addRow(labelled(f"{what}:", value, self.summary_box), value)
        self.funders.set_rows(
            [
                TextRow(
                    (
                        f.name,
                        f"{f.percent:g}%",
                        money(f.budget_pence),
                        money(f.paid_pence),
                        money(f.committed_pence),
                        money(f.remaining_pence),
                    ),
                    key=f.name,
                )
                for f in position.by_funder
            ]
        )
        self.by["quarter"].set_rows(line_rows(position.by_quarter))
        self.by["purpose"].set_rows(line_rows(position.by_purpose))
        self.by["district"].set_rows(line_rows(position.by_district))
        for index in range(self.lines.count()):
            self.lines.widget(index).resizeColumnsToContents()

    def _clear_summary(self) -> None:
        while self.summary.rowCount():
            self.summary.removeRow(0)

    def _refused(self, part: str, sentence: str) -> None:
        if part == "budget":
            self.notice.setText(sentence)
            self.notice.setVisible(True)

    def clear(self) -> None:
        self._clear_summary()
        self.warning.setVisible(False)
        self.as_of.setText("")
        self.funders.clear()
        for model in self.by.values():
            model.clear()


class QueuesTab(QWidget):
    """How much waits for each team and worker, then each item with its due day."""

    def __init__(self, controller: ReportsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Work queues")
        layout = QVBoxLayout(self)
        choose = QHBoxLayout()
        self.team = combo("Team", [(None, "Every team"), *((t, t.title()) for t in TEAMS)], self)
        self.show_button = button(
            "Show &queues", name="Show the work queues", primary=True, parent=self
        )
        choose.addWidget(labelled("&Team:", self.team, self))
        choose.addWidget(self.team)
        choose.addWidget(self.show_button)
        choose.addStretch(1)
        layout.addLayout(choose)
        self.notice = banner(name="Why the queues are not shown", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.as_of = hint("", self, name="When the office worked them out")
        layout.addWidget(self.as_of)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.counts = TextTable(("Team", "Worker", "Queue", "Items", "Overdue"))
        self.counts_table = list_table(self.counts, "How many items each worker has", split)
        self.items = TextTable(("Queue", "Due", "Overdue", "Team", "Worker", "Record", "Carer"))
        self.items_table = list_table(self.items, "Each item waiting, soonest due first", split)
        layout.addWidget(split, 1)
        self.show_button.clicked.connect(self.show_queues)
        controller.queues_ready.connect(self.show_items)
        controller.refused.connect(self._refused)
        controller.cleared.connect(self.clear)

    def show_queues(self) -> None:
        self.notice.setVisible(False)
        self.controller.load_queues(self.team.currentData())

    def show_items(self, queues: WorkQueues) -> None:
        team = queues.team.title() if queues.team else "every team"
        total = len(queues.items)
        late = sum(i.overdue for i in queues.items)
        self.as_of.setText(
            f"{total:,} item{'s' if total != 1 else ''} waiting for {team} "
            f"({late:,} overdue), as the office knew it on {queues.as_of:%-d %B %Y}."
        )
        self.counts.set_rows(
            [
                TextRow(
                    (
                        (c.team or "no team").title(),
                        c.worker or "unassigned",
                        queue_label(c.queue),
                        f"{c.items:,}",
                        f"{c.overdue:,}",
                    ),
                    key=f"{c.team}/{c.worker}/{c.queue}",
                )
                for c in queues.counts
            ]
        )
        self.items.set_rows(
            [
                TextRow(
                    (
                        queue_label(i.queue),
                        i.due_on.isoformat() if i.due_on else "",
                        "overdue" if i.overdue else "",
                        (i.team or "").title(),
                        i.worker or "unassigned",
                        i.record_id,
                        i.carer_id or "",
                    ),
                    key=i.carer_id or "",
                )
                for i in queues.items
            ]
        )
        for table in (self.counts_table, self.items_table):
            table.resizeColumnsToContents()

    def _refused(self, part: str, sentence: str) -> None:
        if part == "queues":
            self.notice.setText(sentence)
            self.notice.setVisible(True)

    def clear(self) -> None:
        self.counts.clear()
        self.items.clear()
        self.as_of.setText("")


class ReportsPage(QWidget):
    def __init__(
        self,
        controller: ReportsController,
        open_carer: Callable[[str], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setAccessibleName("Reports")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Reports", self))
        layout.addWidget(
            hint(
                "Worked out by the office server from every laptop's records when you ask; "
                "nothing of them is kept on this laptop.",
                self,
                name="About the reports",
            )
        )
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Reports")
        self.contract = ContractTab(controller, self.tabs)
        self.budget = BudgetTab(controller, self.tabs)
        self.queues = QueuesTab(controller, self.tabs)
        self.tabs.addTab(self.contract, "Contract report")
        self.tabs.addTab(self.budget, "Wellbeing budget")
        self.tabs.addTab(self.queues, "Work queues")
        layout.addWidget(self.tabs, 1)
        if open_carer is not None:
            # Enter (or a double click) on a record or a queue's item opens its carer.
            for table, model in (
                (self.contract.drill_table, self.contract.drill_model),
                (self.queues.items_table, self.queues.items),
            ):
                open_on_enter(table, model.key_at, open_carer)
        self.preview = None
        controller.pdf_ready.connect(self._preview)
        # The manager's home: the latest quarter's figures are asked for at once.
        self.contract.show_report()

    def _preview(self, pdf: bytes, title: str) -> None:
        from ui.print_preview import PrintPreviewDialog
        from ui.print_preview_controller import PreviewError, PrintPreviewController

        try:
            preview = PrintPreviewController(pdf, title=title)
        except PreviewError as exc:
            self.contract.result.setText(str(exc))
            return
        self.preview = PrintPreviewDialog(preview, self)
        preview.setParent(self.preview)
        self.preview.open()
