"""Which of the offers a dialog listed the person named ("a segunda", "em seis vezes"), for
the chat and the voice alike: the listed offers' shapes, read now, for
`understanding.choose_offer`."""

from __future__ import annotations

from datetime import date

from negotiation.offers import CustomerOffer, offers_for_customer
from negotiation.understanding import Shape, Understood, choose_offer

# An offer listed but no longer offered: it matches no installments said.
_GONE = Shape(0, True)


def shapes(listed: list[list[int]], offers: list[CustomerOffer]) -> list[Shape]:
    """The shape of each listed offer ([condition id, option id]), in the listed order."""
    by_id = {(o.quote.condition_id, o.quote.option_id): o for o in offers}
    found = []
    for condition_id, option_id in listed:
        offer = by_id.get((condition_id, option_id))
        if offer is None:
            found.append(_GONE)
        else:
            found.append(Shape(offer.offer.installments, offer.offer.down_payment is not None))
    return found


async def listed_shapes(customer_id: int, today: date, listed: list[list[int]]) -> list[Shape]:
    return shapes(listed, await offers_for_customer(customer_id, today))


def chosen(heard: Understood, listed: list[list[int]], offers: list[CustomerOffer]):
    """The listed offer ([condition id, option id]) the person named, or None."""
    number = choose_offer(heard, shapes(listed, offers))
    return None if number is None else listed[number - 1]
