"""Test configuration shared by the whole suite.

Qt runs offscreen so the suite passes with no display and no GPU; this is set here, by the
test configuration, before pytest-qt creates the QApplication.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep Qt from probing accessibility buses or GPU drivers on headless CI machines.
os.environ.setdefault("QT_ACCESSIBILITY", "0")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
