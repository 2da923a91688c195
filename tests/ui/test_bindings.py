"""The Qt bindings keep Python's reference counts: PySide6 6.12.0 on Python 3.11 dropped a
reference to None on every call returning nothing (and to True/False on every signal
emit), so a window died with "none_dealloc" after some thousands of calls."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel


class _Emitter(QObject):
    fired = Signal(object)


def test_calls_into_qt_leave_none_true_and_false_alone(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    emitter = _Emitter()
    app = QApplication.instance()
    none, true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(500):
        label.setText("x")
        app.processEvents()
        emitter.fired.emit(1)
    assert sys.getrefcount(None) - none > -100
    assert sys.getrefcount(True) - true > -100
