"""A debtor's "já paguei" and "não reconheço", once for every channel.

"Já paguei": the ledger is read first (a payment recorded in the last `RECENT_DAYS` days);
when it shows one, the debtor is told so. When nothing is found, collection of the debt
pauses for `pause_days_after_paid` days while a person checks the receipt the debtor is
asked for: a ticket is opened for them. "Não reconheço": collection pauses for
`pause_days_after_dispute` days and a ticket records the dispute; the channel hands the
conversation to a person.

While a pause lasts, the contact gate (`contact_policy.may_contact`) refuses every collection
contact with the reason "paused": the robot dialer, the rule actions and the reminders all
ask it. The pause shows on the campaign entry (console and API) through `pauses_of`.

A person may end a pause early (`end_pause`: the receipt checked, the dispute settled), with
a short reason noted on its ticket and in the audit log; the gate lets contact resume at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from models import DebtPause, PauseReason, Payment, ServiceTicket, User
from models.enums import Channel, TicketStatus
from negotiation import audit
from negotiation.config import DebtPauses
from negotiation.errors import Conflict, InvalidInput
from negotiation.permissions import Permission, ensure

RECENT_DAYS = 30  # how far back a payment counts as the one the debtor means
END_REASON_MAX = 300  # the reason for ending a pause early: a short line

_SUBJECTS = {
    PauseReason.PAID: "Cliente diz que já pagou: conferir o comprovante",
    PauseReason.DISPUTE: "Contestação: cliente não reconhece a dívida",
}
_WHY = {
    PauseReason.PAID: "cliente diz que já pagou (comprovante em análise)",
    PauseReason.DISPUTE: "cliente não reconhece a dívida (contestação)",
}


@dataclass(frozen=True)
class PaidClaim:
    """What "já paguei" found: the payment in the ledger, or (none found) the pause."""

    payment: Payment | None
    pause: DebtPause | None


async def paused(customer_id: int, today: date) -> DebtPause | None:
    """The pause that stops collection of the debtor's debt on `today`, or None."""
    return (
        await DebtPause.filter(customer_id=customer_id, starts_on__lte=today, ends_on__gt=today)
        .order_by("-ends_on", "-id")
        .first()
    )


async def pauses_of(customer_ids: Iterable[int], today: date) -> dict[int, DebtPause]:
    """The pause of each debtor that has one on `today` (for lists of entries)."""
    rows = await DebtPause.filter(
        customer_id__in=list(set(customer_ids)), starts_on__lte=today, ends_on__gt=today
    ).order_by("ends_on", "id")
    return {row.customer_id: row for row in rows}  # the latest end wins


def describe(pause: DebtPause) -> str:
    """The pause in one pt-BR line, for the entry and the gate's refusals."""
    return f"cobrança pausada até {pause.ends_on:%d/%m/%Y}: {_WHY[PauseReason(pause.reason)]}"


async def recent_payment(customer_id: int, now: datetime) -> Payment | None:
    """The debtor's latest payment recorded in the last `RECENT_DAYS` days, or None."""
    since = now - timedelta(days=RECENT_DAYS)
    return (
        await Payment.filter(receivable__customer_id=customer_id, paid_at__gte=since)
        .order_by("-paid_at", "-id")
        .first()
    )


async def _pause(
    customer_id: int,
    reason: PauseReason,
    days: int,
    channel: Channel,
    today: date,
    note: str,
    entry_id: int | None,
) -> DebtPause:
    current = await paused(customer_id, today)
    if current is not None and current.reason == reason:
        return current  # said twice: the same pause and ticket
    ticket = await ServiceTicket.create(
        customer_id=customer_id,
        entry_id=entry_id,
        subject=_SUBJECTS[reason],
        description=note,
    )
    return await DebtPause.create(
        customer_id=customer_id,
        reason=reason,
        starts_on=today,
        ends_on=today + timedelta(days=days),
        channel=Channel(channel),
        ticket=ticket,
    )


