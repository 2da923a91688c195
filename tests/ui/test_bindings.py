"""The Qt bindings keep Python's reference counts: PySide6 6.12.0 on Python 3.11 dropped a
reference to None on every call returning nothing (and to True/False on every signal
emit), so a window died with "none_dealloc" after some thousands of calls."""

from __future__ import annotations

import sys
from pathlib import Path

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


def test_modules_imported_after_the_bindings_leave_no_source_in_memory(tmp_path, monkeypatch):
    """PySide6 reads every imported module's source to see whether it uses PySide6; the
    window answers from the loader, so the lines are not kept (some 30 MB) — and the
    answer is still PySide6's."""
    import linecache

    from ui.bindings import keep_sources_out_of_memory

    assert keep_sources_out_of_memory(), "PySide6 no longer has the check ui/bindings.py replaces"
    (tmp_path / "uses_qt_probe.py").write_text("from PySide6.QtCore import QObject\n")
    (tmp_path / "plain_probe.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("uses_qt_probe")  # as an import statement does: the bindings watch those
    __import__("plain_probe")

    cached = {Path(name).name for name in linecache.cache}
    assert "uses_qt_probe.py" not in cached
    assert "plain_probe.py" not in cached
    features = sys.modules["shibokensupport.feature"].pyside_feature_dict
    assert features["uses_qt_probe"] == 0  # uses PySide6: its feature switches apply
    assert features["plain_probe"] == -1  # ignored, as PySide6 itself decides
    for name in ("uses_qt_probe", "plain_probe"):
        sys.modules.pop(name, None)
