"""Conversation templates: the shipped v1, and old conversations staying readable when a
new version is added."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from carer_desk import factories as make
from carer_desk.errors import NotFoundError
from carer_desk.ids import new_id
from carer_desk.records.codec import from_payload, to_payload
from carer_desk.records.conversation import (
    ActionTag,
    CarerOutcome,
    ListenAndConnect,
    WellbeingScale,
)
from carer_desk.templates import (
    TemplateError,
    available_templates,
    latest_template,
    load_template,
    template_for,
    template_versions,
)

SHIPPED = Path(str(resources.files("resources").joinpath("templates")))
TEMPLATE = "guided-conversation"


def test_the_shipped_template_has_three_stages_and_the_briefs_questions() -> None:
    template = load_template(TEMPLATE, 1)
    assert [s.title for s in template.stages] == [
        "Listen and connect",
        "Urgent support",
        "Build a good life",
    ]
    texts = [p.text for s in template.stages for p in s.prompts]
    assert (
        "What does a good life look like for you, and how can we work together to achieve it?"
    ) in texts
    assert (
        "What matters most to you — your own health, wellbeing, social life, work, "
        "education or training?"
    ) in texts
    assert template.prompt_text("good_life").startswith("What does a good life")


def test_the_wellbeing_check_has_the_eight_statements_and_four_point_scale() -> None:
    template = load_template(TEMPLATE, 1)
    assert [c.value for c in template.wellbeing_scale] == [s.value for s in WellbeingScale]
    assert len(template.wellbeing_statements) == 8
    assert template.statement_text("care_safely") == "I feel able to care safely"
    assert [c.value for c in template.outcomes] == [o.value for o in CarerOutcome]
    assert [c.letter for c in template.outcomes] == list("abcdefgh")
    assert [c.value for c in template.action_tags] == [t.value for t in ActionTag]


def test_carer_facing_wording_has_no_service_jargon() -> None:
    template = load_template(TEMPLATE, 1)
    carer_facing = [template.introduction, template.wellbeing_introduction]
    carer_facing += [p.text for s in template.stages for p in s.prompts]
    carer_facing += [s.text for s in template.wellbeing_statements]
    carer_facing += [c.label for c in template.outcomes + template.unable_reasons]
    for text in carer_facing:
        for word in ("case", "client", "waiting list", "service user", "caseload"):
            assert not re.search(rf"\b{word}\b", text, re.IGNORECASE), (word, text)


def test_listing_and_latest() -> None:
    # v2 (issue 9) asks about continuing to care, children at home, GP registration and
    # a contingency plan; v1 stays installed so its conversations still read.
    assert (TEMPLATE, 2) in available_templates()
    assert template_versions(TEMPLATE) == (1, 2)
    assert latest_template(TEMPLATE).version == 2


def _with_v2(tmp_path: Path) -> Path:
    """A copy of the shipped templates plus a v2 that rewords a prompt and drops another."""
    root = tmp_path / "templates"
    shutil.copytree(SHIPPED, root)
    data = json.loads((root / TEMPLATE / "v1.json").read_text(encoding="utf-8"))
    data["version"] = 2
    stage1 = data["stages"][0]
    stage1["prompts"] = [p for p in stage1["prompts"] if p["id"] != "community"]
    for prompt in stage1["prompts"]:
        if prompt["id"] == "going_well":
            prompt["text"] = "What has been good for you lately?"
    (root / TEMPLATE / "v2.json").write_text(json.dumps(data), encoding="utf-8")
    return root


def test_an_old_conversation_still_reads_with_its_own_version(tmp_path: Path) -> None:
    root = _with_v2(tmp_path)
    assert latest_template(TEMPLATE, root).version == 2
    assert available_templates(root) == ((TEMPLATE, 2),)

    old = make.conversation(
        new_id(),
        template_id=TEMPLATE,
        template_version=1,
        started_on=date(2025, 1, 10),
        worker="amy.outreach",
        stage1=ListenAndConnect(
            answers=(("going_well", "My allotment"), ("community", "The Tuesday lunch club"))
        ),
    )
    stored = json.loads(json.dumps(to_payload(old)))
    reloaded = from_payload("conversation", stored)
    template = template_for(reloaded, root)
    assert template.version == 1
    shown = [(template.prompt_text(pid), text) for pid, text in reloaded.stage1.answers]
    assert shown == [
        ("What is going well for you at the moment?", "My allotment"),
        (
            "What is there near you that you enjoy or could use — groups, clubs, places or people?",
            "The Tuesday lunch club",
        ),
    ]
    # The new version asks differently and no longer has the community prompt.
    new = latest_template(TEMPLATE, root)
    assert new.prompt_text("going_well") == "What has been good for you lately?"
    assert new.prompt("community") is None


def test_a_version_that_is_not_installed_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(
        NotFoundError, match=r"version 9 is not installed \(installed versions: 1, 2\)"
    ):
        load_template(TEMPLATE, 9)
    with pytest.raises(NotFoundError, match="no conversation template called 'triage'"):
        latest_template("triage")
    with pytest.raises(NotFoundError):
        load_template("../etc", 1)


def _broken(tmp_path: Path, change) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(SHIPPED, root)
    path = root / TEMPLATE / "v1.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.update(version=3), "says it is 'guided-conversation' version 3"),
        (lambda d: d["outcomes"].pop(), "the outcomes must be exactly"),
        (lambda d: d["wellbeing_check"]["scale"].reverse(), "the wellbeing scale must be"),
        (lambda d: d["stages"].pop(1), "stages 1, 2 and 3"),
        (
            lambda d: d["stages"][2]["prompts"].append({"id": "goals", "text": "Again?"}),
            "prompt ids must be unique",
        ),
        (lambda d: d.pop("title"), "malformed"),
    ],
)
def test_a_damaged_template_is_refused_with_its_file(tmp_path: Path, change, fragment: str) -> None:
    root = _broken(tmp_path, change)
    with pytest.raises(TemplateError) as caught:
        load_template(TEMPLATE, 1, root)
    assert fragment in str(caught.value)
    assert "v1.json" in str(caught.value)


def test_the_second_version_is_jargon_free_too_and_asks_what_the_law_needs() -> None:
    template = load_template(TEMPLATE, 2)
    carer_facing = [p.text for s in template.stages for p in s.prompts]
    for text in carer_facing:
        for word in ("case", "client", "waiting list", "service user", "caseload"):
            assert not re.search(rf"\b{word}\b", text, re.IGNORECASE), (word, text)
    assert template.completion_requires == frozenset({"continuing_to_care"})
    assert load_template(TEMPLATE, 1).completion_requires == frozenset()
    # v1's wellbeing statements are unchanged, so trajectories compare across versions.
    assert template.wellbeing_statements == load_template(TEMPLATE, 1).wellbeing_statements


def test_a_template_asking_for_a_requirement_this_version_does_not_know_is_refused(
    tmp_path: Path,
) -> None:
    root = tmp_path / "templates"
    shutil.copytree(SHIPPED, root)
    data = json.loads((root / TEMPLATE / "v2.json").read_text(encoding="utf-8"))
    data["version"] = 3
    data["completion_requires"] = ["a_new_thing"]
    (root / TEMPLATE / "v3.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TemplateError, match="knows no others"):
        load_template(TEMPLATE, 3, root)
