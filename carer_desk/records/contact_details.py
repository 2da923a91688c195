"""How to reach someone: phone numbers, email, and the way they prefer to be contacted."""

from __future__ import annotations

import re
from dataclasses import dataclass

from carer_desk.records.vocabulary import LabelledEnum
from carer_desk.validation import Problems, clean_optional_text


class PreferredChannel(LabelledEnum):
    PHONE = ("phone", "Phone (landline)")
    MOBILE = ("mobile", "Mobile phone call")
    TEXT = ("text", "Text message")
    EMAIL = ("email", "Email")
    POST = ("post", "Letter by post")
    IN_PERSON = ("in_person", "In person")


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS_RE = re.compile(r"^[0-9+() \-]+$")


def check_phone(problems: Problems, path: str, value: str | None) -> None:
    """UK-style phone numbers: digits with optional spaces, +, brackets and dashes."""
    if value is None:
        return
    if not isinstance(value, str):
        problems.add(path, "must be text")
        return
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARS_RE.match(value) or not 10 <= len(digits) <= 15:
        problems.add(path, f"{value!r} is not a phone number; use digits, e.g. 01865 123456")


def check_email(problems: Problems, path: str, value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not _EMAIL_RE.match(value):
        problems.add(path, f"{value!r} is not an email address; use the form name@example.org")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactDetails:
    phone: str | None = None
    mobile: str | None = None
    email: str | None = None
    preferred_channel: PreferredChannel | None = None

    def __post_init__(self) -> None:
        clean_optional_text(self, "phone", "mobile", "email")
        problems = Problems()
        check_phone(problems, "phone", self.phone)
        check_phone(problems, "mobile", self.mobile)
        check_email(problems, "email", self.email)
        problems.require_enum(
            "preferred_channel", self.preferred_channel, PreferredChannel, optional=True
        )
        needed = {
            PreferredChannel.PHONE: ("phone", self.phone),
            PreferredChannel.MOBILE: ("mobile", self.mobile),
            PreferredChannel.TEXT: ("mobile", self.mobile),
            PreferredChannel.EMAIL: ("email", self.email),
        }.get(self.preferred_channel)  # type: ignore[arg-type]
        if needed is not None and needed[1] is None:
            label = PreferredChannel(self.preferred_channel).label
            problems.add(
                "preferred_channel",
                f"{label} is preferred but no {needed[0]} is recorded;"
                f" add the {needed[0]} or choose another way to get in touch",
            )
        problems.raise_if_any()

    @property
    def best_phone(self) -> str | None:
        """The number to ring first: mobile when the carer prefers it, else any number."""
        if self.preferred_channel in (PreferredChannel.MOBILE, PreferredChannel.TEXT):
            return self.mobile or self.phone
        return self.phone or self.mobile
