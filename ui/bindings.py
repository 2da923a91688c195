"""Loading the Qt bindings without keeping every module's source in memory.

PySide6 asks, for every module imported after it, whether that module uses PySide6 (for
its optional ``__feature__`` switches): it reads the module's whole source with
``inspect.getsource``, which keeps every line in ``linecache`` for the life of the
process. With the window's thousand modules that is some 300,000 lines, about 30 MB of a
laptop's memory holding source code nobody reads. The same question is answered here
from the module's loader, which reads the file without keeping it.

Should a later PySide6 no longer have the check by that name, nothing is changed (and
``tests/ui/test_bindings.py`` says so).
"""

from __future__ import annotations

import sys
import tokenize
from types import ModuleType

import PySide6.QtCore  # noqa: F401 - loads the bindings' support modules


def _source(module: ModuleType) -> str | None:
    get_source = getattr(getattr(module, "__loader__", None), "get_source", None)
    if get_source is not None:
        return get_source(module.__name__)
    path = getattr(module, "__file__", None)
    if isinstance(path, str) and path.endswith(".py"):
        with tokenize.open(path) as file:
            return file.read()
    return None


def _uses_pyside(module: ModuleType) -> bool:
    """PySide6's own test ("PySide6" in the source), without keeping the source."""
    try:
        source = _source(module)
    except Exception:  # runs inside every import: a module without source is not PySide's
        return False
    return bool(source) and "PySide6" in source


def keep_sources_out_of_memory() -> bool:
    """Replace the bindings' source check; True if it was there to replace."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = _uses_pyside
    return True
