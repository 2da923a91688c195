"""The guided conversation's form, built from the conversation's template version (Qt-free).

Nothing here is a hard-coded screen: the stages, their prompts, the outcomes, the wellbeing
statements and the action tags all come from the template the conversation was held with
(``resources/templates``), so a conversation held with version 1 is shown with version 1's
questions. What the record holds beyond a stage-1 answer (the seen-alone flag, the whole
family, the outcomes, the impact decision…) is recorded under the prompt that asks it
(:data:`RECORDED_UNDER`); a part whose prompt this version does not have is shown at the
end of its stage.

Values travel as one flat dict (the shape a draft is sealed in): ``answer.<prompt id>``,
``outcome.<value>.state`` and so on, with goals and actions as lists of small dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from carer_desk.errors import ValidationError
from carer_desk.records.bounds import TEXT_MAX
from carer_desk.records.conversation import (
    ActionTag,
    BuildAGoodLife,
    CarerOutcome,
    ConversationMode,
    Goal,
    GoalAttainment,
    GuidedConversation,
    ListenAndConnect,
    OutcomeAssessment,
    SupportAction,
    UnableReason,
    UrgentSupport,
    WellbeingAnswer,
    WellbeingScale,
    WholeFamily,
)
from carer_desk.templates import ConversationTemplate
from ui.forms.fields import FieldSpec, Kind, ListSpec, Problems, format_date, parse_value

ABLE, UNABLE = "able", "unable"
CRISIS = "crisis"
STAGE1_ENOUGH = "stage1_sufficient"
GOALS, ACTIONS = "goals", "actions"

#: Which of the record's parts is recorded under which prompt (a prompt id of any version).
RECORDED_UNDER: dict[str, tuple[str, ...]] = {
    "what_matters": ("what_matters",),
    "strengths": ("strengths",),
    "circle_of_support": ("circle_of_support",),
    "community": ("community_assets",),
    "information": ("signposting_given",),
    "seen_alone": ("seen_alone",),
    "children_at_home": ("family",),
    "what_must_change": ("what_must_change_now",),
    "this_week": ("immediate_help",),
    "if_you_were_unwell": ("emergency_plan_needed",),
    "anyone_at_risk": ("safeguarding",),
    "your_health": ("health_at_risk",),
    "parts_of_life": ("outcomes",),
    "impact_on_you": ("impact", "eligibility"),
    "continuing_to_care": ("continuing_to_care",),
    "goals": (GOALS,),
    "who_does_what": (ACTIONS,),
    "payment": ("payment_recommended",),
    "catch_up": ("review_date",),
}
#: Each stage's parts, in the order they are shown when no prompt names them.
STAGE_PARTS: dict[int, tuple[str, ...]] = {
    1: (
        "what_matters",
        "strengths",
        "circle_of_support",
        "community_assets",
        "signposting_given",
        "family",
        "seen_alone",
    ),
    2: ("what_must_change_now", "immediate_help", "emergency_plan_needed", "safeguarding"),
    3: (
        "health_at_risk",
        "outcomes",
        "impact",
        "eligibility",
        "wellbeing",
        "continuing_to_care",
        GOALS,
        ACTIONS,
        "payment_recommended",
        "review_date",
    ),
}
#: Parts the page draws itself (not plain fields): outcomes, the check, the live decision.
DRAWN_PARTS = frozenset({"outcomes", "wellbeing", "eligibility", GOALS, ACTIONS})

YES_NO = (("yes", "Yes"), ("no", "No"))
OUTCOME_STATES = ((ABLE, "Can achieve this"), (UNABLE, "Unable to achieve this"))
ONE_IS_ENOUGH = (
    "For a carer, ONE outcome they are unable to achieve is enough (with a significant "
    "impact on their wellbeing). The 'two or more' rule is for adults who need care, "
    "never for carers. 'Unable' includes: only with help; with significant pain, distress "
    "or anxiety; or when it endangers them or someone else — ticking one of those marks "
    "the outcome unable."
)


def _long(key: str, label: str, hint: str = "") -> FieldSpec:
    return FieldSpec(key, label, Kind.LONG_TEXT, hint=hint, max_length=TEXT_MAX)


def _yes_no(key: str, label: str, hint: str = "") -> FieldSpec:
    return FieldSpec(key, label, Kind.CHOICE, choices=YES_NO, hint=hint)


#: The plain fields of each part (the drawn parts have their own widgets).
PART_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "what_matters": (_long("what_matters", "What matters to them (your summary)"),),
    "strengths": (_long("strengths", "Their strengths"),),
    "circle_of_support": (_long("circle_of_support", "Their circle of support"),),
    "community_assets": (_long("community_assets", "Community assets near them"),),
    "signposting_given": (_long("signposting_given", "Information and signposting given"),),
    "seen_alone": (
        _yes_no(
            "seen_alone",
            "Seen on their own, without the person they care for",
        ),
    ),
    "family": (
        _yes_no("children_in_household", "Children or young people live in the household"),
        _yes_no(
            "children_helping",
            "A child helps to look after someone",
            hint="A child who helps with care may be a young carer: refer them.",
        ),
        FieldSpec(
            "young_carer_referral_on",
            "Referred to the young carers' service on",
            Kind.DATE,
            hint="The date the referral was made",
        ),
        _long("family_notes", "About the family"),
    ),
    "what_must_change_now": (_long("what_must_change_now", "What must change now"),),
    "immediate_help": (_long("immediate_help", "Small immediate help arranged"),),
    "emergency_plan_needed": (
        FieldSpec("emergency_plan_needed", "An emergency plan is needed now", Kind.TICK),
    ),
    "safeguarding": (
        FieldSpec(
            "safeguarding_concern",
            "Raise a safeguarding concern (it reaches the office first, the same day)",
            Kind.TICK,
        ),
        _long("safeguarding_details", "What was seen or said"),
    ),
    "health_at_risk": (
        FieldSpec(
            "health_at_risk",
            "Caring is harming, or putting at risk, the carer's physical or mental health",
            Kind.TICK,
        ),
    ),
    "impact": (
        _yes_no(
            "impact",
            "As a consequence, there is (or is likely to be) a significant impact on the "
            "carer's wellbeing",
            hint="The worker's decision; needed to complete the assessment.",
        ),
    ),
    "continuing_to_care": (
        _yes_no("able_to_continue", "Able to continue caring (Care Act s.10(5))"),
        _yes_no("willing_to_continue", "Willing to continue caring (Care Act s.10(5))"),
        _long("continuing_notes", "About continuing to care"),
    ),
    "payment_recommended": (
        FieldSpec("payment_recommended", "A wellbeing payment is recommended", Kind.TICK),
    ),
    "review_date": (
        FieldSpec(
            "review_date",
            "Review date",
            Kind.DATE,
            hint="Leave empty for the date the assessment runs out; an earlier date may be "
            "agreed with the carer.",
        ),
    ),
}


@dataclass(frozen=True)
class Block:
    """One prompt (or none, for the parts no prompt of this version asks) and what is
    recorded under it."""

    prompt_id: str | None
    text: str
    hint: str | None
    answer: FieldSpec | None  # the carer's own words (stage 1 prompts)
    parts: tuple[str, ...]


@dataclass(frozen=True)
class StageLayout:
    number: int
    title: str
    purpose: str
    when: str
    blocks: tuple[Block, ...]


def layout_for(template: ConversationTemplate) -> tuple[StageLayout, ...]:
    """The template's stages as blocks of prompt + fields, every part placed once."""
    stages = []
    for stage in template.stages:
        placed: list[str] = []
        blocks = []
        for prompt in stage.prompts:
            parts = tuple(
                p for p in RECORDED_UNDER.get(prompt.id, ()) if p in STAGE_PARTS[stage.number]
            )
            placed += parts
            answer = _long(f"answer.{prompt.id}", "In their words") if stage.number == 1 else None
            blocks.append(Block(prompt.id, prompt.text, prompt.hint, answer, parts))
        # A part no prompt of this version asks goes after the part before it (the
        # wellbeing check after the impact question), never lost at the end.
        order = STAGE_PARTS[stage.number]
        for pos, part in enumerate(order):
            if part in placed:
                continue
            at = len(blocks)
            for earlier in reversed(order[:pos]):
                where = [i for i, b in enumerate(blocks) if earlier in b.parts]
                if where:
                    at = where[0] + 1
                    break
            blocks.insert(at, Block(None, "Also recorded", None, None, (part,)))
            placed.append(part)
        stages.append(
            StageLayout(stage.number, stage.title, stage.purpose, stage.when, tuple(blocks))
        )
    return tuple(stages)


