"""Automatic sync when the network returns: the link to the office drops (a village with
no signal), a change is made, and when the office answers again the window sends it by
itself — the worker never presses "Sync now" twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import (
    DemoThroughALink,
    Desk,
    demo_on_a_link,
    demo_workers_new_carer,
    sync_status,
)
from ui.operations import VaultTask


@pytest.fixture
def worker_on_a_link(qtbot, tmp_path: Path) -> Iterator[tuple[Desk, DemoThroughALink]]:
    yield from demo_on_a_link(qtbot, tmp_path, "worker")


def test_a_change_made_offline_is_sent_by_itself_when_the_office_answers_again(
    worker_on_a_link, qtbot
):
    desk, env = worker_on_a_link
    link = env.link
    assert link is not None
    link.go_down()
    session = desk.shell.ctx.open_desk().session
    carer = demo_workers_new_carer(desk, "Wilhelmina", "Offline-Stroud")
    VaultTask(desk.shell.runner, lambda: session.run(lambda s: s.carers.register(carer))).run()
    desk.idle(qtbot)

    desk.window.sync_action.trigger()  # the worker tries, in the village
    qtbot.waitUntil(
        lambda: sync_status(desk).startswith("Offline — 1 change waiting"), timeout=30_000
    )

    link.come_back()  # back at the office: nobody presses anything
    qtbot.waitUntil(lambda: sync_status(desk).startswith("Synced"), timeout=60_000)

    # The office has it: a colleague's laptop, set up now, receives the carer.
    colleague = desk.launcher.demo("admin")
    office = colleague.set_up_demo()
    try:
        names = {(r.given_name, r.family_name) for r in office.session.caseload.rows()}
        assert ("Wilhelmina", "Offline-Stroud") in names
    finally:
        colleague.close()
