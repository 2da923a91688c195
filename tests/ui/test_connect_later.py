"""A laptop set up without an office (from the command line) is connected to one from
Settings: a wrong password is refused in the form with nothing changed; the right one
enrols the laptop, the window reopens for the person's role without the passphrase, and
what was recorded before is sent at the first sync, which starts by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from sync.server.__main__ import DEMO_PASSWORD
from tests.ui.accessibility import walk
from tests.ui.conftest import (
    Desk,
    demo_workers_new_carer,
    make_shell,
    on_vault,
    sync_status,
    type_into,
)
from ui.controllers.session import Gate

PASSPHRASE = "a lantern over the Windrush"


@pytest.fixture
def unconnected(qtbot, tmp_path: Path) -> Iterator[tuple[Desk, str]]:
    def env_for(launcher):
        env = launcher.office()
        env.vault.create(PASSPHRASE)
        env.vault.lock()
        return env

    desk = make_shell(qtbot, tmp_path, env_for)
    office_url = desk.launcher.demo_office().start()
    desk.at(qtbot, Gate.UNLOCK)
    desk.shell.session.unlock(PASSPHRASE)
    desk.at(qtbot, Gate.WORKSPACE)
    yield desk, office_url
    desk.shell.shutdown()


def test_a_laptop_set_up_alone_is_connected_from_settings(unconnected, qtbot):
    desk, office_url = unconnected
    assert desk.shell.ctx.open_desk().identity is None
    carer = demo_workers_new_carer(desk, "Ottoline", "Before-Enrolment")
    on_vault(desk, qtbot, lambda s: s.run(lambda d: d.carers.register(carer)))

    dialog = desk.shell.open_settings()
    desk.idle(qtbot)
    qtbot.waitUntil(dialog.office_box.isVisible)
    result = walk(dialog)
    assert not result.unnamed and not result.unreachable

    dialog.connect_button.click()  # nothing typed: each field says what it needs
    assert dialog.office_rows["server"].error.isVisible()
    assert dialog.server.hasFocus()

    type_into(dialog.server, office_url)
    type_into(dialog.username, "demo-worker")
    type_into(dialog.password, "not the password")
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: bool(dialog.office_outcome.text()), timeout=30_000)
    assert "password" in dialog.office_outcome.text().lower()
    assert desk.shell.ctx.open_desk().identity is None  # nothing changed
    assert dialog.isVisible()

    type_into(dialog.password, DEMO_PASSWORD)
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    desk.at(qtbot, Gate.WORKSPACE)
    identity = desk.shell.ctx.open_desk().identity
    assert identity is not None and identity.username == "demo-worker"
    qtbot.waitUntil(lambda: sync_status(desk).startswith("Synced"), timeout=60_000)
    assert "waiting" not in sync_status(desk)

    # The office has the carer recorded before the laptop was connected.
    colleague = desk.launcher.demo("admin")
    office = colleague.set_up_demo()
    try:
        names = {(r.given_name, r.family_name) for r in office.session.caseload.rows()}
        assert ("Ottoline", "Before-Enrolment") in names
    finally:
        colleague.close()
    QApplication.processEvents()
