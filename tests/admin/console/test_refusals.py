"""Every console write that goes through a service is refused to a role without its permission:
the 403 page, and nothing written (no row changed, no audit entry)."""

from __future__ import annotations

import pytest

from models import (
    AuditLog,
    CollectionRule,
    CollectionStatus,
    Delivery,
    PaymentCondition,
    RuleRun,
    User,
)
from models.clock import today_in
from models.enums import DeliveryChannel, DeliveryStatus, Role
from negotiation import campaigns
from tests.admin.console.test_campaigns import build_call_list
from tests.admin.console.test_conditions import _form as condition_form
from tests.admin.console.test_rules import _form as rule_form
from tests.factories import make_condition


@pytest.fixture
async def configured(db, users):
    return {
        "condition": await make_condition(description="Existente"),
        "rule": await CollectionRule.create(description="Regra", active=False),
        "status": await CollectionStatus.create(name="Serasa"),
        "user": users[Role.ATTENDANT],
    }


async def _state() -> list:
    """What the refused writes could have changed."""
    return [
        await PaymentCondition.all().order_by("id").values("id", "description"),
        await CollectionRule.all().order_by("id").values("id", "description", "active"),
        await CollectionStatus.all().order_by("id").values("id", "name", "active"),
        await User.all().order_by("id").values("id", "role", "full_name", "active"),
        await RuleRun.all().count(),
        await AuditLog.all().count(),
    ]


# Valid forms: the refusal must not hide behind a validation error.
USER = {"full_name": "Mudou", "role": "attendant", "active": "on", "password": "x" * 12}
WRITES = [
    # (role without the permission, path, form fields besides the CSRF token)
    (Role.ATTENDANT, "/console/conditions", condition_form("")),
    (Role.ATTENDANT, "/console/conditions/{condition}", condition_form("")),
    (Role.AGENCY, "/console/conditions/{condition}/delete", {}),
    (Role.ATTENDANT, "/console/rules", rule_form("")),
    (Role.ATTENDANT, "/console/rules/{rule}", rule_form("")),
    (Role.AGENCY, "/console/rules/{rule}/delete", {}),
    (Role.ATTENDANT, "/console/rules/{rule}/preview", {}),
    (Role.AGENCY, "/console/rules/{rule}/run", {}),
    (Role.ATTENDANT, "/console/catalog/statuses/new", {"name": "Nova"}),
    (Role.ATTENDANT, "/console/catalog/statuses/{status}", {"name": "Mudou"}),
    (Role.AGENCY, "/console/catalog/statuses/{status}/delete", {"confirm": "on"}),
    (Role.ATTENDANT, "/console/catalog/statuses/{status}/deactivate", {}),
    (Role.ATTENDANT, "/console/windows/SP", {"weekday_start": "09:00", "weekday_end": "18:00"}),
    (Role.AGENCY, "/console/windows/SP/reset", {}),
    (Role.ATTENDANT, "/console/holidays", {"day": "08/12/2026", "state": "SP", "name": "X"}),
    (Role.SUPERVISOR, "/console/users/new", {**USER, "username": "nova"}),
    (Role.SUPERVISOR, "/console/users/{user}", {**USER, "role": "supervisor"}),
]


@pytest.mark.parametrize(("role", "path", "fields"), WRITES)
async def test_a_write_without_the_permission_is_refused(
    browser, sign_in, configured, role, path, fields
):
    ids = {name: item.id for name, item in configured.items()}
    before = await _state()
    token = await sign_in(role)
    answer = await browser.post(path.format(**ids), data={**fields, "csrf_token": token})
    assert answer.status_code == 403
    assert "Acesso negado" in answer.text
    assert await _state() == before


async def test_an_agency_cannot_retry_a_send(browser, sign_in, console_app, users):
    entry = (await build_call_list())["entries"][0]
    condition = await PaymentCondition.get(is_default=True).prefetch_related("options")
    agreement = await campaigns.negotiate(
        users[Role.ATTENDANT],
        entry.id,
        condition_id=condition.id,
        option_id=condition.options[0].id,
        today=today_in("America/Sao_Paulo"),
        settings=console_app.state.settings,
    )
    failed = await Delivery.create(
        agreement=agreement,
        channel=DeliveryChannel.EMAIL,
        recipient="devedor0@example.com",
        status=DeliveryStatus.FAILED,
        attempts=3,
    )
    token = await sign_in(Role.AGENCY)
    answer = await browser.post(
        f"/console/deliveries/{failed.id}/retry", data={"csrf_token": token}
    )
    assert answer.status_code == 403
    await failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 3
