"""Every service is built the same way: ``Service(store, settings, clock)``."""

from __future__ import annotations

import inspect

import pytest

from carer_desk.clock import SYSTEM_CLOCK, FixedClock
from carer_desk.config import Settings
from carer_desk.services.base import Service
from carer_desk.services.cards import CardService
from carer_desk.services.carer_file import CarerFileService
from carer_desk.services.carers import CarerService
from carer_desk.services.caseload import CaseloadService
from carer_desk.services.conversations import ConversationService
from carer_desk.services.duplicates import DuplicateService
from carer_desk.services.groups import GroupService
from carer_desk.services.payments import PaymentService
from carer_desk.services.plans import PlanService
from carer_desk.services.printing import PrintService
from carer_desk.services.subject_access import SubjectAccessService
from tests.carer_desk.services.service_support import TODAY

SERVICES = (
    CarerFileService,
    CaseloadService,
    CardService,
    CarerService,
    ConversationService,
    DuplicateService,
    GroupService,
    PaymentService,
    PlanService,
    PrintService,
    SubjectAccessService,
)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.__name__)
def test_every_service_takes_store_settings_and_clock_then_only_keywords(service) -> None:
    assert issubclass(service, Service)
    params = list(inspect.signature(service.__init__).parameters.values())[1:]
    assert [p.name for p in params[:3]] == ["store", "settings", "clock"]
    assert params[2].default is SYSTEM_CLOCK
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[3:])


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.__name__)
def test_a_service_uses_the_clock_it_is_given(vault, service) -> None:
    clock = FixedClock(TODAY)
    extras = {}
    if service is CarerFileService:
        extras = {
            "caseload": CaseloadService(vault, Settings(), clock),
            "groups": GroupService(vault, Settings(), clock),
        }
    built = service(vault, Settings(), clock, **extras)
    assert built.clock is clock and built.repo.clock is clock and built.store is vault
