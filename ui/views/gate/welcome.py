"""The first screen on a new laptop: connect it to the office, or try the demo."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QRadioButton, QVBoxLayout, QWidget

from carer_desk.environment import DemoPerson
from ui.views.widgets import button, centred_panel, heading, hint, paragraph, rule, subheading


class WelcomeView(QWidget):
    connect_chosen = Signal()
    demo_chosen = Signal(str)  # the demo person's user name

    def __init__(self, demo_people: Sequence[DemoPerson], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Welcome to Carer Desk")
        panel = QWidget(self)
        layout = QVBoxLayout(panel)
        layout.setSpacing(12)
        layout.addWidget(heading("Welcome to Carer Desk", panel))
        layout.addWidget(
            paragraph(
                "Carer Desk keeps your visits, plans and payment requests encrypted on this "
                "laptop, so you can work with no signal, and sends them to the office when "
                "you are back online.",
                panel,
                name="About Carer Desk",
            )
        )
        layout.addWidget(subheading("Set up this laptop for work", panel))
        layout.addWidget(
            hint(
                "You need the office server's address, your user name and password.",
                panel,
                name="What you need to connect",
            )
        )
        self.connect_button = button(
            "&Connect to the office server…",
            name="Connect to the office server",
            description="Enrol this laptop with your office and choose a passphrase",
            icon_name="online",
            primary=True,
            parent=panel,
        )
        self.connect_button.clicked.connect(self.connect_chosen)
        layout.addWidget(self.connect_button)
        layout.addWidget(rule(panel))
        layout.addWidget(subheading("Or try the demo", panel))
        layout.addWidget(
            hint(
                "A demo office runs on this laptop with invented carers only. It is marked "
                "DEMO everywhere and kept apart from real work.",
                panel,
                name="About the demo",
            )
        )
        self.people = QButtonGroup(self)
        self.person_buttons: list[QRadioButton] = []
        for pos, person in enumerate(demo_people):
            role = person.label.lower()
            article = "an" if role[0] in "aeiou" else "a"
            radio = QRadioButton(f"As {article} {role}", panel)
            radio.setAccessibleName(f"Try the demo as {article} {role}")
            radio.setProperty("username", person.username)
            radio.setChecked(pos == 0)
            self.people.addButton(radio, pos)
            self.person_buttons.append(radio)
            layout.addWidget(radio)
        self.demo_button = button(
            "Try the &demo",
            name="Try the demo",
            description="Open Carer Desk on the demo office with invented carers",
            parent=panel,
        )
        self.demo_button.clicked.connect(self._demo)
        layout.addWidget(self.demo_button)
        outer = QVBoxLayout(self)
        outer.addWidget(centred_panel(panel, self))

    def _demo(self) -> None:
        chosen = self.people.checkedButton()
        if chosen is not None:
            self.demo_chosen.emit(str(chosen.property("username")))
