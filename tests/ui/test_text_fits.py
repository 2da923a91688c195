"""Text that fits, at 100 %, at 200 % scaling and with large text: text fields tall enough
for their line (descenders not cut off), a passing status-bar message as wide as its
words, and list columns as wide as their header and their cells.

200 % is fixed when Qt starts, so those checks run tests/ui/scaled_probe.py in a process
of its own with QT_SCALE_FACTOR=2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from carer_desk.roles import Area
from tests.ui.conftest import Desk, _demo_person
from tests.ui.test_admin_flows import _admin, _new_user
from ui.controllers.window import Place
from ui.views.plans_page import COLUMN_SAMPLES

ROOT = Path(__file__).resolve().parents[2]


def _probe(*args: str) -> dict:
    env = {**os.environ, "QT_SCALE_FACTOR": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.scaled_probe", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_fields_fit(fields: list[dict], where: str) -> None:
    assert fields, where
    for f in fields:
        # As tall as its text needs: the font's line, its padding and border.
        assert f["needs"] >= f["line"] + 4, (where, f)
        assert f["height"] >= f["needs"], f"{where}: {f['name']} cut to {f['height']} px: {f}"


def _fields(top: QWidget) -> list[dict]:
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


@pytest.mark.parametrize("large", [False, True], ids=["200%", "200% and large text"])
def test_the_correct_call_form_at_200_percent_cuts_no_text(large):
    result = _probe(*(["--large-text"] if large else []))
    assert result["scale"] == 2.0
    _assert_fields_fit(result["correct_call"]["fields"], "Correct and send the call again")


def test_the_plans_columns_fit_their_header_and_cells_at_200_percent():
    for column in _probe()["plans"]:
        assert column["width"] >= column["header_needs"], column
        assert column["width"] >= column["cells_need"], column


def test_a_refused_new_user_dialog_keeps_its_fields_whole(manager: Desk, qtbot):
    """The office's refusal appears in the open dialog (a sentence that wraps): the dialog
    grows to hold it rather than squeezing the fields above it, at 100 % and large text."""
    page = _admin(manager, qtbot)
    for large in (False, True):
        manager.shell.theme.set_large_text(large)
        dialog = _new_user(page, qtbot, "ann.new", "outreach-worker", None)
        qtbot.waitUntil(lambda d=dialog: d.error.isVisibleTo(d), timeout=30_000)
        dialog.username.setFocus()
        for _ in range(5):
            QApplication.processEvents()
        _assert_fields_fit(_fields(dialog), f"new user, large text {large}")
        dialog.reject()
    manager.shell.theme.set_large_text(False)


def test_a_passing_message_is_as_wide_as_its_words(worker: Desk, qtbot):
    """ "Sync finished…" in the status bar, readable whole: at the usual and at large text."""
    window = worker.window
    for large in (False, True):
        worker.shell.theme.set_large_text(large)
        window.sync_action.trigger()
        qtbot.waitUntil(lambda: worker.shell.sync.running, timeout=10_000)
        qtbot.waitUntil(lambda: not worker.shell.sync.running, timeout=60_000)
        worker.idle(qtbot)
        message = window.passing
        qtbot.waitUntil(message.isVisible, timeout=10_000)
        text = message.text()
        assert text.startswith("Sync"), text
        needs = message.fontMetrics().horizontalAdvance(text)
        assert message.width() >= needs, (text, message.width(), needs)
        assert message.isVisibleTo(window.statusBar())
    worker.shell.theme.set_large_text(False)


@pytest.fixture
def card_administrator(qtbot, tmp_path):
    yield from _demo_person(qtbot, tmp_path, "cards")


def test_the_plans_columns_fit_their_header_and_cells(card_administrator: Desk, qtbot):
    """ "Review overdue" whole beside its icon, and every header whole, at 100 % and with
    large text."""
    desk = card_administrator
    desk.window.go(Place(Area.PLANS))
    plans = desk.window.workspace.page_for(Area.PLANS)
    qtbot.waitUntil(lambda: plans.controller.ready and plans.controller.model.rowCount() > 0)
    table = plans.table
    header = table.horizontalHeader()
    for large in (False, True):
        desk.shell.theme.set_large_text(large)
        for _ in range(5):
            QApplication.processEvents()
        for column in COLUMN_SAMPLES:
            width = table.columnWidth(column)
            assert width >= header.sectionSizeHint(column), (large, column)
            assert width >= table.sizeHintForColumn(column), (large, column)
    desk.shell.theme.set_large_text(False)


def test_the_field_arrows_ticks_and_dots_are_drawn_in_each_palettes_text_colours():
    """A combo box's and a spin box's arrows, a check box's tick and a radio button's dot
    come from files, one set per palette: each in that palette's text colour (muted when
    disabled), so they meet its contrast, dark as well as light."""
    import re

    from ui.theme import ARROWS, DARK, LIGHT, contrast_ratio

    for look, colours in (("light", LIGHT), ("dark", DARK)):
        for direction in ("up", "down", "check", "dot"):
            for suffix, colour in (("", colours.text), ("-disabled", colours.muted)):
                svg = (ARROWS / f"{direction}-{look}{suffix}.svg").read_text()
                (fill,) = re.findall(r'(?:fill|stroke)="(#[0-9A-Fa-f]{6})"', svg)
                assert fill.upper() == colour.upper(), (look, direction, suffix)
                assert contrast_ratio(fill, colours.base) >= 4.5
