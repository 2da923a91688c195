"""A conversation in words, section by section, for reading beside a review (Qt-free).

Worded from the template version the conversation was held with, so an old
conversation reads with the questions it was asked.
"""

from __future__ import annotations

from carer_desk.records.conversation import GuidedConversation
from carer_desk.services.conversations import WellbeingPoint
from carer_desk.templates import ConversationTemplate
from ui.forms.fields import format_date


def _yes_no(value: bool | None) -> str:
    return "not recorded" if value is None else ("yes" if value else "no")


def summary_sections(
    conversation: GuidedConversation, template: ConversationTemplate
) -> list[tuple[str, list[str]]]:
    """``(heading, lines)`` in the order the conversation went."""
    c = conversation
    done = f", completed {format_date(c.completed_on)}" if c.completed_on else ""
    sections: list[tuple[str, list[str]]] = [
        (
            "The conversation",
            [
                f"Started {format_date(c.started_on)}{done} ({c.status.label.lower()}), "
                f"{c.mode.label.lower()}, with {c.worker}.",
                f"Seen on their own: {_yes_no(c.seen_alone)}.",
                f"Template: {template.title}, version {template.version}.",
            ],
        )
    ]
    s1 = c.stage1
    lines = [f"{template.prompt_text(pid)} — {text}" for pid, text in s1.answers]
    for label, value in (
        ("What matters", s1.what_matters),
        ("Strengths", s1.strengths),
        ("Circle of support", s1.circle_of_support),
        ("Community assets", s1.community_assets),
        ("Information and signposting", s1.signposting_given),
    ):
        if value:
            lines.append(f"{label}: {value}")
    sections.append((template.stage(1).title, lines or ["Nothing recorded."]))
    if c.stage2 is not None:
        s2 = c.stage2
        lines = []
        if s2.what_must_change_now:
            lines.append(f"What must change now: {s2.what_must_change_now}")
        if s2.immediate_help:
            lines.append(f"Immediate help: {s2.immediate_help}")
        lines.append(f"Emergency plan needed: {_yes_no(s2.emergency_plan_needed)}.")
        if s2.safeguarding_concern:
            lines.append(f"Safeguarding concern raised: {s2.safeguarding_details or ''}")
        sections.append((template.stage(2).title, lines))
    if c.stage3 is not None:
        s3 = c.stage3
        lines = []
        unable = [o for o in s3.outcomes if o.unable]
        able = [o for o in s3.outcomes if not o.unable]
        for item in unable:
            reasons = ", ".join(r.label.lower() for r in item.reasons)
            lines.append(
                f"Unable: ({item.outcome.letter}) {template.outcome_label(item.outcome)}"
                + (f" — {reasons}" if reasons else "")
            )
        if able:
            lines.append("Can achieve: " + ", ".join(f"({o.outcome.letter})" for o in able))
        if s3.outcomes_not_assessed:
            lines.append(
                "Not assessed: " + ", ".join(f"({o.letter})" for o in s3.outcomes_not_assessed)
            )
        lines.append(
            f"Significant impact on wellbeing: {_yes_no(s3.significant_impact_on_wellbeing)}."
        )
        for answer in s3.wellbeing_check:
            lines.append(f"{template.statement_text(answer.statement_id)}: {answer.answer.label}")
        for goal in s3.goals:
            rated = f" ({goal.attainment.label.lower()})" if goal.attainment else ""
            lines.append(f"Goal: {goal.description}{rated}")
        for action in s3.actions:
            lines.append(f"Action [{action.tag.label}]: {action.description}")
        sections.append((template.stage(3).title, lines))
    if c.determination is not None:
        d = c.determination
        sections.append(
            (
                "Eligibility decision",
                [
                    d.summary,
                    *d.reasons,
                    f"Decided {format_date(d.determined_on)} by {d.determined_by}.",
                ],
            )
        )
    if c.review_date:
        sections.append(("Review", [f"Review by {format_date(c.review_date)}."]))
    return sections


def trajectory_rows(
    points: tuple[WellbeingPoint, ...], template: ConversationTemplate
) -> tuple[list[str], list[list[str]]]:
    """The trajectory as a table: headers (date, each statement), one row per check."""
    statements = [s.id for s in template.wellbeing_statements]
    for point in points:  # statements of older versions, after this version's own
        for sid, _ in point.scores:
            if sid not in statements:
                statements.append(sid)
    scale = [c.label for c in template.wellbeing_scale]
    headers = ["Check of", *(template.statement_text(s) for s in statements)]
    rows = []
    for point in points:
        scores = dict(point.scores)
        rows.append(
            [
                point.on.isoformat(),
                *(scale[scores[s]] if s in scores else "—" for s in statements),
            ]
        )
    return headers, rows
