"""The offers → down payment → confirm → accept flow, once for every dialog (chat and voice).

Each step works on the dialog's data (plain JSON the channel stores: the chat's session, the
call's row) and returns new data; rendering stays with the channel (templates/chat/,
templates/voice/). Keys of the data: "choice" (the picked offer, [condition id, option id]),
"down_range" (the down payment's bounds, as strings) and "quote" (what the debtor is asked to
confirm, `offers.quote_data`, with the first due date they chose, if any).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from models import Agreement
from models.enums import Channel
from negotiation import first_due
from negotiation.accept import accept
from negotiation.config import InstrumentConfig
from negotiation.money import round_cents
from negotiation.offers import (
    CustomerOffer,
    down_payment_problem,
    down_payment_range,
    find_offer,
    offer_view,
    quote_data,
    quote_of,
)

# "due_day": a channel that stays on the confirmation step waits for the first due date's day.
DUE_DAY_ASKED = "due_day"
FLOW_KEYS = ("choice", "quote", "down_range", DUE_DAY_ASKED)

Data = dict[str, Any]


@dataclass(frozen=True)
class Debtor:
    """Whose dialog it is, where and when: what every step of the flow reads."""

    customer_id: int
    channel: Channel
    today: date
    settings: InstrumentConfig


@dataclass(frozen=True)
class DownRange:
    """The least and the most the debtor may put down on the picked offer."""

    minimum: Decimal
    maximum: Decimal

    @classmethod
    def of(cls, data: Data) -> DownRange:
        minimum, maximum = (Decimal(v) for v in data.get("down_range", ["0", "0"]))
        return cls(minimum, maximum)

    def problem(self, amount: Decimal | None) -> str | None:
        """Why `amount` cannot be the down payment (pt-BR), or None when it can."""
        return down_payment_problem(amount, self.minimum, self.maximum)

    @property
    def example(self) -> str:
        """An amount inside the range as a person would type it: "150,25"."""
        middle = round_cents((self.minimum + self.maximum) / 2)
        return f"{middle:.2f}".replace(".", ",")


@dataclass(frozen=True)
class Picked:
    """An offer picked: None when it is gone; `down` when a down payment is asked first."""

    offer: CustomerOffer | None
    data: Data
    down: DownRange | None = None


def listing(offers: list[CustomerOffer]) -> list[list[int]]:
    """The offers as the dialog keeps them, in the order they were said."""
    return [[o.quote.condition_id, o.quote.option_id] for o in offers]


def by_number(listed: list[list[int]], keys: str) -> list[int] | None:
    """The offer said as number `keys` (1, 2, …), or None when there is no such number."""
    if len(keys) == 1 and keys.isdigit() and 1 <= int(keys) <= len(listed):
        return listed[int(keys) - 1]
    return None


async def pick(debtor: Debtor, data: Data, choice: list[int]) -> Picked:
    """The debtor picks an offer: it goes to confirmation, or to its down payment first."""
    condition_id, option_id = choice
    chosen = await find_offer(debtor.customer_id, debtor.today, condition_id, option_id)
    if chosen is None:
        return Picked(None, data)
    data = {**data, "choice": list(choice)}
    if chosen.offer.down_payment is not None:
        minimum, maximum = down_payment_range(chosen)
        data["down_range"] = [str(minimum), str(maximum)]
        return Picked(chosen, data, DownRange(minimum, maximum))
    return Picked(chosen, to_confirm(data, chosen))


async def priced(debtor: Debtor, data: Data, down: Decimal | None = None) -> CustomerOffer | None:
    """The picked offer again, with the down payment `down` (None: the least one)."""
    condition_id, option_id = data["choice"]
    return await find_offer(debtor.customer_id, debtor.today, condition_id, option_id, down)


def to_confirm(data: Data, chosen: CustomerOffer) -> Data:
    """The data with `chosen` as the quote the debtor is asked to confirm."""
    return {**data, "quote": quote_data(chosen.quote)}


async def quoted(debtor: Debtor, data: Data) -> CustomerOffer | None:
    """The quote waiting for confirmation, priced again (None: none, or it is gone)."""
    quote = data.get("quote")
    if not quote:
        return None
    pinned = quote_of(quote)
    return await find_offer(
        debtor.customer_id,
        debtor.today,
        pinned.condition_id,
        pinned.option_id,
        pinned.down_payment,
        pinned.first_due,
    )


def latest_first_due(chosen: CustomerOffer) -> date:
    """The latest first due date the offer's condition allows today."""
    return first_due.latest(chosen.quote.as_of, chosen.condition.days_to_first_due)


# "só consigo dia 10" → 10: what a channel reads a typed or said day with.
due_day_from_text = first_due.due_day_from_text
due_day_from_keys = first_due.due_day_from_keys
asks_other_due_day = first_due.asks_other_day


@dataclass(frozen=True)
class DueChange:
    """The first due date asked for. Done: `offer` priced with it and `data` holding it as the
    quote. Beyond the condition's limit: `latest`, the latest date allowed, and the data
    unchanged. `offer` None: there is no quote, or it is not offered any more."""

    offer: CustomerOffer | None
    data: Data
    latest: date | None = None


async def change_first_due(debtor: Debtor, data: Data, day: int) -> DueChange:
    """The debtor asks for the first payment on day `day` of the month ("só consigo dia 10"):
    the next such date from today, when the condition allows it. The engine prices the offer
    again with that date; everything else about the quote stays."""
    chosen = await quoted(debtor, data)
    if chosen is None:
        return DueChange(None, data)
    limit = latest_first_due(chosen)
    wanted = first_due.next_on_day(day, debtor.today)
    if wanted > limit:
        return DueChange(chosen, data, latest=limit)
    pinned = quote_of(data["quote"])
    again = await find_offer(
        debtor.customer_id,
        debtor.today,
        pinned.condition_id,
        pinned.option_id,
        pinned.down_payment,
        wanted,
    )
    if again is None:
        return DueChange(None, data)
    return DueChange(again, to_confirm(data, again))


def confirmation(chosen: CustomerOffer) -> dict[str, Any]:
    """What every channel says before the debtor confirms."""
    view = offer_view(chosen)
    option = next(o for o in chosen.condition.options if o.id == chosen.quote.option_id)
    return {
        "total": chosen.offer.total,
        "discount": view["discount"],
        "schedule": chosen.offer.schedule,
        "down_payment": chosen.offer.down_payment,
        "installments": view["installments"],
        "first": view["first"],
        "later": view["later"],
        "first_due": view["first_due"],
        "days_between": option.days_between,
        # Whether the debtor may move the first due date, and up to when.
        "latest_first_due": latest_first_due(chosen),
        "can_move_first_due": can_move_first_due(chosen),
    }


def can_move_first_due(chosen: CustomerOffer) -> bool:
    """Whether the condition leaves the debtor more than one date for the first payment."""
    return latest_first_due(chosen) > chosen.quote.as_of


async def accept_quote(debtor: Debtor, data: Data) -> Agreement | None:
    """The confirmed quote becomes the agreement (`negotiation.accept`; its Conflict when the
    offer changed meanwhile). None when the quote is not this customer's."""
    quote = quote_of(data["quote"])
    if quote.customer_id != debtor.customer_id:
        return None
    return await accept(quote, channel=debtor.channel, today=debtor.today, settings=debtor.settings)
