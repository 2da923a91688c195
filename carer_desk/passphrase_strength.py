"""How strong a new passphrase is, in words a tired person can act on.

The estimate is zxcvbn's (Dropbox's pattern-matching estimator, a well-kept library), not
a home-made score: it knows common passwords, names, keyboard walks and dates. A vault's
real defence against a stolen laptop is this passphrase under Argon2id, so a weak one is
refused, not merely warned about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MIN_LENGTH = 8  # the vault refuses anything shorter
MIN_SCORE = 3  # zxcvbn's "safely unguessable: moderate protection from offline attack"
# Only the first characters are scored: zxcvbn's cost grows with length, and a person
# typing a very long passphrase is past any threshold long before.
_SCORED_CHARACTERS = 100

_LABELS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


@dataclass(frozen=True)
class Strength:
    score: int  # 0..4
    label: str
    acceptable: bool
    advice: str  # what to do, or "" when it is good

    @property
    def fraction(self) -> float:
        return self.score / 4


def assess(passphrase: str, *, personal: Iterable[str] = ()) -> Strength:
    """``personal``: words the passphrase should not lean on (user name, office name)."""
    if not passphrase:  # every passphrase screen opens empty: no word lists needed yet
        return Strength(0, "Empty", False, "Type a passphrase: a short sentence works well.")
    from zxcvbn import zxcvbn  # loaded on first use: its word lists take a moment

    result = zxcvbn(passphrase[:_SCORED_CHARACTERS], user_inputs=[p for p in personal if p])
    score = int(result["score"])
    feedback = result.get("feedback") or {}
    tips = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
    advice = " ".join(t for t in tips if t)
    if len(passphrase) < MIN_LENGTH:
        return Strength(
            min(score, 1), _LABELS[min(score, 1)], False, f"Use at least {MIN_LENGTH} characters."
        )
    acceptable = score >= MIN_SCORE
    if not acceptable and not advice:
        advice = "Add another word or two; uncommon words are better."
    return Strength(score, _LABELS[score], acceptable, "" if acceptable else advice)
