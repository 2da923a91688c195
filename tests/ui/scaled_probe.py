"""Measures what a person sees at a scaling fixed when Qt starts (QT_SCALE_FACTOR), in a
process of its own: run by tests/ui/test_text_fits.py as

    python -m tests.ui.scaled_probe [--large-text]

with QT_SCALE_FACTOR set in its environment. Prints one JSON object: every text field of
the operator's "Correct and send the call again" form (with a problem shown under a
field, as after a refusal) with its height and the height its text needs, and the Plans
list's columns with their widths and what their header and cells need.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)


def fields_of(top: QWidget) -> list[dict]:
    """Every visible one-line field (a spin box's or combo box's own line edit is part of
    it): its height, the height Qt says its text needs, and its font's line height."""
    out = []
    for w in top.findChildren(QWidget):
        if not isinstance(w, QLineEdit | QComboBox | QAbstractSpinBox) or not w.isVisible():
            continue
        if isinstance(w.parentWidget(), QComboBox | QAbstractSpinBox):
            continue
        out.append(
            {
                "name": w.accessibleName(),
                "height": w.height(),
                "needs": w.sizeHint().height(),
                "line": w.fontMetrics().height(),
            }
        )
    return out


def correct_call_form(parent: QWidget) -> dict:
    from carer_desk.sync_status import RefusedChange
    from ui.controllers.conflicts import CallCorrection
    from ui.views.sync_page import CorrectCallDialog

    reason = (
        "Replacement care hours: 30 hours is more than the usual 24; up to 72 hours can be "
        "arranged in exceptional cases (mark the case exceptional and say why)."
    )
    refused = RefusedChange(
        "change-1", "call-1", "call", reason, "call on card 5284 0723 3238 at 14:45"
    )
    dialog = CorrectCallDialog(refused, CallCorrection(True, 30, "", "", 24, 72), reason, parent)
    dialog.open()
    settle()
    dialog.show_problems([("exceptional_reason", "Say why more than 24 hours are needed.")])
    dialog.follow_up.setFocus()
    settle()
    return {"size": [dialog.width(), dialog.height()], "fields": fields_of(dialog)}


def plans_columns(parent: QWidget) -> list[dict]:
    from carer_desk.services.caseload import PlanState
    from carer_desk.services.plan_reviews import PlanReviewRow
    from ui.models.plans_model import PlansModel
    from ui.views.plans_page import COLUMN_SAMPLES
    from ui.views.table import list_table

    model = PlansModel(parent)
    rows = [
        PlanReviewRow("c1", "Sandra Ó'Brien-Wójcik", "Ó'Brien-Wójcik", "north",
                      PlanState.OVERDUE, date(2026, 9, 30), (), 1),
        PlanReviewRow("c2", "Ann Lee", "Lee", "north", PlanState.REVIEW_DUE,
                      date(2026, 12, 5), (), 12),
        PlanReviewRow("c3", "Bo Ng", "Ng", "south", PlanState.INCOMPLETE, None,
                      ("the address where care is needed",), 0),
    ]  # fmt: skip
    model.set_rows(rows)
    table = list_table(model, "Plans", parent)
    parent.layout().addWidget(table)
    settle()
    table.size_columns(COLUMN_SAMPLES)
    settle()
    header = table.horizontalHeader()
    return [
        {
            "column": str(model.headerData(c, header.orientation())),
            "width": table.columnWidth(c),
            "header_needs": header.sectionSizeHint(c),
            "cells_need": table.sizeHintForColumn(c),
        }
        for c in COLUMN_SAMPLES
    ]


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large-text", action="store_true")
    args = parser.parse_args()
    from PySide6.QtWidgets import QVBoxLayout

    from ui.theme import Theme

    app = QApplication(sys.argv[:1])
    Theme(app, large_text=args.large_text)
    window = QWidget()
    QVBoxLayout(window)
    window.resize(1180, 760)
    window.show()
    result = {
        "scale": window.devicePixelRatioF(),
        "correct_call": correct_call_form(window),
        "plans": plans_columns(window),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
