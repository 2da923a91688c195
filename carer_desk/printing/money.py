"""Money as people read it on paper."""

from __future__ import annotations


def format_pence(pence: int) -> str:
    """Integer pence as pounds: 30000 -> "£300.00", 123456 -> "£1,234.56"."""
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise TypeError("amounts are integer pence")
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{rest:02d}"
