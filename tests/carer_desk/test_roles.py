from carer_desk.roles import AREAS, Area, Role, home_for, may
from sync.protocol import Role as ServerRole


def test_the_laptop_knows_exactly_the_servers_roles():
    assert {r.value for r in Role} == {r.value for r in ServerRole}
    assert set(AREAS) == set(Role)


def test_each_role_opens_on_its_own_home():
    assert home_for(Role.OUTREACH_WORKER) is Area.CASELOAD
    assert home_for(Role.GROUP_FACILITATOR) is Area.GROUPS
    assert home_for(Role.PAYMENTS_APPROVER) is Area.REQUESTS
    assert home_for(Role.EMERGENCY_OPERATOR) is Area.LOOKUP
    assert home_for(Role.ADMIN) is Area.REPORTS


def test_only_the_service_manager_is_offered_reports_and_administration():
    for role in Role:
        assert may(role, Area.REPORTS) is (role is Role.ADMIN)
        assert may(role, Area.ADMIN) is (role is Role.ADMIN)


def test_a_facilitator_is_offered_no_caseload_and_an_operator_the_look_up_and_refused_calls():
    assert not may(Role.GROUP_FACILITATOR, Area.CASELOAD)
    assert not may(Role.GROUP_FACILITATOR, Area.PLANS)
    assert AREAS[Role.EMERGENCY_OPERATOR] == (Area.LOOKUP, Area.SYNC)


def test_the_card_administrator_keeps_plans_and_cards_and_nothing_of_the_caseload():
    assert home_for(Role.CARD_ADMINISTRATOR) is Area.PLANS
    assert AREAS[Role.CARD_ADMINISTRATOR] == (Area.PLANS, Area.CARDS, Area.SYNC)
    for area in (
        Area.CASELOAD,
        Area.REVIEWS,
        Area.REQUESTS,
        Area.PAYMENTS,
        Area.GROUPS,
        Area.LOOKUP,
    ):
        assert not may(Role.CARD_ADMINISTRATOR, area)
    assert Role.CARD_ADMINISTRATOR.label == "Card and plan administrator"
