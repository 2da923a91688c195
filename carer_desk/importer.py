"""Onboarding existing caseloads: carers from CSV (with a header row) or JSON Lines.

The import is **all or nothing**: every row is validated first, and if any row is bad the
whole file is refused with a report naming each bad row's line number and reason, and
nothing is written. A caseload half-imported would leave staff unsure who is in the vault
and make a second attempt create duplicates. The columns are documented in docs/import.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from carer_desk.clock import SYSTEM_CLOCK, Clock
from carer_desk.config import AgeBandSettings
from carer_desk.errors import CarerDeskError, ValidationError
from carer_desk.ids import new_id
from carer_desk.records.bounds import input_problems
from carer_desk.records.carer import (
    AccessibleFormat,
    CaredForPerson,
    Carer,
    CarerType,
    Condition,
    Consent,
    EmploymentStatus,
    LawfulBasis,
    Referral,
    ReferralSource,
)
from carer_desk.records.codec import from_payload
from carer_desk.records.contact_details import ContactDetails, PreferredChannel
from carer_desk.records.places import Address, District
from carer_desk.records.plausible_dates import dates_after_today_in
from carer_desk.records.teams import LocalityTeam

MAX_REPORTED_PROBLEMS = 200
REQUIRED_COLUMNS = ("given_name", "family_name", "referral_date", "referral_source")
CSV_COLUMNS = (
    "id", "given_name", "family_name", "preferred_name", "date_of_birth",
    "phone", "mobile", "email", "preferred_channel",
    "address_line1", "address_line2", "town", "postcode", "district",
    "language", "interpreter_needed", "accessible_formats", "gp_practice",
    "registered_with_gp_as_carer", "encouraged_to_register_with_gp_on",
    "employment_status", "carer_types",
    "hours_of_care_per_week", "lives_with_cared_for",
    "referral_date", "referral_source", "referral_detail", "referral_contacted_on",
    "consent_given", "consent_date", "lawful_basis",
    "team", "worker", "safeguarding_flag",
    "cared_for_name", "cared_for_relationship", "cared_for_conditions",
)  # fmt: skip


class ImportRefused(ValidationError):
    """The file was refused; ``problems`` are ("line N", reason) pairs. Nothing written."""

    def __str__(self) -> str:
        shown = self.problems[:MAX_REPORTED_PROBLEMS]
        lines = [f"{where}: {msg}" for where, msg in shown]
        more = len(self.problems) - len(shown)
        if more > 0:
            lines.append(f"... and {more} more problems")
        return (
            f"Import refused: {len(self.problems)} problem(s); nothing was imported. "
            "Correct these rows and import the whole file again:\n  " + "\n  ".join(lines)
        )


class UnknownFileFormat(CarerDeskError):
    """The file's name does not say whether it is CSV or JSON Lines."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"Cannot tell the format of {name}: name it .csv or .jsonl, or say which it is."
        )