def outcome_specs(template: ConversationTemplate) -> dict[str, tuple[FieldSpec, ...]]:
    """Per outcome: can / cannot achieve, the reg. 3(4) reasons, notes."""
    reasons = tuple((c.value, c.label) for c in template.unable_reasons)
    specs = {}
    for choice in template.outcomes:
        key = f"outcome.{choice.value}"
        specs[choice.value] = (
            FieldSpec(
                f"{key}.state", "Can the carer achieve this?", Kind.CHOICE, choices=OUTCOME_STATES
            ),
            FieldSpec(f"{key}.reasons", "Unable because", Kind.CHOICES, choices=reasons),
            FieldSpec(f"{key}.notes", "Notes", Kind.TEXT, max_length=TEXT_MAX),
        )
    return specs


def wellbeing_specs(template: ConversationTemplate) -> tuple[FieldSpec, ...]:
    scale = tuple((c.value, c.label) for c in template.wellbeing_scale)
    return tuple(
        FieldSpec(f"wellbeing.{s.id}", s.text, Kind.CHOICE, choices=scale)
        for s in template.wellbeing_statements
    )


def goal_list() -> ListSpec:
    return ListSpec(
        key=GOALS,
        title="Goals the carer sets",
        item_title="Goal",
        fields=(
            FieldSpec(
                "description",
                "The goal, in the carer's words",
                Kind.TEXT,
                required=True,
                max_length=TEXT_MAX,
            ),
            FieldSpec(
                "attainment",
                "How far it was achieved (at review)",
                Kind.CHOICE,
                choices=tuple(GoalAttainment.choices()),
            ),
        ),
        add_label="Add a &goal",
        note="At a review, last time's goals are listed here to rate how far each was achieved.",
    )


