"""JSON as the server seals, stores and fingerprints it: compact, keys sorted, UTF-8.

orjson writes and reads it several times faster than the standard library, which matters
once per record on every push and pull. Where the two differ the standard library is
used, so nothing changes on the way through:

* orjson refuses to write an integer beyond 64 bits (or NaN): the standard library
  writes it;
* orjson *reads* such an integer as a float, silently losing digits: text with a run of
  19 or more digits where a number can begin (the only way to spell one) is read by the
  standard library. Such a run inside a string takes the same slower path, which reads it
  just the same;
* orjson refuses NaN and other non-JSON the standard library accepts: that is read by
  the standard library too.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return stdlib_dumps(value)


def stdlib_dumps(value: Any) -> bytes:
    """The form this server wrote before it used orjson (fingerprints stored then)."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.encode("utf-8")


# Whether a text may hold an integer orjson would read wrongly: a run of 19 digits where a
# number can begin (at the start, or after ":", "," or "[", with or without a minus sign).
# One C-speed translate maps every digit to "0", those three to "1" and "-" to "2", and
# drops JSON's whitespace; then it is a substring search. A regular expression took longer
# than parsing the text, and a bare run of 19 digits (inside a string) matched nearly
# every push batch, since a random hex id holds one about once in 500. Runs found inside
# strings (a note reading "ref:1234567890123456789") only send that text the slow way.
_DIGIT, _STARTS, _MINUS = b"0", b"1", b"2"
_NUMBER_BYTES = bytes.maketrans(b"0123456789:,[-", _DIGIT * 10 + _STARTS * 3 + _MINUS)
_WHITESPACE = b" \t\r\n"
_RUN = _DIGIT * 19
_AFTER, _AFTER_MINUS = _STARTS + _RUN, _STARTS + _MINUS + _RUN


def _may_hold_a_long_integer(raw: bytes) -> bool:
    if len(raw) < 19:
        return False
    shape = raw.translate(_NUMBER_BYTES, _WHITESPACE)
    return _AFTER in shape or _AFTER_MINUS in shape or shape.startswith((_RUN, _MINUS + _RUN))


def loads(data: bytes | str) -> Any:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not _may_hold_a_long_integer(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)
