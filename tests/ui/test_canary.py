"""Canaries typed into the window: after saving, a draft, a sync and a lock, no file the
application wrote, no log line and no widget holds them in clear."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from tests.ui.conftest import Desk, make_shell, type_into, visible_texts
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


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _hits(data: bytes, needle: str) -> bool:
    return needle.encode("utf-8") in data or needle.encode("utf-16-le") in data


def _watched(qtbot, tmp_path: Path, monkeypatch, caplog, who: str) -> Desk:
    """A demo person's window whose temporary files and log lines are all kept to scan."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)
    caplog.set_level(logging.DEBUG)
    return make_shell(qtbot, tmp_path, lambda launcher: launcher.demo(who))


def _nowhere_in_clear(desk: Desk, tmp_path: Path, caplog, canaries: list[str]) -> None:
    """No file written and no log line holds any of ``canaries`` (the window is shut)."""
    desk.shell.shutdown()  # close files: WAL checkpoints, the office stops
    written = _files(tmp_path)
    assert any(p.name == "vault.sqlite" for p in written)
    for path in written:
        data = path.read_bytes()
        for text in canaries:
            assert not _hits(data, text), f"{text!r} found in clear in {path}"
    for record in caplog.records:
        line = record.getMessage()
        for text in canaries:
            assert text not in line, f"{text!r} was logged"


def test_nothing_typed_survives_in_clear_anywhere(qtbot, tmp_path: Path, monkeypatch, caplog):
    desk = _watched(qtbot, tmp_path, monkeypatch, caplog, "worker")
    try:
        desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
        window = desk.window
        window.new_carer_action.trigger()
        qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, CarerPage))
        desk.idle(qtbot)
        page = window.workspace.record_page
        for key, text in CANARIES.items():
            type_into(page.profile.fields[key].widget, text)
        page.profile.fields["consent.given"].widget.setChecked(True)
        page.save_now()
        desk.idle(qtbot)
        qtbot.waitUntil(lambda: not page.controller.is_new, timeout=10_000)  # registered
        window.sync_action.trigger()
        desk.idle(qtbot, timeout=60_000)
        # A second edit left unsaved: it is sealed as a draft when the window locks.
        page = window.workspace.record_page
        qtbot.waitUntil(lambda: page.profile.fields["given_name"].widget.text() != "")
        type_into(page.profile.fields["preferred_name"].widget, DRAFT_CANARY)
        window.lock_action.trigger()
        desk.at(qtbot, Gate.UNLOCK)

        texts = "\n".join(visible_texts())
        for text in [*CANARIES.values(), DRAFT_CANARY]:
            assert text not in texts, f"{text!r} is still on screen after the lock"

        _nowhere_in_clear(desk, tmp_path, caplog, [*CANARIES.values(), DRAFT_CANARY])
    finally:
        desk.shell.runner.shutdown(wait=True)


NEWCOMER_CANARIES = {
    "given_name": "Canarynewcomer",
    "family_name": "Canaryhall",
    "phone": "01865 434343",
    "email": "canary.newcomer@example.org",
}


def test_a_register_leaves_nothing_on_screen_or_on_disk_after_the_lock(
    qtbot, tmp_path: Path, monkeypatch, caplog
):
    from carer_desk.roles import Area
    from ui.views.group_page import GroupPage
    from ui.views.register_page import RegisterPage

    desk = _watched(qtbot, tmp_path, monkeypatch, caplog, "facilitator")
    try:
        desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
        window = desk.window
        groups = window.workspace.page_for(Area.GROUPS)
        qtbot.waitUntil(lambda: groups.controller.ready)
        window.workspace.open_record("group", groups.controller.group_id_at(0))
        qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, GroupPage))
        desk.idle(qtbot)
        group = window.workspace.record_page
        window.workspace.open_record("session", group.controller.session_id_at(0))
        qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, RegisterPage))
        desk.idle(qtbot)
        page = window.workspace.record_page
        register_names = [r.entry.display_name for r in page.controller.model.rows()]
        assert register_names
        page.open_newcomer()
        for key, text in NEWCOMER_CANARIES.items():
            type_into(page.newcomer.fields[key].widget, text)
        page.newcomer.fields["consent"].widget.setChecked(True)
        page.save_now()
        desk.idle(qtbot)
        qtbot.waitUntil(lambda: page.controller.model.rowCount() == len(register_names) + 1)
        window.sync_action.trigger()
        desk.idle(qtbot, timeout=60_000)
        # A second newcomer half typed when the window locks: sealed as a draft.
        page.open_newcomer()
        type_into(page.newcomer.fields["given_name"].widget, DRAFT_CANARY)
        window.lock_action.trigger()
        desk.at(qtbot, Gate.UNLOCK)

        texts = "\n".join(visible_texts())
        for text in [*NEWCOMER_CANARIES.values(), DRAFT_CANARY, *register_names]:
            assert text not in texts, f"{text!r} is still on screen after the lock"

        # Unlocked again: back on the same register, the half-typed newcomer kept.
        window.unlock_view.passphrase.setText("demo passphrase")
        window.unlock_view.passphrase.returnPressed.emit()
        desk.at(qtbot, Gate.WORKSPACE)
        qtbot.waitUntil(lambda: isinstance(window.workspace.record_page, RegisterPage))
        desk.idle(qtbot)
        again = window.workspace.record_page
        assert again.newcomer.isVisible()
        assert again.newcomer.fields["given_name"].widget.text() == DRAFT_CANARY

        _nowhere_in_clear(desk, tmp_path, caplog, [*NEWCOMER_CANARIES.values(), DRAFT_CANARY])
    finally:
        desk.shell.runner.shutdown(wait=True)


CONVERSATION_CANARY = "Canaryconversationsaved"
CONVERSATION_DRAFT_CANARY = "Canaryconversationdraft"


def test_a_conversation_leaves_nothing_in_clear_on_screen_or_on_disk(
    qtbot, tmp_path: Path, monkeypatch, caplog
):
    from tests.ui.test_conversation import adult_carer_id, start_conversation

    desk = _watched(qtbot, tmp_path, monkeypatch, caplog, "worker")
    try:
        desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
        page = start_conversation(qtbot, desk, adult_carer_id(desk, qtbot))
        prompts = page.controller.view.template.stage(1).prompts
        type_into(page.fields[f"answer.{prompts[0].id}"].widget, CONVERSATION_CANARY)
        page.save_now()
        desk.idle(qtbot)
        desk.window.sync_action.trigger()
        desk.idle(qtbot, timeout=60_000)
        # Typed and not saved when the window locks: sealed as a draft.
        type_into(page.fields[f"answer.{prompts[1].id}"].widget, CONVERSATION_DRAFT_CANARY)
        desk.window.lock_action.trigger()
        desk.at(qtbot, Gate.UNLOCK)
        texts = "\n".join(visible_texts())
        for text in (CONVERSATION_CANARY, CONVERSATION_DRAFT_CANARY):
            assert text not in texts, f"{text!r} is still on screen after the lock"
        _nowhere_in_clear(desk, tmp_path, caplog, [CONVERSATION_CANARY, CONVERSATION_DRAFT_CANARY])
    finally:
        desk.shell.runner.shutdown(wait=True)
