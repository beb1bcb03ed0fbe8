"""A campaign's set-up (Campanhas de Ligação): its contact type and whether it is active.

The contact type says who works the list: the robot dialer calls only the entries of active
campaigns whose contact type is of kind "robot call"; other kinds are the attendants' lists.
A rule run sets the robot's type on the campaigns of a rule with a robot-call action; here an
attendant with the configuration permission changes it, or pauses a campaign (inactive: the
robot stops calling it; its entries stay as they are). The API and the console call this.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import Campaign, ContactType, User
from negotiation import audit
from negotiation.errors import InvalidInput, NotFound
from negotiation.permissions import Permission, ensure

FIELDS = ("contact_type_id", "active")


async def update_campaign(user: User, campaign_id: int, changes: dict[str, Any]) -> Campaign:
    """Sets the campaign's `contact_type_id` (None: no type) and/or `active`, with the audit
    entry, and returns the campaign with its rule and contact type."""
    ensure(user, Permission.CONFIGURE)
    if unknown := sorted(set(changes) - set(FIELDS)):
        raise InvalidInput(f"{unknown[0]}: campo desconhecido")
    if not changes:
        raise InvalidInput("informe o tipo de contato (contact_type_id) ou se está ativa (active)")
    if "active" in changes and not isinstance(changes["active"], bool):
        raise InvalidInput("active: informe sim (true) ou não (false)")
    type_id = changes.get("contact_type_id")
    if type_id is not None:
        if isinstance(type_id, bool) or not isinstance(type_id, int):
            raise InvalidInput("contact_type_id: informe o número do tipo de contato")
        if not await ContactType.exists(id=type_id, active=True):
            raise InvalidInput(
                f"contact_type_id: tipo de contato {type_id} não existe ou está inativo"
            )
    async with in_transaction() as conn:
        campaign = await Campaign.filter(id=campaign_id).using_db(conn).select_for_update().first()
        if campaign is None:
            raise NotFound(f"campanha {campaign_id} não existe")
        before = audit.snapshot(campaign)
        campaign.update_from_dict(changes)
        await campaign.save(using_db=conn, update_fields=list(changes))
        await audit.record(
            user=user,
            action="update",
            entity="campaign",
            entity_id=campaign.id,
            before=before,
            after=audit.snapshot(campaign),
            using_db=conn,
        )
    return await Campaign.get(id=campaign_id).select_related("rule", "contact_type")