def read_carers(
    path: Path,
    fmt: str | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
    bands: AgeBandSettings | None = None,
) -> list[Carer]:
    """Every carer in the file, validated; ImportRefused naming every bad row otherwise.

    ``clock`` says what "today" is for dates that cannot be in the future, and stamps
    ``created_at`` on carers the file gives none. ``bands`` gives the ages a carer's date
    of birth may give (:mod:`carer_desk.records.bounds`; the defaults when None).
    """
    bands = bands or AgeBandSettings()
    fmt = fmt or _format_from_name(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CarerDeskError(f"Cannot read {path}: {exc.strerror}.") from exc
    try:
        text = raw.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        raise CarerDeskError(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8' and retry."
        ) from exc
    rows = _jsonl_rows(text) if fmt == "jsonl" else _csv_rows(text)
    reader = _carer_from_json if fmt == "jsonl" else _carer_from_csv
    today, now = clock.today(), clock.now()
    carers: list[Carer] = []
    problems: list[tuple[str, str]] = []
    for line_no, row in rows:
        if isinstance(row, str):  # the row could not even be read
            problems.append((f"line {line_no}", row))
            continue
        try:
            carer = reader(row, today, now)
            bounds = input_problems(carer, bands, today)
            if bounds:
                raise ValidationError(bounds)
            carers.append(carer)
        except ValidationError as exc:
            for field_path, message in exc.problems:
                where = f"line {line_no}"
                problems.append((where, f"{field_path}: {message}" if field_path else message))
    if not problems and not carers:
        raise CarerDeskError(f"{path} holds no carers; nothing was imported.")
    problems.extend(_duplicate_ids(carers, rows))
    if problems:
        raise ImportRefused(problems)
    return carers


def _format_from_name(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise UnknownFileFormat(path.name)


def _duplicate_ids(carers: list[Carer], rows: list[tuple[int, Any]]) -> list[tuple[str, str]]:
    seen: dict[str, int] = {}
    problems = []
    good_lines = [n for n, r in rows if not isinstance(r, str)]
    for carer, line_no in zip(carers, good_lines, strict=False):
        if carer.id in seen:
            problems.append((f"line {line_no}", f"id {carer.id} repeats line {seen[carer.id]}"))
        seen.setdefault(carer.id, line_no)
    return problems


# --- reading rows -------------------------------------------------------------------------


def _csv_rows(text: str) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h and h not in CSV_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(("line 1", f"missing column(s): {', '.join(missing)}"))
        if unknown:
            problems.append(
                ("line 1", f"unknown column(s): {', '.join(unknown)} (see docs/import.md)")
            )
        raise ImportRefused(problems)
    reader.fieldnames = header
    rows: list[tuple[int, Any]] = []
    try:
        for row in reader:
            if None in row:  # more cells than headers
                rows.append((reader.line_num, "more cells than there are columns"))
            elif any((v or "").strip() for v in row.values()):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        rows.append((reader.line_num, f"cannot read this CSV row: {exc}"))
    return rows


def _jsonl_rows(text: str) -> list[tuple[int, Any]]:
    rows: list[tuple[int, Any]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((line_no, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        rows.append((line_no, obj if isinstance(obj, dict) else "each line must be an object"))
    return rows


def _carer_from_json(obj: Mapping[str, Any], today: date, now: datetime) -> Carer:
    payload = dict(obj)
    payload.setdefault("id", new_id())
    payload.setdefault("created_at", now.isoformat())
    late = dates_after_today_in(Carer, payload, today)
    try:
        carer = from_payload("carer", payload)
    except ValidationError as exc:
        raise ValidationError([*exc.problems, *late]) from None
    if late:
        raise ValidationError(late)
    return carer


# --- CSV cells to fields --------------------------------------------------------------------


class _Row:
    """Reads typed cells from one CSV row, collecting every problem rather than stopping at
    the first, so one pass reports everything wrong with the row."""

    def __init__(self, row: Mapping[str, str | None]) -> None:
        self.row = row
        self.problems: list[tuple[str, str]] = []

    def text(self, column: str) -> str | None:
        value = (self.row.get(column) or "").strip()
        return value or None

    def convert(self, column: str, fn: Callable[[str], Any], what: str) -> Any:
        value = self.text(column)
        if value is None:
            return None
        try:
            return fn(value)
        except (ValueError, KeyError):
            self.problems.append((column, f"{value!r} is not {what}"))
            return None

    def date(self, column: str) -> date | None:
        return self.convert(column, _parse_date, "a date (use 2024-05-31 or 31/05/2024)")

    def boolean(self, column: str) -> bool | None:
        return self.convert(column, _parse_bool, "yes or no")

    def integer(self, column: str) -> int | None:
        return self.convert(column, int, "a whole number")

    def enum(self, column: str, cls: type[Enum]) -> Any:
        return self.convert(column, lambda v: _parse_enum(cls, v), _choices(cls))

    def enums(self, column: str, cls: type[Enum]) -> tuple[Any, ...]:
        value = self.text(column)
        if value is None:
            return ()
        out = []
        for part in (p.strip() for p in value.split(";")):
            if not part:
                continue
            try:
                out.append(_parse_enum(cls, part))
            except (ValueError, KeyError):
                self.problems.append((column, f"{part!r} is not {_choices(cls)}"))
        return tuple(out)


def _parse_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _parse_bool(value: str) -> bool:
    folded = value.casefold()
    if folded in {"yes", "y", "true", "1"}:
        return True
    if folded in {"no", "n", "false", "0"}:
        return False
    raise ValueError(value)


def _parse_enum(cls: type[Enum], value: str) -> Any:
    folded = value.strip().casefold()
    for member in cls:
        label = getattr(member, "label", "")
        if folded in (str(member.value).casefold(), label.casefold()):
            return member
    raise ValueError(value)


def _choices(cls: type[Enum]) -> str:
    return "one of: " + ", ".join(str(m.value) for m in cls)


def _carer_from_csv(row_cells: Mapping[str, str | None], today: date, now: datetime) -> Carer:
    row = _Row(row_cells)
    fields: dict[str, Any] = {}
    sub_problems: list[tuple[str, str]] = []

    def build(prefix: str, make: Callable[[], Any]) -> Any:
        try:
            return make()
        except ValidationError as exc:
            sub_problems.extend((f"{prefix}.{p}" if p else prefix, m) for p, m in exc.problems)
            return None

    contact = build("contact", lambda: ContactDetails(
        phone=row.text("phone"), mobile=row.text("mobile"), email=row.text("email"),
        preferred_channel=row.enum("preferred_channel", PreferredChannel),
    ))  # fmt: skip
    address_cells = ("address_line1", "address_line2", "town", "postcode", "district")
    address = None
    if any(row.text(c) for c in address_cells):
        address = build("address", lambda: Address(
            line1=row.text("address_line1") or "", line2=row.text("address_line2"),
            town=row.text("town") or "", postcode=row.text("postcode") or "",
            district=row.enum("district", District),
        ))  # fmt: skip
    referral_date = row.date("referral_date")
    referral_source = row.enum("referral_source", ReferralSource)
    referral = None
    if referral_date is None and not row.text("referral_date"):
        sub_problems.append(("referral_date", "is required"))
    if referral_source is None and not row.text("referral_source"):
        sub_problems.append(("referral_source", f"is required ({_choices(ReferralSource)})"))
    if referral_date and referral_source:
        referral = build("referral", lambda: Referral(
            date=referral_date, source=referral_source,
            source_detail=row.text("referral_detail"),
            contacted_on=row.date("referral_contacted_on"),
        ))  # fmt: skip
    consent_given = row.boolean("consent_given")
    consent = build("consent", lambda: Consent(
        given=bool(consent_given), date=row.date("consent_date"),
        lawful_basis=row.enum("lawful_basis", LawfulBasis) or LawfulBasis.CONSENT,
    ))  # fmt: skip
    cared_for: tuple[CaredForPerson, ...] = ()
    if row.text("cared_for_name") or row.text("cared_for_relationship"):
        person = build("cared_for", lambda: CaredForPerson(
            name=row.text("cared_for_name") or "",
            relationship=row.text("cared_for_relationship") or "",
            conditions=row.enums("cared_for_conditions", Condition),
        ))  # fmt: skip
        cared_for = (person,) if person else ()
    fields.update(
        id=row.text("id") or new_id(),
        given_name=row.text("given_name") or "",
        family_name=row.text("family_name") or "",
        preferred_name=row.text("preferred_name"),
        date_of_birth=row.date("date_of_birth"),
        language=row.text("language"),
        interpreter_needed=bool(row.boolean("interpreter_needed")),
        accessible_formats=row.enums("accessible_formats", AccessibleFormat),
        gp_practice=row.text("gp_practice"),
        registered_with_gp_as_carer=row.boolean("registered_with_gp_as_carer"),
        encouraged_to_register_with_gp_on=row.date("encouraged_to_register_with_gp_on"),
        employment_status=row.enum("employment_status", EmploymentStatus),
        carer_types=row.enums("carer_types", CarerType),
        hours_of_care_per_week=row.integer("hours_of_care_per_week"),
        lives_with_cared_for=row.boolean("lives_with_cared_for"),
        team=row.enum("team", LocalityTeam),
        worker=row.text("worker"),
        safeguarding_flag=bool(row.boolean("safeguarding_flag")),
        cared_for=cared_for,
        created_at=now,
    )
    problems = row.problems + sub_problems
    # Dates after today, in the parts already built and in the carer's own fields.
    parts = {"address": address, "referral": referral, "consent": consent, **fields}
    problems.extend(dates_after_today_in(Carer, parts, today))
    if problems or contact is None or referral is None or consent is None:
        # Still build the carer to collect its own field problems in the same report.
        try:
            _make_carer(fields, contact or ContactDetails(), address, referral, consent)
        except ValidationError as exc:
            problems.extend(p for p in exc.problems if p[0] not in {"referral", "consent"})
        except TypeError:
            pass
        raise ValidationError(problems or [("", "this row could not be read")])
    return _make_carer(fields, contact, address, referral, consent)


def _make_carer(
    fields: dict[str, Any],
    contact: ContactDetails,
    address: Address | None,
    referral: Referral | None,
    consent: Consent | None,
) -> Carer:
    return Carer(contact=contact, address=address, referral=referral, consent=consent, **fields)  # type: ignore[arg-type]


def iter_csv_columns() -> Iterator[str]:
    """The accepted CSV columns, in documentation order."""
    yield from CSV_COLUMNS
