"""Guided-conversation templates: versioned JSON data in ``resources/templates``.

Layout: ``<root>/<template_id>/v<version>.json``. A template version is never edited once
conversations have used it; a change of wording ships as a new version, and a saved
conversation keeps loading the version it was held with (``template_id`` and
``template_version`` on :class:`GuidedConversation`).

The wording is carer-facing (it is read aloud and printed), so it avoids service jargon;
the ``purpose``, ``when`` and ``hint`` texts are for staff.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from carer_desk.errors import CarerDeskError, NotFoundError
from carer_desk.records.conversation import (
    ActionTag,
    CarerOutcome,
    GuidedConversation,
    UnableReason,
    WellbeingScale,
)
from carer_desk.rules.assessment import KNOWN_REQUIREMENTS

logger = logging.getLogger(__name__)

_VERSION_FILE_RE = re.compile(r"^v([1-9][0-9]*)\.json$")

Root = Path | Traversable


class TemplateError(CarerDeskError):
    """A template file is damaged or does not match what this version of the app knows."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Prompt:
    id: str
    text: str
    hint: str | None = None  # for staff, not read to the carer


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateStage:
    id: str
    number: int
    title: str
    purpose: str
    when: str
    prompts: tuple[Prompt, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class WellbeingStatement:
    id: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """A labelled value of one of the core vocabularies, worded for this template."""

    value: str
    label: str
    description: str | None = None
    letter: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationTemplate:
    id: str
    version: int
    title: str
    introduction: str
    stages: tuple[TemplateStage, ...]
    wellbeing_introduction: str
    wellbeing_scale: tuple[Choice, ...]
    wellbeing_statements: tuple[WellbeingStatement, ...]
    outcomes: tuple[Choice, ...]
    unable_reasons: tuple[Choice, ...]
    action_tags: tuple[Choice, ...]
    # What completing an assessment held with this version needs beyond the law's three
    # (outcomes, impact decision, wellbeing check): e.g. "continuing_to_care" (s.10(5)).
    completion_requires: frozenset[str] = frozenset()

    def stage(self, number: int) -> TemplateStage:
        for stage in self.stages:
            if stage.number == number:
                return stage
        raise NotFoundError(f"Template {self.id} v{self.version} has no stage {number}.")

    def prompt(self, prompt_id: str) -> Prompt | None:
        for stage in self.stages:
            for prompt in stage.prompts:
                if prompt.id == prompt_id:
                    return prompt
        return None

    def prompt_text(self, prompt_id: str) -> str:
        """The question as it was asked; an unknown id (from a damaged record) is shown as
        itself rather than failing, so the carer's answer is never hidden."""
        prompt = self.prompt(prompt_id)
        return prompt.text if prompt is not None else prompt_id

    def statement_text(self, statement_id: str) -> str:
        for statement in self.wellbeing_statements:
            if statement.id == statement_id:
                return statement.text
        return statement_id

    def outcome_label(self, outcome: CarerOutcome) -> str:
        for choice in self.outcomes:
            if choice.value == outcome.value:
                return choice.label
        return outcome.label


# --- loading --------------------------------------------------------------------------------


def default_root() -> Traversable:
    """The templates shipped with the app (``resources/templates``)."""
    return resources.files("resources").joinpath("templates")


def _template_dir(template_id: str, root: Root | None) -> Traversable:
    if not re.fullmatch(r"[a-z0-9][a-z0-9\-_]*", template_id):
        raise NotFoundError(
            f"{template_id!r} is not a template id (lower-case letters, digits and dashes)."
        )
    return (root if root is not None else default_root()).joinpath(template_id)


def template_versions(template_id: str, root: Root | None = None) -> tuple[int, ...]:
    """The versions of a template that exist, oldest first."""
    folder = _template_dir(template_id, root)
    if not folder.is_dir():
        return ()
    versions = []
    for entry in folder.iterdir():
        match = _VERSION_FILE_RE.match(entry.name)
        if match and entry.is_file():
            versions.append(int(match.group(1)))
    return tuple(sorted(versions))


def available_templates(root: Root | None = None) -> tuple[tuple[str, int], ...]:
    """``(template_id, latest_version)`` for every template, sorted by id."""
    base = root if root is not None else default_root()
    if not base.is_dir():
        return ()
    found = []
    for entry in base.iterdir():
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            versions = template_versions(entry.name, base)
            if versions:
                found.append((entry.name, versions[-1]))
    return tuple(sorted(found))


def latest_template(template_id: str, root: Root | None = None) -> ConversationTemplate:
    versions = template_versions(template_id, root)
    if not versions:
        raise NotFoundError(f"There is no conversation template called {template_id!r}.")
    return load_template(template_id, versions[-1], root)


def template_for(
    conversation: GuidedConversation, root: Root | None = None
) -> ConversationTemplate:
    """The template version a saved conversation was held with."""
    return load_template(conversation.template_id, conversation.template_version, root)


def load_template(template_id: str, version: int, root: Root | None = None) -> ConversationTemplate:
    source = _template_dir(template_id, root).joinpath(f"v{version}.json")
    if not source.is_file():
        have = ", ".join(str(v) for v in template_versions(template_id, root)) or "none"
        raise NotFoundError(
            f"Conversation template {template_id!r} version {version} is not installed "
            f"(installed versions: {have}). Update Carer Desk to read this conversation."
        )
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"Template file {source} cannot be read: {exc}") from exc
    try:
        template = _parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise TemplateError(f"Template file {source} is malformed: {exc}") from exc
    if template.id != template_id or template.version != version:
        raise TemplateError(
            f"Template file {source} says it is {template.id!r} version {template.version}; "
            "the file name and its contents must agree."
        )
    return template


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key!r} must be non-empty text")
    return value


