"""The wellbeing check's trajectory: one small chart per statement over every completed
check, and the same numbers as a table for screen readers (DESIGN "Charts").

Layout and styling only: the colours come from the window's palette, so the charts read
in the light and the dark palette alike.
"""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCharts import (
    QCategoryAxis,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
)
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from carer_desk.services.conversations import WellbeingPoint
from carer_desk.templates import ConversationTemplate
from ui.forms.conversation_summary import trajectory_rows
from ui.views.widgets import hint, paragraph, subheading

COLUMNS = 1  # the side panel is narrow: one chart under another, never clipped


def _ms(day) -> int:
    return QDateTime(datetime.combine(day, time(12))).toMSecsSinceEpoch()


class StatementChart(QChartView):
    def __init__(
        self,
        statement: str,
        points: list[tuple[object, int]],
        scale: list[str],
        parent: QWidget | None = None,
    ) -> None:
        chart = QChart()
        super().__init__(chart, parent)
        self.statement = statement
        self.points = points
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        accent = palette.color(QPalette.ColorRole.Highlight)
        chart.setBackgroundVisible(False)
        chart.legend().setVisible(False)
        chart.setMargins(chart.margins() * 0)
        series = QLineSeries(chart)
        series.setPointsVisible(True)
        series.setPen(QPen(accent, 3))
        for day, score in points:
            series.append(_ms(day), score)
        chart.addSeries(series)
        x = QDateTimeAxis(chart)
        x.setFormat("MMM yyyy")
        x.setLabelsBrush(text)
        x.setTickCount(min(max(len(points), 2), 4))
        if points:
            first, last = _ms(points[0][0]), _ms(points[-1][0])
            pad = max((last - first) // 10, 86_400_000 * 15)
            x.setRange(
                QDateTime.fromMSecsSinceEpoch(first - pad),
                QDateTime.fromMSecsSinceEpoch(last + pad),
            )
        y = QCategoryAxis(chart)
        # Each label ON its score (0 never ... 3 always), where the points are drawn.
        y.setStartValue(-0.3)
        for position, label in enumerate(scale):
            y.append(label, position)
        y.setRange(-0.3, len(scale) - 0.7)
        y.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        y.setLabelsBrush(text)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName(f"Chart: {statement}")
        self.setAccessibleDescription(
            "; ".join(f"{d:%d %B %Y}: {scale[s]}" for d, s in points) or "No checks yet"
        )
        self.setMinimumHeight(self.fontMetrics().height() * 11)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 44)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)


class WellbeingTrajectory(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Wellbeing over time")
        self.layout_ = QVBoxLayout(self)
        self.about = hint(
            "Every completed wellbeing check, one chart per statement (the same answers are "
            "in the table below).",
            self,
            name="About the wellbeing charts",
        )
        self.layout_.addWidget(self.about)
        self.empty = paragraph(
            "No completed wellbeing check yet: the charts start with the first one.",
            self,
            name="No wellbeing checks",
        )
        self.layout_.addWidget(self.empty)
        self.grid = QGridLayout()
        self.layout_.addLayout(self.grid)
        self.table = QTableWidget(0, 0, self)
        self.table.setAccessibleName("Wellbeing checks as a table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.layout_.addWidget(self.table)
        self.charts: list[StatementChart] = []
        self.cells: list[QWidget] = []

    def show_points(
        self, points: tuple[WellbeingPoint, ...], template: ConversationTemplate
    ) -> None:
        for cell in self.cells:
            self.grid.removeWidget(cell)
            cell.deleteLater()
        self.cells: list[QWidget] = []
        self.charts = []
        scale = [c.label for c in template.wellbeing_scale]
        headers, rows = trajectory_rows(points, template)
        ids = [s.id for s in template.wellbeing_statements]
        for pos, sid in enumerate(ids):
            series = [(p.on, dict(p.scores)[sid]) for p in points if sid in dict(p.scores)]
            text = template.statement_text(sid)
            # The statement as a label (a chart's own title is cut short when narrow).
            cell = QWidget(self)
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.addWidget(subheading(text, cell))
            chart = StatementChart(text, series, scale, cell)
            cell_layout.addWidget(chart)
            self.grid.addWidget(cell, pos // COLUMNS, pos % COLUMNS)
            self.cells.append(cell)
            self.charts.append(chart)
        self.empty.setVisible(not points)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(headers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.setVisible(bool(rows))
        lines = self.table.fontMetrics().height() * (len(rows) + 3)
        self.table.setMinimumHeight(lines)

    def clear(self) -> None:
        """Lock means locked: nothing of the carer's answers stays drawn."""
        for cell in self.cells:
            cell.deleteLater()
        self.cells, self.charts = [], []
        self.table.clear()
        self.table.setRowCount(0)
