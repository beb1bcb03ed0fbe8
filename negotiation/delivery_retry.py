"""An attendant's "try again now" on a failed send of an agreement's payment instruments (the
API's retry and the console's button), over delivery.attempt."""

from __future__ import annotations

from models import Delivery, User, clock
from models.enums import DeliveryStatus
from negotiation import catalog
from negotiation.config import DeliveryConfig
from negotiation.delivery import attempt
from negotiation.errors import Conflict
from negotiation.outbound import Senders
from negotiation.permissions import Permission, ensure


async def retry_failed(
    by: User, delivery_id: int, *, senders: Senders, settings: DeliveryConfig
) -> Delivery:
    # `settings` goes to delivery.attempt as it is (this module reads none of it).
    # Sending shows where the debtor receives mail and SMS: only roles that see the customer.
    ensure(by, Permission.VIEW_CUSTOMER)
    delivery = await catalog.existing(Delivery, delivery_id, "envio")
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(f"o envio {delivery.id} não falhou ({delivery.status})")
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    return await attempt(delivery, senders=senders, settings=settings, now=clock.now())