def _choices(items: list[dict[str, Any]], vocabulary: type, what: str) -> tuple[Choice, ...]:
    choices = tuple(
        Choice(
            value=_text(i, "value"),
            label=_text(i, "label"),
            description=i.get("description"),
            letter=i.get("letter"),
        )
        for i in items
    )
    expected = [m.value for m in vocabulary]
    if [c.value for c in choices] != expected:
        raise ValueError(f"{what} must be exactly {expected} in that order")
    return choices


def _parse(data: dict[str, Any]) -> ConversationTemplate:
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError("'version' must be a whole number")
    stages = tuple(
        TemplateStage(
            id=_text(s, "id"),
            number=int(s["number"]),
            title=_text(s, "title"),
            purpose=_text(s, "purpose"),
            when=_text(s, "when"),
            prompts=tuple(
                Prompt(id=_text(p, "id"), text=_text(p, "text"), hint=p.get("hint"))
                for p in s["prompts"]
            ),
        )
        for s in data["stages"]
    )
    if [s.number for s in stages] != [1, 2, 3]:
        raise ValueError("a guided conversation has stages 1, 2 and 3, in order")
    prompt_ids = [p.id for s in stages for p in s.prompts]
    if len(set(prompt_ids)) != len(prompt_ids):
        raise ValueError("prompt ids must be unique across the template")
    check = data["wellbeing_check"]
    statements = tuple(
        WellbeingStatement(id=_text(s, "id"), text=_text(s, "text")) for s in check["statements"]
    )
    if len({s.id for s in statements}) != len(statements):
        raise ValueError("wellbeing statement ids must be unique")
    requires = data.get("completion_requires", [])
    if not isinstance(requires, list) or not set(requires) <= KNOWN_REQUIREMENTS:
        raise ValueError(
            f"'completion_requires' must list some of {sorted(KNOWN_REQUIREMENTS)}, "
            "and this version of Carer Desk knows no others"
        )
    return ConversationTemplate(
        id=_text(data, "id"),
        version=version,
        title=_text(data, "title"),
        introduction=_text(data, "introduction"),
        stages=stages,
        wellbeing_introduction=_text(check, "introduction"),
        wellbeing_scale=_choices(check["scale"], WellbeingScale, "the wellbeing scale"),
        wellbeing_statements=statements,
        outcomes=_choices(data["outcomes"], CarerOutcome, "the outcomes"),
        unable_reasons=_choices(data["unable_reasons"], UnableReason, "the unable reasons"),
        action_tags=_choices(data["action_tags"], ActionTag, "the action tags"),
        completion_requires=frozenset(requires),
    )
