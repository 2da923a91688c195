"""The dependency direction of ARCHITECTURE.md, enforced by import-linter contracts
declared in pyproject.toml (``[tool.importlinter]``)."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    # import-linter reconfigures logging and disables every logger that already exists;
    # put them back so later tests (the canary scan of log files) still see log output.
    loggers = [
        lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    disabled = {lg: lg.disabled for lg in loggers}
    try:
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
    finally:
        for lg, was in disabled.items():
            lg.disabled = was


def test_core_contract_forbids_qt_databases_and_http():
    # Guards against someone quietly weakening the contract: the core must stay pure.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    core = next(c for c in contracts if c["source_modules"] == ["carer_desk"])
    assert {"PySide6", "sqlite_utils", "sqlite3", "httpx", "storage", "sync", "ui"} <= set(
        core["forbidden_modules"]
    )
    # Only the composition root may reach outward.
    for rule in core.get("ignore_imports", []):
        assert rule.startswith(("carer_desk.__main__ ", "carer_desk.cli.", "carer_desk.wiring."))


def test_the_core_is_layered_from_the_cli_down_to_its_building_blocks():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layered = next(
        c for c in contracts if c["type"] == "layers" and c["containers"] == ["carer_desk"]
    )
    layers = [set(part.strip() for part in layer.split("|")) for layer in layered["layers"]]

    def depth(module: str) -> int:
        return next(i for i, layer in enumerate(layers) if module in layer)

    # Higher layers come first; these orderings are what the issue asks to hold.
    assert depth("cli") < depth("session") < depth("services") < depth("rules")
    assert depth("rules") < depth("records") < depth("config") < depth("validation")
    assert layered.get("exhaustive") is True
    assert not layered.get("ignore_imports")
