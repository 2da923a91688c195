"""A chart of the contract report on the Reports page: one section's bars (referrals by
source, assessments by route, payments by purpose, the two working-day KPIs), one bar per
period, as in the PDF. The figures table above it holds the same numbers for screen
readers (DESIGN "Charts"); the chart's accessible description says them too.

Layout and styling only: the bars come from :meth:`carer_desk.office.ContractReport.charts`
and the colours from the window's palette, so the chart reads in the light and the dark
palette alike.
"""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QWidget

from carer_desk.office import ReportChart
from carer_desk.rules.reporting import Unit


class ReportChartView(QChartView):
    """Horizontal bars, the first period (the quarter) in the accent colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(QChart(), parent)
        self.shown: ReportChart | None = None
        self.bar_sets: list[QBarSet] = []
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName("Chart of the contract report")
        self.setAccessibleDescription("No report shown yet")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # its numbers are in the table
        self.setMinimumHeight(self.fontMetrics().height() * 14)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 46)

    def show_chart(self, data: ReportChart | None) -> None:
        chart = QChart()
        chart.setBackgroundVisible(False)
        chart.setMargins(chart.margins() * 0)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        grid = palette.color(QPalette.ColorRole.Mid)
        colours = (
            palette.color(QPalette.ColorRole.Highlight),
            palette.color(QPalette.ColorRole.Mid),
        )
        self.bar_sets = []
        self.shown = data
        if data is not None:
            series = QHorizontalBarSeries(chart)
            # Qt draws the first category at the bottom: reversed, the report's order
            # reads from the top as in the table.
            bars = list(reversed(data.bars))
            for index, period in enumerate(data.periods):
                bar_set = QBarSet(period, series)
                bar_set.setColor(colours[index % len(colours)])
                bar_set.setBorderColor(palette.color(QPalette.ColorRole.Window))
                bar_set.setLabelColor(text)
                bar_set.append([values[index] for _, values in bars])
                series.append(bar_set)
                self.bar_sets.append(bar_set)
            chart.addSeries(series)
            y = QBarCategoryAxis(chart)
            y.append([label for label, _ in bars])
            y.setLabelsBrush(text)
            y.setGridLineVisible(False)
            y.setLinePenColor(grid)
            x = QValueAxis(chart)
            x.setLabelsBrush(text)
            x.setGridLineColor(grid)
            x.setLinePenColor(grid)
            top = max((max(values) for _, values in data.bars), default=0)
            x.setRange(0, max(top, 1))
            x.applyNiceNumbers()  # ticks on round numbers: 0, 2, 4... or £0, £500...
            x.setLabelFormat("£%.0f" if data.unit is Unit.PENCE else "%.0f")
            chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
            chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
            series.attachAxis(y)
            series.attachAxis(x)
            # Room for each label beside its bars (Qt cuts a label short to "..." when
            # its category is lower than a line), the axis and the legend.
            lines = 1.2 * len(data.periods) * len(data.bars) + 6
            self.setMinimumHeight(int(self.fontMetrics().height() * max(lines, 14)))
            self.setAccessibleName(f"Chart: {data.title}")
            self.setAccessibleDescription(data.sentence())
        else:
            self.setAccessibleName("Chart of the contract report")
            self.setAccessibleDescription("No report shown yet")
        legend = chart.legend()
        legend.setVisible(data is not None)
        legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
        legend.setLabelColor(text)
        old = self.chart()
        self.setChart(chart)
        old.deleteLater()
