"""The support plan summary given to the carer, in their own words and ours, plainly.

Carer-facing: no "case", "client" or action tags (prevent / reduce / delay are for staff
reports), and nothing about safeguarding, which is recorded for staff only.
"""

from __future__ import annotations

from datetime import date

from carer_desk.formatting import long_date
from carer_desk.printing.document import Document, Entry, Section, entries
from carer_desk.printing.fonts import isolate
from carer_desk.records.carer import Carer
from carer_desk.records.conversation import EligibilityDetermination, GuidedConversation


def _decision_words(determination: EligibilityDetermination) -> str:
    if determination.eligible is None:
        return "Your needs were assessed as set out below."
    if determination.eligible:
        return "You have eligible needs for support as a carer."
    return "You do not have eligible needs for support as a carer at the moment."


def support_plan_document(
    conversation: GuidedConversation, carer: Carer, *, printed_on: date
) -> Document:
    """What matters to the carer, their goals and what was agreed, as a Document."""
    s1, s2, s3 = conversation.stage1, conversation.stage2, conversation.stage3
    sections = [
        Section("What matters to you", entries([(None, s1.what_matters)])),
        Section("What is going well", entries([(None, s1.strengths)])),
    ]
    helping = entries(
        [
            ("People who help you", s1.circle_of_support),
            ("Places and groups near you", s1.community_assets),
            ("Information we gave you", s1.signposting_given),
        ]
    )
    if helping:
        sections.append(Section("Who and what can help", helping))
    if s2 is not None:
        now = entries(
            [
                ("What needs to change now", s2.what_must_change_now),
                ("Help we are arranging now", s2.immediate_help),
            ]
        )
        if now:
            sections.append(Section("Help you need now", now))
    if s3 is not None:
        goals = tuple(
            Entry(
                f"Goal {i}",
                g.description
                + (f" (so far: {g.attainment.label.lower()})" if g.attainment else ""),
            )
            for i, g in enumerate(s3.goals, start=1)
        )
        sections.append(Section("Your goals", goals, note="Goals you chose."))
        actions = []
        for action in s3.actions:
            bits = [action.description.rstrip(".") + "."]
            if action.owner:
                bits.append(f"Who: {action.owner}.")
            if action.done_on:
                bits.append(f"Done on {long_date(action.done_on)}.")
            elif action.due:
                bits.append(f"By {long_date(action.due)}.")
            actions.append(Entry(None, " ".join(bits)))
        sections.append(Section("What we agreed to do", tuple(actions)))
    determination = conversation.determination
    if determination is not None:
        # The written record of the eligibility decision and its reasons (Care Act 2014
        # s.13(2)): the carer is entitled to it.
        decided = [
            Entry(None, _decision_words(determination)),
            *(Entry(None, reason) for reason in determination.reasons),
            Entry("The law this assessment follows", determination.route_wording),
            Entry("Decided on", long_date(determination.determined_on)),
        ]
        sections.append(
            Section(
                "Your carer's assessment: what we decided",
                tuple(decided),
                note="This is the written record of our decision and the reasons for it.",
            )
        )
    review = conversation.review_date
    sections.append(
        Section(
            "What happens next",
            (
                Entry(
                    None,
                    f"We will talk again by {long_date(review)}."
                    if review
                    else "We will agree a date to talk again.",
                ),
                Entry(None, "If things change before then, please get in touch."),
            ),
        )
    )
    return Document(
        title="Your support plan",
        about=f"For {isolate(carer.display_name)}",
        printed_on=printed_on,
        review_on=review,
        sections=tuple(sections),
        footer_note="This plan belongs to you.",
    )
