"""Automatic sync when the network returns: the link to the office drops (a village with
no signal), a change is made, and when the office answers again the window sends it by
itself — the worker never presses "Sync now" twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carer_desk.clock import SYSTEM_CLOCK
from carer_desk.wiring.desk import DemoEnvironment, Launcher
from tests.sync.cutting_proxy import CuttingProxy
from tests.ui.conftest import Desk, demo_workers_new_carer, make_shell, sync_status
from ui.controllers.session import Gate
from ui.operations import VaultTask


class _ThroughALink(DemoEnvironment):
    """The demo worker's laptop, reaching the demo office through a link that can drop."""

    link: CuttingProxy | None = None

    def _server_override(self) -> str | None:
        if self.link is None:
            port = int(self.office.start().rsplit(":", 1)[1])
            self.link = CuttingProxy(port)
        return self.link.url


@pytest.fixture
def worker_on_a_link(qtbot, tmp_path: Path) -> Iterator[tuple[Desk, _ThroughALink]]:
    envs: list[_ThroughALink] = []

    def env_for(launcher: Launcher) -> _ThroughALink:
        envs.append(_ThroughALink(launcher, "worker", clock=SYSTEM_CLOCK))
        return envs[0]

    desk = make_shell(qtbot, tmp_path, env_for)
    desk.at(qtbot, Gate.WORKSPACE, timeout=60_000)
    yield desk, envs[0]
    desk.shell.shutdown()
    if envs[0].link is not None:
        envs[0].link.close()


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
