"""Every code a person may see has a pt-BR name (negotiation/labels.py)."""

from __future__ import annotations

import inspect
from enum import StrEnum

import pytest

from models import enums
from models.sandbox import SandboxChannel
from negotiation.labels import ENUMS, choices, label
from negotiation.permissions import Permission
from negotiation.rendering import environment, html_environment

ALL_ENUMS = [
    *(
        cls
        for _, cls in inspect.getmembers(enums, inspect.isclass)
        if issubclass(cls, StrEnum) and cls is not StrEnum and cls.__module__ == enums.__name__
    ),
    Permission,
    SandboxChannel,
]


def test_the_enum_list_is_not_empty():
    # Guards the discovery above: if it found nothing, the next test would pass vacuously.
    assert enums.EntryState in ALL_ENUMS and enums.Role in ALL_ENUMS and len(ALL_ENUMS) > 20


@pytest.mark.parametrize("enum", ALL_ENUMS, ids=lambda e: e.__name__)
def test_every_member_of_every_enum_has_a_label(enum):
    # A member added to models/enums.py without a name here would reach people as a code.
    assert enum in ENUMS, f"{enum.__name__} has no labels in negotiation/labels.py"
    missing = [m.value for m in enum if m.value not in ENUMS[enum]]
    assert not missing, f"{enum.__name__} members without a label: {missing}"
    for member in enum:
        assert label(member).strip(), member


def test_a_member_is_named_by_its_own_enum():
    # "in" is a received message and a filter operator; "open" a bill and a ticket.
    assert label(enums.MessageDirection.IN) == "Recebida"
    assert label(enums.FilterOperator.IN) == "está em (lista)"
    assert label(enums.ReceivableStatus.OPEN) == "Em aberto"
    assert label(enums.TicketStatus.OPEN) == "Aberto"
    assert label("open", enums.TicketStatus) == "Aberto"
    assert label("in", "filter_operator") == "está em (lista)"
    assert label("in_progress", "call_status") == "in_progress"  # Twilio's is "in-progress"


def test_text_codes_and_plain_strings():
    assert label("suspended", "customer_status") == "Suspenso"
    assert label("cartao", "billing_method") == "Cartão"
    assert label("claim", "audit_action") == "Conversa assumida"
    assert label("campaign_entry", "audit_entity") == "Entrada de campanha"
    assert label("view_customer") == "Abrir o cadastro do cliente"
    assert label("voice") == "Ligação"


def test_an_unknown_value_comes_back_as_it_is():
    assert label("brand_new_code") == "brand_new_code"
    assert label("brand_new_code", "audit_action") == "brand_new_code"
    assert label(42) == "42"
    assert label(None) == ""


def test_choices_keep_the_enum_order():
    assert list(choices(enums.Role)) == [r.value for r in enums.Role]
    assert choices(enums.BreakAction)["move_to_end"] == "Mover a parcela para o fim"


@pytest.mark.parametrize("env", [environment, html_environment])
def test_label_is_a_jinja_global_and_filter(env):
    template = env().from_string(
        '{{ label(s) }}|{{ s|label }}|{{ "suspended"|label("customer_status") }}|{{ "x"|label }}'
    )
    assert template.render(s=enums.AgreementStatus.BROKEN) == "Rompido|Rompido|Suspenso|x"
