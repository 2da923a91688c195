"""A person's decision about two carer records that may be the same person.

Possible duplicates are only ever flagged by the machine (two different people can share
a name, a birthday and a street); a person decides. The decision is a record of its own,
synced like any other, so a pair kept apart on one laptop is not flagged again on the
others, and a merge says which record survived and what the other held that differed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from carer_desk.ids import is_record_id, new_id
from carer_desk.records.plausible_dates import NOT_IN_FUTURE
from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import Problems, clean_optional_text, clean_text, set_field

logger = logging.getLogger(__name__)


class DuplicateOutcome(LabelledEnum):
    KEEP_APART = ("keep_apart", "Different people: kept apart")
    MERGED = ("merged", "The same person: merged")


def carer_pair(a: str, b: str) -> tuple[str, str]:
    """The two ids in the order a decision stores them (sorted), so either order finds it."""
    first, second = sorted((a, b))
    return first, second


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateDecision:
    id: str = field(default_factory=new_id)
    carer_ids: tuple[str, str]  # always sorted: one pair, one spelling
    decision: DuplicateOutcome
    # For a merge, the record that survived (the other one is deleted after the merge).
    kept_id: str | None = None
    decided_by: str
    decided_on: date = field(metadata=NOT_IN_FUTURE)
    note: str | None = None  # the person's reason, and any values a merge could not keep

    def __post_init__(self) -> None:
        clean_text(self, "decided_by")
        clean_optional_text(self, "note")
        p = Problems()
        p.require_id("id", self.id)
        ids = self.carer_ids
        if not isinstance(ids, tuple) or len(ids) != 2 or not all(map(is_record_id, ids)):
            p.add("carer_ids", "must be the ids of two carer records")
        elif ids[0] == ids[1]:
            p.add("carer_ids", "a carer cannot be a duplicate of themselves; give two records")
        else:
            set_field(self, "carer_ids", carer_pair(*ids))
        p.require_enum("decision", self.decision, DuplicateOutcome)
        p.require_id("kept_id", self.kept_id, optional=True)
        if self.decision == DuplicateOutcome.MERGED:
            if self.kept_id is None:
                p.add("kept_id", "a merge must say which carer record was kept")
            elif isinstance(ids, tuple) and self.kept_id not in ids:
                p.add("kept_id", "the kept record must be one of the two carers")
        elif self.decision == DuplicateOutcome.KEEP_APART and self.kept_id is not None:
            p.add("kept_id", "only a merge keeps one record; two people kept apart keep both")
        p.require_text("decided_by", self.decided_by, "who decided")
        p.require_date("decided_on", self.decided_on)
        p.optional_text("note", self.note)
        p.raise_if_any()

    @property
    def absorbed_id(self) -> str | None:
        """The record merged into the kept one (None when kept apart)."""
        if self.kept_id is None:
            return None
        return self.carer_ids[1] if self.carer_ids[0] == self.kept_id else self.carer_ids[0]