async def claim_paid(
    customer_id: int,
    channel: Channel,
    now: datetime,
    today: date,
    settings: DebtPauses,
    *,
    entry_id: int | None = None,
) -> PaidClaim:
    """The debtor says the debt is paid: the ledger's payment, or a pause and a ticket."""
    payment = await recent_payment(customer_id, now)
    if payment is not None:
        return PaidClaim(payment, None)
    note = (
        f"Pelo canal {Channel(channel).value}, o cliente disse que já pagou; nenhum pagamento "
        f"nos últimos {RECENT_DAYS} dias. Cobrança pausada por "
        f"{settings.pause_days_after_paid} dias enquanto o comprovante é conferido."
    )
    days = settings.pause_days_after_paid
    pause = await _pause(customer_id, PauseReason.PAID, days, channel, today, note, entry_id)
    return PaidClaim(None, pause)


async def dispute(
    customer_id: int,
    channel: Channel,
    today: date,
    settings: DebtPauses,
    *,
    entry_id: int | None = None,
) -> DebtPause:
    """The debtor does not recognise the debt: a pause and a ticket for a person."""
    note = (
        f"Pelo canal {Channel(channel).value}, o cliente disse que não reconhece a dívida. "
        f"Cobrança pausada por {settings.pause_days_after_dispute} dias."
    )
    return await _pause(
        customer_id,
        PauseReason.DISPUTE,
        settings.pause_days_after_dispute,
        channel,
        today,
        note,
        entry_id,
    )


async def receipt_received(customer_id: int, today: date, what: str) -> bool:
    """The debtor sent a receipt (`what`: how it came): noted on the open ticket of their
    "já paguei" pause. False when they have no such pause."""
    pause = await paused(customer_id, today)
    if pause is None or pause.reason != PauseReason.PAID or pause.ticket_id is None:
        return False
    ticket = await ServiceTicket.get(id=pause.ticket_id)
    ticket.description = f"{ticket.description}\nComprovante recebido: {what}."
    if ticket.status != TicketStatus.OPEN:
        ticket.status, ticket.closed_at = TicketStatus.OPEN, None
    await ticket.save(update_fields=["description", "status", "closed_at"])
    return True


async def end_pause(
    user: User, customer_id: int, why: str, today: date, *, entry_id: int | None = None
) -> list[DebtPause]:
    """A person ends the debtor's pause early (`why`: a short reason, required). Every pause
    active on `today` ends: collection may resume today. A pause that began today has no day
    before today to end on (a pause lasts at least a day), so it is removed; the audit log and
    its ticket keep what it was. Conflict when no pause is active."""
    ensure(user, Permission.HANDLE_CONVERSATIONS)
    why = " ".join(why.split())
    if not why:
        raise InvalidInput("reason: informe o motivo de encerrar a pausa")
    if len(why) > END_REASON_MAX:
        raise InvalidInput(f"reason: o motivo tem no máximo {END_REASON_MAX} caracteres")
    async with in_transaction() as conn:
        active = (
            await DebtPause.filter(customer_id=customer_id, starts_on__lte=today, ends_on__gt=today)
            .using_db(conn)
            .select_for_update()
        )
        if not active:
            raise Conflict("a cobrança deste cliente não está pausada")
        for pause in active:
            before = audit.snapshot(pause)
            if pause.starts_on < today:
                pause.ends_on = today
                await pause.save(using_db=conn, update_fields=["ends_on"])
                after = audit.snapshot(pause, end_reason=why, entry_id=entry_id)
            else:
                await pause.delete(using_db=conn)
                after = {"removed": True, "end_reason": why, "entry_id": entry_id}
            await audit.record(
                user=user,
                action="end",
                entity="debt_pause",
                entity_id=pause.id,
                before=before,
                after=after,
                using_db=conn,
            )
            if pause.ticket_id is not None:
                ticket = await ServiceTicket.get(id=pause.ticket_id, using_db=conn)
                ticket.description = (
                    f"{ticket.description}\nPausa encerrada em {today:%d/%m/%Y} por "
                    f"{user.username}: {why}"
                ).strip()
                await ticket.save(using_db=conn, update_fields=["description"])
    return active