def action_list(template: ConversationTemplate) -> ListSpec:
    tags = tuple(
        (c.value, f"{c.label} — {c.description}" if c.description else c.label)
        for c in template.action_tags
    )
    return ListSpec(
        key=ACTIONS,
        title="Support plan: actions",
        item_title="Action",
        fields=(
            FieldSpec(
                "description", "What will be done", Kind.TEXT, required=True, max_length=TEXT_MAX
            ),
            FieldSpec(
                "tag",
                "Prevent, reduce, delay or support now",
                Kind.CHOICE,
                choices=tags,
                required=True,
            ),
            FieldSpec("owner", "Who will do it", Kind.TEXT),
            FieldSpec("due", "By when", Kind.DATE),
        ),
        add_label="Add an a&ction",
    )


def settled_outcome(key: str, values: dict[str, Any]) -> dict[str, Any]:
    """What else changes when ``key`` (an outcome's state or reasons) changed, so the
    screen never says "can achieve" beside a reason that means "unable" (reg. 3(4)): a
    reason ticked marks the outcome unable; "can achieve" clears the reasons."""
    if not key.startswith("outcome."):
        return {}
    stem, _, part = key.rpartition(".")
    if part == "reasons" and values.get(key) and values.get(f"{stem}.state") != UNABLE:
        return {f"{stem}.state": UNABLE}
    if part == "state" and values.get(key) == ABLE and values.get(f"{stem}.reasons"):
        return {f"{stem}.reasons": []}
    return {}


# --- record -> values -----------------------------------------------------------------------


