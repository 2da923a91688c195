"""The carer's assessment as a lawful record (issue 9): what completion needs, the written
determination kept with it, the legal route, the whole-family view, and old conversations
still readable after the template changed."""

from __future__ import annotations

from datetime import date

import pytest

from carer_desk import factories as make
from carer_desk.records.carer import CarerType
from carer_desk.records.conversation import (
    CarerOutcome,
    ConversationStatus,
    LegalRoute,
    UnableReason,
    WholeFamily,
)
from carer_desk.rules.eligibility import assess_eligibility
from carer_desk.services.conversations import AssessmentIncomplete, ConversationService
from carer_desk.services.printing import PrintService
from carer_desk.services.repository import Repository
from tests.carer_desk.printing.pdf_probe import all_text
from tests.carer_desk.services.service_support import add_carer


@pytest.fixture
def service(vault, settings, clock):
    return ConversationService(vault, settings, clock)


def _all_outcomes(service, conversation_id, *, unable=(CarerOutcome.RECREATION,)):
    for outcome in CarerOutcome:
        service.assess_outcome(conversation_id, outcome, unable=outcome in unable)


def _check(service, conversation_id):
    template = service.template(service.get(conversation_id))
    service.record_wellbeing_check(
        conversation_id, {s.id: "sometimes" for s in template.wellbeing_statements}
    )


def test_completing_says_exactly_what_the_assessment_still_needs(service, carer):
    conversation = service.start(carer.id)
    service.add_goal(conversation.id, "A night's sleep")
    with pytest.raises(AssessmentIncomplete) as caught:
        service.complete(conversation.id)
    assert caught.value.missing == (
        "the eight outcomes (none is assessed yet)",
        "the decision on whether there is a significant impact on the carer's wellbeing",
        "the wellbeing check",
        "whether the carer is able to continue caring (Care Act s.10(5))",
        "whether the carer is willing to continue caring (Care Act s.10(5))",
    )
    for outcome in list(CarerOutcome)[:6]:
        service.assess_outcome(conversation.id, outcome)
    service.decide_impact(conversation.id, True)
    _check(service, conversation.id)
    service.record_continuing_to_care(conversation.id, able=True, willing=False)
    with pytest.raises(AssessmentIncomplete, match="outcomes not yet assessed: \\(g\\)"):
        service.complete(conversation.id)
    assert service.get(conversation.id).status == ConversationStatus.DRAFT  # nothing changed


def test_completion_keeps_the_determination_and_its_reasons(vault, service, carer):
    conversation = service.start(carer.id)
    _all_outcomes(service, conversation.id)
    service.decide_impact(conversation.id, True)
    _check(service, conversation.id)
    service.record_continuing_to_care(conversation.id, able=True, willing=True)
    done = service.complete(conversation.id)
    determination = done.determination
    assert determination is not None
    assert determination.eligible is True
    assert determination.route is LegalRoute.ADULT_CARER
    assert "reg. 3" in determination.route_wording
    assert determination.determined_by == "tester"
    assert any("(h)" in r for r in determination.reasons)
    assert service.determination(conversation.id) == determination
    # Printed with the support plan, as the written record the carer is entitled to.
    text = all_text(PrintService(vault, service.settings, service.clock).support_plan(carer.id).pdf)
    assert "what we decided" in text
    assert "You have eligible needs for support as a carer." in text


def test_a_reason_ticked_records_unable(service, carer):
    conversation = service.start(carer.id)
    saved = service.assess_outcome(
        conversation.id, CarerOutcome.NUTRITION, reasons=(UnableReason.ONLY_WITH_HELP,)
    )
    item = saved.stage3.assessment_for(CarerOutcome.NUTRITION)
    assert item.unable is True and item.reasons == (UnableReason.ONLY_WITH_HELP,)


def test_no_outcomes_recorded_is_never_read_as_all_eight_achieved() -> None:
    result = assess_eligibility(make.assessment(outcomes=(), significant_impact_on_wellbeing=None))
    text = " ".join(result.reasons)
    assert "can achieve all eight" not in text
    assert "not yet assessed" in text and "has not been decided yet" in text
    assert not result.final
    assessed = assess_eligibility(make.assessment(outcomes=make.outcomes(unable=())))
    assert "can achieve all eight" in " ".join(assessed.reasons) and assessed.final


def test_a_conversation_held_with_the_old_template_completes_by_its_own_rules(
    vault, settings, clock
):
    carer = add_carer(vault, "Old", "Template")
    old = make.conversation(carer, stage3=make.assessment(able_to_continue_caring=None))
    Repository(vault).save(old, action="create")
    service = ConversationService(vault, settings, clock)
    assert service.template(old).version == 1  # still readable with its own questions
    done = service.complete(old.id)  # v1 did not ask whether the carer can continue
    assert done.status == ConversationStatus.COMPLETE and done.assessment_completed


def test_a_young_carer_and_a_parent_carer_are_assessed_under_the_childrens_law(
    vault, settings, clock
):
    service = ConversationService(vault, settings, clock)
    young = add_carer(vault, "Yan", "Young", date_of_birth=date(2010, 1, 1))
    parent = add_carer(
        vault,
        "Pat",
        "Parent",
        carer_types=(CarerType.PARENT_CARER,),
        cared_for=(make.cared_for_person(relationship="son", date_of_birth=date(2015, 5, 5)),),
    )
    for who, route in ((young, LegalRoute.YOUNG_CARER), (parent, LegalRoute.PARENT_CARER)):
        conversation = service.start(who.id)
        service.save_stage3(conversation.id, make.assessment())
        determination = service.complete(conversation.id).determination
        assert determination.route is route
        assert determination.eligible is None  # reg. 3 is for adult carers of adults
        assert "Children Act 1989" in determination.reasons[0]
        assert not any("reg. 3 is not met" in r for r in determination.reasons)


def test_a_child_who_helps_with_care_prompts_a_young_carer_referral(service, carer):
    conversation = service.start(carer.id)
    service.save_family(
        conversation.id, WholeFamily(children_in_household=True, children_helping_with_care=True)
    )
    reminders = service.reminders(conversation.id)
    assert any(
        "may be a young carer: refer them to the young carers' service" in r for r in reminders
    )
    assert any("emergency plan" in r for r in reminders)  # asked outside a crisis too
    service.record_young_carer_referral(conversation.id)
    assert not any("young carer" in r for r in service.reminders(conversation.id))


def test_the_new_template_asks_the_whole_family_gp_and_contingency_questions(service, carer):
    template = service.template(service.start(carer.id))
    assert template.version == 2
    stage1 = {p.id for p in template.stage(1).prompts}
    assert {"gp_registered", "if_you_could_not_care", "children_at_home"} <= stage1
    assert "continuing_to_care" in {p.id for p in template.stage(3).prompts}
    assert template.completion_requires == frozenset({"continuing_to_care"})
