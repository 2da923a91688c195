"""Records to JSON-compatible payloads and back: what the vault seals and sync sends.

``to_payload`` gives plain dicts (dates as ISO strings, enums as their values, tuples as
lists, timestamps as UTC ISO strings). ``from_payload`` is strict about what it reads and
lenient about what it does not know: keys it does not recognise are ignored, so a record
written by a newer version still loads here, and a missing optional key takes its default.
Anything malformed raises :class:`ValidationError` with the path of every bad field
("cared_for[1].date_of_birth: ..."), never a bare TypeError.
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from enum import Enum
from functools import cache
from typing import Any

import cattrs

from carer_desk.errors import ValidationError
from carer_desk.records.kinds import KIND_TABLE, LAPTOP_ONLY_KINDS
from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import join_path

logger = logging.getLogger(__name__)

# Each kind's record class, from the one table of record kinds, and the kinds this laptop
# keeps that the server does not take yet (carer_desk.records.kinds.LAPTOP_ONLY_KINDS).
# The kind strings are part of the stored and wire format: never rename one.
KINDS: dict[str, type] = {
    **{kind: spec.record_class for kind, spec in KIND_TABLE.items()},
    **LAPTOP_ONLY_KINDS,
}
_KIND_OF_CLASS: dict[type, str] = {cls: kind for kind, cls in KINDS.items()}

# Fields that have a default in code (a fresh id, "now") but must be present in a stored
# payload: defaulting them while decoding would silently give a record a new identity.
_REQUIRED_IN_PAYLOAD = frozenset({"id", "created_at"})


def payload_date(value: Any) -> date | None:
    """A date as a stored payload holds it ("2026-03-03", or a datetime's first ten
    characters), for code that reads payloads without building records; None when it is
    missing or malformed (the record's own checks name a malformed one)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _problem(message: str) -> ValidationError:
    return ValidationError([("", message)])


# --- leaf hooks -----------------------------------------------------------------------------


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _problem(f"must be text, not {type(value).__name__}")
    return value


def _structure_int(value: object, _: type) -> int:
    # JSON has one number type; refuse 2.5 and true rather than truncating them.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _problem(f"must be a whole number, not {value!r}")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _problem(f"must be true or false, not {value!r}")
    return value


def _structure_date(value: object, _: type) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _problem(f"{value!r} is not a date; use YYYY-MM-DD")


def _structure_datetime(value: object, _: type) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                raise _problem(f"{value!r} has no time zone; timestamps are stored in UTC")
            return parsed.astimezone(UTC)
    raise _problem(f"{value!r} is not a timestamp; use ISO 8601 with a time zone")


def _structure_time(value: object, _: type) -> time:
    if isinstance(value, str):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise _problem(f"{value!r} is not a time of day; use HH:MM")


def _structure_enum(value: object, cls: type[Enum]) -> Enum:
    try:
        # The members by value, as ``cls(value)`` looks them up first, without the call
        # through the enum machinery (a payload holds dozens of these).
        found = cls._value2member_map_.get(value)
    except TypeError:  # unhashable: a list or an object where a choice belongs
        found = None
    if found is not None:
        return found  # type: ignore[return-value]
    try:
        return cls(value)
    except ValueError:
        choices = ", ".join(str(m.value) for m in cls)
        raise _problem(f"{value!r} is not one of: {choices}") from None


# --- container hooks ------------------------------------------------------------------------


def _is_optional(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    return origin in (types.UnionType, typing.Union) and type(None) in typing.get_args(hint)


def _is_tuple(hint: Any) -> bool:
    return typing.get_origin(hint) is tuple


def _is_record(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


_PLAIN = (str, int, bool)


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    """How one field of a record is read. The hook is looked up once, not per value:
    asking the converter to dispatch on every value cost more than the values' checks.
    For plain text, whole-number and true/false fields a value of exactly that type needs
    no hook at all (``plain``)."""

    name: str
    hint: Any
    required: bool
    hook: Callable[[object, Any], Any]
    plain: type | None
    optional: bool

    @classmethod
    def of(cls, converter: cattrs.Converter, name: str, hint: Any, required: bool) -> _Field:
        inner, optional = hint, False
        if _is_optional(hint):
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            if len(args) == 1:
                inner, optional = args[0], True
        plain = inner if inner in _PLAIN else None
        # An optional field's None is taken as it is (see _compile_record), so any other
        # value goes straight to the inner type's hook.
        return cls(name, inner, required, converter.get_structure_hook(inner), plain, optional)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(unstruct_collection_overrides={tuple: list})

    converter.register_unstructure_hook(datetime, lambda v: v.astimezone(UTC).isoformat())
    converter.register_unstructure_hook(date, lambda v: v.isoformat())
    converter.register_unstructure_hook(time, lambda v: v.isoformat())

    # cattrs dispatches on the class (most specific in the MRO wins): bool before int,
    # datetime before date, and our vocabularies (str subclasses) before str.
    for cls, hook in (
        (str, _structure_str),
        (int, _structure_int),
        (bool, _structure_bool),
        (datetime, _structure_datetime),
        (date, _structure_date),
        (time, _structure_time),
    ):
        converter.register_structure_hook(cls, hook)
    # cattrs dispatches on the class first, and our vocabularies are str subclasses, so the
    # enum hook is registered on the classes themselves, which sit before str in the MRO.
    converter.register_structure_hook(LabelledEnum, _structure_enum)
    converter.register_structure_hook(Enum, _structure_enum)

    def optional_hook(hint: Any) -> Callable[[object, type], Any]:
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        hook: Callable[[object, Any], Any] | None = None

        def structure(value: object, _: type) -> Any:
            nonlocal hook
            if value is None:
                return None
            if hook is None:
                hook = converter.get_structure_hook(inner)
            return hook(value, inner)

        return structure

    def tuple_hook(hint: Any) -> Callable[[object, type], tuple[Any, ...]]:
        args = typing.get_args(hint)
        homogeneous = len(args) == 2 and args[1] is Ellipsis
        item_types = args[:1] if homogeneous else args
        resolved: tuple[Callable[[object, Any], Any], ...] = ()

        def structure(value: object, _: type) -> tuple[Any, ...]:
            nonlocal resolved
            if not isinstance(value, list | tuple):
                raise _problem(f"must be a list, not {type(value).__name__}")
            if not homogeneous and len(value) != len(args):
                raise _problem(f"must have {len(args)} items, not {len(value)}")
            if not resolved:
                # Assigned whole, so two threads decoding at once never see half a list.
                resolved = tuple(converter.get_structure_hook(t) for t in item_types)
            items: list[Any] = []
            problems: list[tuple[str, str]] = []
            for index, item in enumerate(value):
                position = 0 if homogeneous else index
                try:
                    items.append(resolved[position](item, item_types[position]))
                except ValidationError as exc:
                    problems.extend((join_path(f"[{index}]", p), m) for p, m in exc.problems)
            if problems:
                raise ValidationError(problems)
            return tuple(items)

        return structure

    def record_hook(cls: type) -> Callable[[object, type], Any]:
        hints = typing.get_type_hints(cls)
        specs = [
            (
                f.name,
                hints[f.name],
                f.name in _REQUIRED_IN_PAYLOAD
                or (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING),
            )
            for f in dataclasses.fields(cls)
            if f.init
        ]
        compiled: Callable[[object], Any] | None = None

        def structure(value: object, _: type) -> Any:
            nonlocal compiled
            if compiled is None:
                # Looked up on first use (record classes refer to each other), and assigned
                # whole, so two threads decoding at once never see half a function.
                compiled = _compile_record(
                    cls, tuple(_Field.of(converter, *spec) for spec in specs)
                )
            return compiled(value)

        return structure

    # Registered last so they take precedence over cattrs' own handling of these shapes.
    converter.register_structure_hook_factory(_is_optional, optional_hook)
    converter.register_structure_hook_factory(_is_tuple, tuple_hook)
    converter.register_structure_hook_factory(_is_record, record_hook)
    return converter


def _compile_record(cls: type, fields: tuple[_Field, ...]) -> Callable[[object], Any]:
    """The function that reads a payload into a ``cls``, written out field by field.

    What it does is the loop "for each field: missing (a problem if required), None for
    an optional field, a value of exactly the plain type (text, whole number, true/false)
    as it is, anything else through the field's hook, every problem collected with its
    path" — spelled as straight-line code, because a generic loop reading each field's
    description cost as much as the values' own checks (the server decodes every pushed
    record). Field names are the dataclass's, so they are identifiers."""
    env: dict[str, Any] = {
        "Mapping": Mapping,
        "ValidationError": ValidationError,
        "_problem": _problem,
        "join_path": join_path,
        "cls": cls,
    }
    lines = [
        "def structure(value):",
        "    if type(value) is not dict and not isinstance(value, Mapping):",
        "        raise _problem(f'must be an object, not {type(value).__name__}')",
        "    kwargs = {}",
        "    problems = []",
    ]
    for i, f in enumerate(fields):
        env[f"hook{i}"], env[f"hint{i}"], env[f"plain{i}"] = f.hook, f.hint, f.plain
        name = repr(f.name)
        taken_as_is = [f"type(item) is plain{i}"] if f.plain is not None else []
        if f.optional:
            taken_as_is.append("item is None")
        lines += [f"    if {name} in value:", f"        item = value[{name}]"]
        indent = "        "
        if taken_as_is:
            lines += [
                f"        if {' or '.join(taken_as_is)}:",
                f"            kwargs[{name}] = item",
                "        else:",
            ]
            indent += "    "
        lines += [
            f"{indent}try:",
            f"{indent}    kwargs[{name}] = hook{i}(item, hint{i})",
            f"{indent}except ValidationError as exc:",
            f"{indent}    problems.extend((join_path({name}, p), m) for p, m in exc.problems)",
        ]
        if f.required:
            lines += ["    else:", f"        problems.append(({name}, 'is missing'))"]
    lines += [
        "    if problems:",
        "        raise ValidationError(problems)",
        "    return cls(**kwargs)  # the record's own checks raise ValidationError",
    ]
    exec("\n".join(lines), env)  # our own field names (see above), never a payload
    return env["structure"]  # type: ignore[no-any-return]


@cache
def _converter() -> cattrs.Converter:
    return _make_converter()


# --- public API -----------------------------------------------------------------------------


def kind_of(record: object) -> str:
    """The kind string a record is stored under ("carer", "plan", ...)."""
    try:
        return _KIND_OF_CLASS[type(record)]
    except KeyError:
        raise TypeError(f"{type(record).__name__} is not a stored record kind") from None


def to_payload(
    record: object, *, keep_unknown_from: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The record as a JSON-compatible dict (see the module docstring for the format).

    ``keep_unknown_from`` is the payload the record was read from. Keys in it that this
    version does not know (written by a newer version of Carer Desk) are carried over, so
    an older laptop editing a record does not silently strip fields a newer one added.
    """
    kind_of(record)  # only whole records are stored; catches a part passed by mistake
    payload = _converter().unstructure(record, unstructure_as=type(record))
    if keep_unknown_from is not None:
        _carry_unknown(keep_unknown_from, payload)
    return payload


def _carry_unknown(old: Mapping[str, Any], new: dict[str, Any]) -> None:
    """Copy keys of ``old`` that ``new`` lacks; recurse into objects, and into lists of
    objects: matched by their ``id`` (positions change when items are removed), or, for
    items without one (a medicine, a wellbeing answer), by holding the same values in
    every field this version knows — an item left as it was keeps what it had."""
    for key, old_value in old.items():
        if key not in new:
            new[key] = old_value
            continue
        new_value = new[key]
        if isinstance(old_value, Mapping) and isinstance(new_value, dict):
            _carry_unknown(old_value, new_value)
        elif isinstance(old_value, list) and isinstance(new_value, list):
            _carry_into_items(old_value, new_value)


def _carry_into_items(old: list[Any], new: list[Any]) -> None:
    old_by_id = {
        item["id"]: item
        for item in old
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    }
    unmatched = [item for item in old if isinstance(item, Mapping) and "id" not in item]
    for item in new:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("id"), str):
            if item["id"] in old_by_id:
                _carry_unknown(old_by_id[item["id"]], item)
            continue
        twin = next((o for o in unmatched if _same_known_values(o, item)), None)
        if twin is not None:
            unmatched.remove(twin)
            _carry_unknown(twin, item)


def _same_known_values(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether ``old`` holds ``new``'s values in every key ``new`` has (what ``old`` has
    beyond them was written by a newer version)."""
    for key, value in new.items():
        if key not in old:
            return False
        was = old[key]
        if isinstance(value, Mapping) and isinstance(was, Mapping):
            if not _same_known_values(was, value):
                return False
        elif was != value:
            return False
    return True


def from_payload(kind: str, payload: Mapping[str, Any]) -> Any:
    """The record of ``kind`` a payload holds; ValidationError naming every bad field."""
    cls = KINDS.get(kind)
    if cls is None:
        known = ", ".join(KINDS)
        raise ValidationError([("kind", f"{kind!r} is not a record kind; known kinds: {known}")])
    return _converter().structure(payload, cls)
