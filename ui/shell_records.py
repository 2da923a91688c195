"""Record pages the workspace opens (a carer's record, for now), built with their
controllers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from ui.controllers.carer import CarerController
from ui.views.carer_page import CarerPage

if TYPE_CHECKING:
    from ui.shell import Shell
    from ui.views.workspace import Workspace


def carer_page(shell: Shell, ws: Workspace, record_id: str, tab: str | None) -> QWidget:
    controller = CarerController(shell.ctx, record_id)
    page = CarerPage(
        controller,
        back=ws.back,
        open_carer=lambda carer_id: ws.open_record("carer", carer_id, None),
        tab_changed=ws.tab_changed,
        card_group_size=shell.ctx.env.settings.cards.group_size,
        tab=tab,
        parent=ws,
    )
    controller.setParent(page)
    return page
