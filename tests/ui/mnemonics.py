"""Every Alt+letter of the window, by the scope it works in, so a test can fail on two
controls sharing one letter (Alt+Y opened the Sync menu instead of the Payments tab).

Scopes, as Qt matches a mnemonic:

* **the window** — the menu bar's menus, every visible tab bar's tabs, every visible
  button and every label with a buddy: each registers its Alt+letter for the whole window
  while it is shown, so two of them sharing a letter means one of them never answers;
* **each menu** — while a menu is open its items answer to the bare letter, so the items
  of one menu need letters of their own (another menu may use the same ones).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from PySide6.QtWidgets import QAbstractButton, QLabel, QMenu, QMenuBar, QTabBar, QWidget


def mnemonic(text: str) -> str | None:
    """The letter after a single ``&`` (``&&`` is a literal ampersand), lower case."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] == "&":
                i += 2
                continue
            return text[i + 1].lower()
        i += 1
    return None


@dataclass(frozen=True)
class Clash:
    scope: str
    letter: str
    owners: tuple[str, ...]

    def __str__(self) -> str:
        return f"Alt+{self.letter.upper()} in {self.scope}: {' / '.join(self.owners)}"


def _clashes(scope: str, owners: dict[str, list[str]]) -> list[Clash]:
    return [
        Clash(scope, letter, tuple(names)) for letter, names in owners.items() if len(names) > 1
    ]


def plain(text: str) -> str:
    """The text as shown: ``&&`` an ampersand, a single ``&`` gone."""
    return "&".join(part.replace("&", "") for part in text.split("&&"))


def _shown(w: QWidget) -> bool:
    return w.isVisible() and w.isEnabled()


def window_scope(window: QWidget) -> dict[str, list[str]]:
    """Each letter of the window's scope and what owns it ("menu Sync", "tab Payments")."""
    owners: dict[str, list[str]] = defaultdict(list)
    for bar in window.findChildren(QMenuBar):
        if not bar.isVisible():
            continue
        for action in bar.actions():
            letter = mnemonic(action.text())
            if action.isVisible() and letter:
                owners[letter].append(f"menu {plain(action.text())}")
    for tabs in window.findChildren(QTabBar):
        if not _shown(tabs):
            continue
        for i in range(tabs.count()):
            letter = mnemonic(tabs.tabText(i))
            if letter and tabs.isTabVisible(i) and tabs.isTabEnabled(i):
                owners[letter].append(f"tab {plain(tabs.tabText(i))}")
    for button in window.findChildren(QAbstractButton):
        letter = mnemonic(button.text())
        if letter and _shown(button) and not isinstance(button.parent(), QMenu):
            owners[letter].append(f"button {plain(button.text())}")
    for label in window.findChildren(QLabel):
        letter = mnemonic(label.text())
        if letter and label.buddy() is not None and _shown(label):
            owners[letter].append(f"label {plain(label.text())}")
    return owners


def menu_scopes(window: QWidget) -> dict[str, dict[str, list[str]]]:
    """Each menu of the menu bar (and their submenus) and its items' letters."""
    scopes: dict[str, dict[str, list[str]]] = {}

    def visit(menu: QMenu, path: str) -> None:
        owners: dict[str, list[str]] = defaultdict(list)
        for action in menu.actions():
            if not action.isVisible() or action.isSeparator():
                continue
            letter = mnemonic(action.text())
            if letter:
                owners[letter].append(plain(action.text()))
            if action.menu() is not None:
                visit(action.menu(), f"{path} › {plain(action.text())}")
        scopes[path] = owners

    for bar in window.findChildren(QMenuBar):
        for action in bar.actions():
            if action.menu() is not None and action.isVisible():
                visit(action.menu(), f"menu {plain(action.text())}")
    return scopes


def clashes(window: QWidget) -> list[Clash]:
    """Every letter two controls share within one scope, in the window as it is now."""
    found = _clashes("the window", window_scope(window))
    for scope, owners in menu_scopes(window).items():
        found += _clashes(scope, owners)
    return found
