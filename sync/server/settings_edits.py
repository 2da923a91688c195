"""Editing the server's settings file from the admin API and the command line.

The settings stay where an operator keeps them, ``settings.toml`` in the data directory
(:mod:`sync.server.settings_file`): an edit changes the one table it is about, keeping the
file's comments and other tables (tomlkit), and is checked by the same loader that reads
the file at start-up, so the API can never write a file the server would refuse to start
with. The new file is written beside the old, fsynced and renamed over it (atomic on
POSIX): a crash leaves the old file or the new one, never half of one. A lock file
serialises editors across the server's worker processes and the command line.

Three edits, each returning what changed as ``{key: {"old": ..., "new": ...}}`` for the
audit entry:

* the payment rules (``[payments]`` keys and ``[cards] number_length``), not the budgets;
* one financial year's budget (an entry of ``budget_by_year``): a new year's figure never
  touches another year's, and a year that has ended keeps its budget;
* the retention years of some record kinds (``[retention]``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from carer_desk.config import ConfigError, PaymentSettings
from carer_desk.rules.financial_year import financial_year_of, financial_year_starting
from carer_desk.rules.payment_rules import PaymentRules
from sync.server.data_protection.retention_policy import RetentionPolicy, retention_problems
from sync.server.errors import BadRequest
from sync.server.settings_file import load_settings_file

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; the server runs on Linux
    fcntl = None  # type: ignore[assignment]

Changes = dict[str, dict[str, Any]]
BUDGET_KEYS = frozenset({"annual_budget_pence", "budget_by_year"})
#: The payment keys the API may change: every [payments] key but the budgets.
PAYMENT_KEYS = frozenset(f.name for f in dataclasses.fields(PaymentSettings)) - BUDGET_KEYS
CARD_LENGTH = "card_number_length"


def _plain(value: Any) -> Any:
    """A settings value as JSON and TOML both take it (tuples of pairs become lists)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _replace_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
        _check(Path(temp))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _check(candidate: Path) -> None:
    """The edited file as the server would load it at start-up; a refusal names each key."""
    try:
        load_settings_file(candidate)
    except ConfigError as exc:
        listed = "; ".join(f"{key} {message}" for key, message in exc.problems)
        raise BadRequest(f"Not saved: {listed}. Nothing was changed.") from None


class SettingsEditor:
    """Changes ``settings.toml`` one table at a time (see the module docstring)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def _edit(self, change: Callable[[tomlkit.TOMLDocument, dict[str, Any]], Changes]) -> Changes:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.path):
            text = self.path.read_text(encoding="utf-8") if self.path.exists() else ""
            try:
                doc = tomlkit.parse(text)
            except TOMLKitError as exc:
                raise BadRequest(
                    f"Settings file {self.path} cannot be read ({exc}); correct it by hand first."
                ) from None
            in_force = load_settings_file(self.path) if text else {}
            changed = change(doc, in_force)
            if changed:
                _replace_atomically(self.path, tomlkit.dumps(doc))
            return changed

    @staticmethod
    def _table(doc: tomlkit.TOMLDocument, name: str) -> Any:
        if name not in doc:
            doc.add(name, tomlkit.table())
        return doc[name]

    def change_payments(self, values: Mapping[str, Any]) -> Changes:
        """Set some payment rules; the budgets have their own call."""
        budgets = sorted(BUDGET_KEYS & set(values))
        if budgets:
            raise BadRequest(
                f"{', '.join(budgets)}: set a financial year's budget with "
                "PUT /v1/admin/settings/budgets/{year} (or `settings budget YEAR PENCE`); "
                "the figure for years never set is changed only in settings.toml."
            )
        unknown = sorted(set(values) - PAYMENT_KEYS - {CARD_LENGTH})
        if unknown:
            allowed = ", ".join(sorted(PAYMENT_KEYS | {CARD_LENGTH}))
            raise BadRequest(f"Not payment settings: {', '.join(unknown)}. Use any of {allowed}.")

        def change(doc: tomlkit.TOMLDocument, in_force: dict[str, Any]) -> Changes:
            rules = in_force.get("payments") or PaymentRules()
            current = dataclasses.asdict(rules.payments)
            current_length = rules.card_number_length
            changed: Changes = {}
            for key, new in values.items():
                old = current_length if key == CARD_LENGTH else _plain(current.get(key))
                if _plain(new) == old:
                    continue
                try:
                    if key == CARD_LENGTH:
                        self._table(doc, "cards")["number_length"] = new
                    else:
                        self._table(doc, "payments")[key] = _plain(new)
                except (TypeError, ValueError, TOMLKitError):
                    # A value no settings file could hold (null, an object in a list).
                    raise BadRequest(
                        f"{key}: {new!r} is not a value a setting can take; see "
                        "docs/operations.md for each setting's form."
                    ) from None
                changed[key] = {"old": old, "new": _plain(new)}
            return changed

        return self._edit(change)

    def set_budget(self, first_year: int, pence: int, today: date) -> Changes:
        """Set the budget of the financial year starting in ``first_year``."""
        if isinstance(pence, bool) or not isinstance(pence, int) or pence < 0:
            raise BadRequest("budget_pence must be whole pence, 0 or more (£1,000 is 100000).")
        if not 2000 <= first_year <= 2200:
            raise BadRequest("The financial year is the calendar year it starts in, e.g. 2026.")

        def change(doc: tomlkit.TOMLDocument, in_force: dict[str, Any]) -> Changes:
            payments = (in_force.get("payments") or PaymentRules()).payments
            start = (payments.financial_year_start_month, payments.financial_year_start_day)
            year = financial_year_starting(first_year, *start)
            if year.end < financial_year_of(today, *start).start:
                raise BadRequest(
                    f"{year.label} has ended; its budget stays as it was "
                    f"(£{payments.budget_for(first_year) / 100:,.2f})."
                )
            listed = dict(payments.budget_by_year)
            old = listed.get(first_year)
            if old == pence:
                return {}
            listed[first_year] = pence
            table = self._table(doc, "payments")
            table["budget_by_year"] = [[y, p] for y, p in sorted(listed.items())]
            return {
                f"budget {year.label}": {
                    "old": old if old is not None else payments.annual_budget_pence,
                    "new": pence,
                }
            }

        return self._edit(change)

    def change_retention(self, years: Mapping[str, Any]) -> Changes:
        """Set the years kept after closure for some record kinds."""
        problems = retention_problems(years)
        if problems:
            listed = "; ".join(f"{kind} {message}" for kind, message in problems)
            raise BadRequest(f"Not saved: {listed}.")

        def change(doc: tomlkit.TOMLDocument, in_force: dict[str, Any]) -> Changes:
            policy = in_force.get("retention") or RetentionPolicy()
            changed: Changes = {}
            for kind, new in sorted(years.items()):
                old = policy.years_for(kind)
                if old != new:
                    self._table(doc, "retention")[kind] = new
                    changed[kind] = {"old": old, "new": new}
            return changed

        return self._edit(change)


def apply_audited(
    store: Any,
    editor: SettingsEditor,
    table: str,
    edit: Callable[[SettingsEditor], Changes],
    *,
    actor: str,
    device_id: str | None = None,
) -> Changes:
    """Make one edit and audit it (who, the table, each key's old and new value) in one
    database transaction: a refused edit writes nothing and audits nothing."""
    with store.transaction(write=True) as tx:
        changed = edit(editor)
        if changed:
            tx.audit(
                actor=actor,
                action="admin-change-settings",
                device_id=device_id,
                details={"table": table, "changed": changed},
            )
    return changed
