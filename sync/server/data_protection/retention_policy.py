"""How long the server keeps each kind of record after a carer's record is closed.

The policy is a setting of the server (``[retention]`` in ``settings.toml``, editable
over the admin API and ``carer-desk-server settings retention``); the retention job
(:mod:`.retention`) reads the policy in force. Kept apart from the job so the settings
loader can build and check it without importing the store.

Defaults (docs/data-protection.md): the carer's record and everything linked to it —
conversations and assessments, plans, cards, group attendance and membership — **6
years** after closure; wellbeing payment requests **7 years** (financial records: six
years after the end of the financial year they were paid in, rounded up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from carer_desk.records.kinds import KIND_TABLE, RecordKind
from sync.server.errors import BadRequest

DEFAULT_YEARS: Mapping[str, int] = MappingProxyType(
    {
        **{kind: 6 for kind in KIND_TABLE},
        RecordKind.PAYMENT_REQUEST.value: 7,
    }
)
MAX_YEARS = 100


def retention_problems(years: Mapping[str, object]) -> list[tuple[str, str]]:
    """Each bad entry of a ``{kind: years}`` table, as (kind, what is wrong)."""
    problems: list[tuple[str, str]] = []
    for kind, value in years.items():
        if kind not in KIND_TABLE:
            known = ", ".join(sorted(KIND_TABLE))
            problems.append((kind, f"is not a record kind the server keeps (one of {known})"))
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_YEARS:
            problems.append((kind, f"must be a whole number of years, 1 to {MAX_YEARS}"))
    return problems


@dataclass(frozen=True)
class RetentionPolicy:
    years: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_YEARS))

    def __post_init__(self) -> None:
        problems = retention_problems(self.years)
        if problems:
            kind, message = problems[0]
            raise BadRequest(f"Retention for {kind} {message}.")

    def years_for(self, kind: str) -> int:
        return self.years.get(kind, DEFAULT_YEARS.get(kind, 6))

    def in_force(self) -> dict[str, int]:
        """Every kind with its years (the defaults filled in), sorted by kind."""
        return {kind: self.years_for(kind) for kind in sorted(KIND_TABLE)}
