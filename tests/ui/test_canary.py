"""Canaries typed into the window: after saving, a draft, a sync and a lock, no file the
application wrote, no log line and no widget holds them in clear."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import Desk, make_shell, visible_texts
from ui.controllers.session import Gate
from ui.views.carer_page import CarerPage

CANARIES = {
    "given_name": "Canarygiven",
    "family_name": "Canaryfamily",
    "contact.phone": "01865 424242",
    "gp_practice": "Canarysurgery",
    "consent.notes": "Canarynotes about consent",
}
DRAFT_CANARY = "Canarydraftonly"


def _type(widget, text: str) -> None:
    widget.setFocus()
    if hasattr(widget, "selectAll"):
        widget.selectAll()
    QTest.keyClicks(widget, text)
    QApplication.processEvents()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _hits(data: bytes, needle: str) -> bool:
    return needle.encode("utf-8") in data or needle.encode("utf-16-le") in data


def test_nothing_typed_survives_in_clear_anywhere(qtbot, tmp_path: Path, monkeypatch, caplog):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)
    caplog.set_level(logging.DEBUG)
    desk: Desk = make_shell(qtbot, tmp_path, lambda launcher: launcher.demo("worker"))
    try:
        desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
        window = desk.window
        window.new_carer_action.trigger()
        qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, CarerPage))
        desk.idle(qtbot)
        page = window.workspace.record_page
        for key, text in CANARIES.items():
            _type(page.profile.fields[key].widget, text)
        page.profile.fields["consent.given"].widget.setChecked(True)
        page.save_now()
        desk.idle(qtbot)
        qtbot.waitUntil(lambda: not page.controller.is_new, timeout=10_000)  # registered
        window.sync_action.trigger()
        desk.idle(qtbot, timeout=60_000)
        # A second edit left unsaved: it is sealed as a draft when the window locks.
        page = window.workspace.record_page
        qtbot.waitUntil(lambda: page.profile.fields["given_name"].widget.text() != "")
        _type(page.profile.fields["preferred_name"].widget, DRAFT_CANARY)
        window.lock_action.trigger()
        desk.at(qtbot, Gate.UNLOCK)

        texts = "\n".join(visible_texts())
        for text in [*CANARIES.values(), DRAFT_CANARY]:
            assert text not in texts, f"{text!r} is still on screen after the lock"

        desk.shell.shutdown()  # close files: WAL checkpoints, the office stops
        written = _files(tmp_path)
        assert any(p.name == "vault.sqlite" for p in written)
        for path in written:
            data = path.read_bytes()
            for text in [*CANARIES.values(), DRAFT_CANARY]:
                assert not _hits(data, text), f"{text!r} found in clear in {path}"
        for record in caplog.records:
            line = record.getMessage()
            for text in [*CANARIES.values(), DRAFT_CANARY]:
                assert text not in line, f"{text!r} was logged"
    finally:
        desk.shell.runner.shutdown(wait=True)