def _yn(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _bool(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def values_of(conversation: GuidedConversation) -> dict[str, Any]:
    s1, s2, s3, family = (
        conversation.stage1,
        conversation.stage2,
        conversation.stage3,
        conversation.family,
    )
    values: dict[str, Any] = {
        "mode": conversation.mode.value,
        "seen_alone": _yn(conversation.seen_alone),
        STAGE1_ENOUGH: conversation.stage1_sufficient,
        CRISIS: s2 is not None,
        "what_matters": s1.what_matters or "",
        "strengths": s1.strengths or "",
        "circle_of_support": s1.circle_of_support or "",
        "community_assets": s1.community_assets or "",
        "signposting_given": s1.signposting_given or "",
        "review_date": format_date(conversation.review_date),
    }
    for prompt_id, text in s1.answers:
        values[f"answer.{prompt_id}"] = text
    if family is not None:
        values.update(
            children_in_household=_yn(family.children_in_household),
            children_helping=_yn(family.children_helping_with_care),
            young_carer_referral_on=format_date(family.young_carer_referral_on),
            family_notes=family.notes or "",
        )
    if s2 is not None:
        values.update(
            what_must_change_now=s2.what_must_change_now or "",
            immediate_help=s2.immediate_help or "",
            emergency_plan_needed=s2.emergency_plan_needed,
            safeguarding_concern=s2.safeguarding_concern,
            safeguarding_details=s2.safeguarding_details or "",
        )
    values[GOALS] = []
    values[ACTIONS] = []
    if s3 is not None:
        values.update(
            health_at_risk=s3.health_deteriorating_or_at_risk,
            impact=_yn(s3.significant_impact_on_wellbeing),
            able_to_continue=_yn(s3.able_to_continue_caring),
            willing_to_continue=_yn(s3.willing_to_continue_caring),
            continuing_notes=s3.continuing_to_care_notes or "",
            payment_recommended=s3.payment_recommended,
        )
        for item in s3.outcomes:
            key = f"outcome.{item.outcome.value}"
            values[f"{key}.state"] = UNABLE if item.unable else ABLE
            values[f"{key}.reasons"] = [r.value for r in item.reasons]
            values[f"{key}.notes"] = item.notes or ""
        for answer in s3.wellbeing_check:
            values[f"wellbeing.{answer.statement_id}"] = answer.answer.value
        values[GOALS] = [
            {
                "id": g.id,
                "description": g.description,
                "attainment": g.attainment.value if g.attainment else None,
            }
            for g in s3.goals
        ]
        values[ACTIONS] = [
            {
                "id": a.id,
                "description": a.description,
                "tag": a.tag.value,
                "owner": a.owner or "",
                "due": format_date(a.due),
                **({"done_on": a.done_on.isoformat()} if a.done_on else {}),
            }
            for a in s3.actions
        ]
    return values


# --- values -> record -----------------------------------------------------------------------


def _text(values: dict[str, Any], key: str) -> str | None:
    text = str(values.get(key) or "").strip()
    return text or None


def _date(values: dict[str, Any], key: str, problems: Problems) -> date | None:
    return parse_value(FieldSpec(key, key, Kind.DATE), values.get(key), problems)


def _build(problems: Problems, prefix: str, make: Any) -> Any:
    try:
        return make()
    except ValidationError as exc:
        problems.merge(exc, prefix)
        return None


def _stage3(
    values: dict[str, Any], template: ConversationTemplate, problems: Problems
) -> BuildAGoodLife | None:
    outcomes = []
    for choice in template.outcomes:
        key = f"outcome.{choice.value}"
        state = values.get(f"{key}.state")
        reasons = tuple(UnableReason(r) for r in values.get(f"{key}.reasons") or ())
        notes = _text(values, f"{key}.notes")
        if state not in (ABLE, UNABLE) and not reasons:
            if notes:
                problems.add(f"{key}.state", "say whether the carer can achieve this")
            continue
        item = _build(
            problems,
            key,
            lambda c=choice, r=reasons, n=notes, st=state: OutcomeAssessment(
                outcome=CarerOutcome(c.value), unable=st == UNABLE or bool(r), reasons=r, notes=n
            ),
        )
        if item is not None:
            outcomes.append(item)
    check = tuple(
        WellbeingAnswer(statement_id=s.id, answer=WellbeingScale(values[f"wellbeing.{s.id}"]))
        for s in template.wellbeing_statements
        if values.get(f"wellbeing.{s.id}")
    )
    goals = []
    for pos, item in enumerate(values.get(GOALS) or ()):
        goal = _build(
            problems,
            f"{GOALS}.{pos}",
            lambda i=item: Goal(
                **({"id": i["id"]} if i.get("id") else {}),
                description=str(i.get("description") or ""),
                attainment=GoalAttainment(i["attainment"]) if i.get("attainment") else None,
            ),
        )
        if goal is not None:
            goals.append(goal)
    actions = []
    for pos, item in enumerate(values.get(ACTIONS) or ()):
        if not item.get("tag"):
            problems.add(f"{ACTIONS}.{pos}.tag", "choose prevent, reduce, delay or support now")
            continue
        due = _date(item, "due", problems)
        action = _build(
            problems,
            f"{ACTIONS}.{pos}",
            lambda i=item, d=due: SupportAction(
                **({"id": i["id"]} if i.get("id") else {}),
                description=str(i.get("description") or ""),
                tag=ActionTag(i["tag"]),
                owner=_text(i, "owner"),
                due=d,
                done_on=date.fromisoformat(i["done_on"]) if i.get("done_on") else None,
            ),
        )
        if action is not None:
            actions.append(action)
    stage3 = BuildAGoodLife(
        outcomes=tuple(outcomes),
        health_deteriorating_or_at_risk=bool(values.get("health_at_risk")),
        significant_impact_on_wellbeing=_bool(values.get("impact")),
        wellbeing_check=check,
        goals=tuple(goals),
        actions=tuple(actions),
        payment_recommended=bool(values.get("payment_recommended")),
        able_to_continue_caring=_bool(values.get("able_to_continue")),
        willing_to_continue_caring=_bool(values.get("willing_to_continue")),
        continuing_to_care_notes=_text(values, "continuing_notes"),
    )
    return None if stage3 == BuildAGoodLife() else stage3


def conversation_from_values(
    conversation: GuidedConversation, template: ConversationTemplate, values: dict[str, Any]
) -> tuple[GuidedConversation | None, dict[str, str]]:
    """The draft with what was typed, or None and each problem by its field key."""
    problems = Problems()
    stage1_prompts = [p.id for p in template.stage(1).prompts]
    answers = tuple(
        (pid, text)
        for pid in stage1_prompts
        if (text := _text(values, f"answer.{pid}")) is not None
    )
    stage1 = _build(
        problems,
        "stage1",
        lambda: ListenAndConnect(
            answers=answers,
            what_matters=_text(values, "what_matters"),
            strengths=_text(values, "strengths"),
            circle_of_support=_text(values, "circle_of_support"),
            community_assets=_text(values, "community_assets"),
            signposting_given=_text(values, "signposting_given"),
        ),
    )
    stage2 = None
    if values.get(CRISIS):
        concern = bool(values.get("safeguarding_concern"))
        if concern and not _text(values, "safeguarding_details"):
            problems.add(
                "safeguarding_details",
                "a safeguarding concern is raised: describe what was seen or said",
            )
        else:
            stage2 = _build(
                problems,
                "",
                lambda: UrgentSupport(
                    what_must_change_now=_text(values, "what_must_change_now"),
                    immediate_help=_text(values, "immediate_help"),
                    emergency_plan_needed=bool(values.get("emergency_plan_needed")),
                    safeguarding_concern=concern,
                    safeguarding_details=_text(values, "safeguarding_details"),
                ),
            )
    referral = _date(values, "young_carer_referral_on", problems)
    in_household = _bool(values.get("children_in_household"))
    helping = _bool(values.get("children_helping"))
    if helping is True and in_household is False:
        problems.add("children_in_household", "a child helps with care, so answer yes here")
    family = None
    if any(v is not None for v in (in_household, helping, referral)) or _text(
        values, "family_notes"
    ):
        family = _build(
            problems,
            "",
            lambda: WholeFamily(
                children_in_household=in_household,
                children_helping_with_care=helping,
                young_carer_referral_on=referral,
                notes=_text(values, "family_notes"),
            ),
        )
    stage3 = _stage3(values, template, problems)
    review = _date(values, "review_date", problems)
    if review is not None and review <= conversation.started_on:
        problems.add("review_date", "the review date must be after the conversation started")
    try:
        mode = ConversationMode(values.get("mode") or conversation.mode.value)
    except ValueError:
        mode = conversation.mode
    if problems.items or stage1 is None:
        return None, problems.items
    built = _build(
        problems,
        "",
        lambda: replace(
            conversation,
            mode=mode,
            seen_alone=_bool(values.get("seen_alone")),
            stage1=stage1,
            stage2=stage2,
            stage3=stage3,
            family=family,
            stage1_sufficient=bool(values.get(STAGE1_ENOUGH)),
            review_date=review,
        ),
    )
    return (built, {}) if built is not None else (None, problems.items)


def review_date_of(values: dict[str, Any]) -> date | None:
    try:
        return _date(values, "review_date", Problems())
    except ValueError:
        return None
