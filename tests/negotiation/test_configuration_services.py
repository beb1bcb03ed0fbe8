"""The configuration services (and the API's data import) check the acting user's permission
themselves, so no caller (API, console, a job) can write a condition, a rule, a catalog item, a
user, an import or a conversation reply without it; with it, they write the row and its audit
entry."""

from __future__ import annotations

import pytest

from models import Agency, AuditLog, CollectionStatus, PaymentCondition, User
from models.enums import Role
from negotiation import catalog, conditions, conversations, data_in, rules, users
from negotiation.errors import PermissionDenied
from tests.factories import make_condition

CONDITION = {
    "description": "Novembro",
    "active": True,
    "is_default": False,
    "fine_pct": 2,
    "interest_pct": 1,
    "options": [{"installments": 1}],
}
RULE = {
    "description": "Todos",
    "active": False,
    "filters": [],
    "actions": [],
    "condition_ids": [],
}


@pytest.fixture
async def people(db) -> dict[Role, User]:
    agency = await Agency.create(name="Escritório")
    return {
        r: await User.create(
            username=r.value, role=r, password_hash="x", agency=agency if r == Role.AGENCY else None
        )
        for r in Role
    }


async def _refused(write) -> None:
    with pytest.raises(PermissionDenied, match="não pode"):
        await write
    assert await AuditLog.all().count() == 0


async def test_an_attendant_cannot_configure(people):
    attendant = people[Role.ATTENDANT]
    condition = await make_condition(description="Existente")
    await _refused(conditions.save_condition(attendant, CONDITION))
    await _refused(conditions.save_condition(attendant, CONDITION, condition.id))
    await _refused(conditions.delete_condition(attendant, condition.id))
    await _refused(rules.save_rule(attendant, RULE))
    await _refused(catalog.create(CollectionStatus, {"name": "X"}, attendant))
    await _refused(rules.start_run(attendant, 1, None))
    await _refused(conversations.close(1, people[Role.AGENCY]))
    await _refused(data_in.import_customers(attendant, [{"external_id": "1"}], first_line=1))
    assert await PaymentCondition.all().count() == 1
    assert not await CollectionStatus.exists()


async def test_only_an_admin_manages_users(people):
    supervisor = people[Role.SUPERVISOR]
    new = {"username": "nova", "role": Role.ATTENDANT, "password": "x" * 12}
    await _refused(users.create_user(supervisor, new))
    edit = {"full_name": "Mudou", "role": Role.ADMIN, "active": True, "agency_id": None}
    await _refused(users.update_user(supervisor, people[Role.ATTENDANT].id, edit))
    made = await users.create_user(people[Role.ADMIN], new)
    assert made.role == Role.ATTENDANT and made.password_hash != new["password"]
    assert await AuditLog.filter(entity="user", action="create").count() == 1


async def test_a_supervisor_configures(people):
    saved = await conditions.save_condition(people[Role.SUPERVISOR], CONDITION)
    assert [o.installments for o in saved.options] == [1]
    rule = await rules.save_rule(people[Role.SUPERVISOR], RULE)
    assert rule.description == "Todos"
    assert await AuditLog.all().count() == 2


async def test_the_work_services_check_the_acting_user_too(people):
    """Exporting to an agency and recording a payment by hand are refused to roles without the
    permission, whoever calls the service; the webhook and the jobs (no user) are not people."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from models.enums import PaymentSource
    from negotiation.export import export_to_agency
    from negotiation.reconcile import record_payment

    for role in (Role.ATTENDANT, Role.AGENCY):
        with pytest.raises(PermissionDenied):
            await export_to_agency(people[role], 1, [1], isp_name="ISP", isp_cnpj="1", tz=UTC)
        with pytest.raises(PermissionDenied):
            await record_payment(
                1,
                Decimal("10.00"),
                datetime(2026, 11, 27, tzinfo=UTC),
                PaymentSource.API,
                user=people[role],
            )
    assert await AuditLog.all().count() == 0
