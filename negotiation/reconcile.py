"""Reconciliation: a payment settles its receivable; the last installment fulfils the agreement.

Every way a payment arrives (Pix webhook, bank file, admin API) ends here, so the rules are
written once: idempotent on the payment's id at its source, nothing half-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tortoise.transactions import in_transaction

from models import Agreement, AgreementReceivable, Payment, Receivable, User, clock
from models.enums import AgreementStatus, PaymentSource, ReceivableStatus
from negotiation import audit, events
from negotiation.errors import InvalidInput, NotFound
from negotiation.permissions import Permission, ensure


@dataclass(frozen=True)
class Settlement:
    payment: Payment
    replayed: bool  # the same payment had already been recorded: nothing changed
    agreement_fulfilled: bool


async def record_payment(
    receivable_id: int,
    amount: Decimal,
    paid_at: datetime,
    source: PaymentSource,
    *,
    external_id: str | None = None,
    user: User | None = None,
) -> Settlement:
    """Settle an open receivable. A second delivery of the same payment changes nothing.
    A person's payment needs the permission; the PSP's webhook and file imports have no user."""
    if user is not None:
        ensure(user, Permission.RECORD_PAYMENTS)
    if amount <= 0:
        raise InvalidInput("amount: o valor pago deve ser maior que zero")
    if paid_at.tzinfo is None:
        raise InvalidInput("paid_at: informe a data e hora com o fuso")
    async with in_transaction() as conn:
        receivable = (
            await Receivable.select_for_update().using_db(conn).get_or_none(id=receivable_id)
        )
        if receivable is None:
            raise NotFound(f"conta a receber {receivable_id} não existe")
        # Checked under the bill's lock, so a delivery racing the first one sees it.
        if external_id is not None:
            seen = await Payment.get_or_none(source=source, external_id=external_id).using_db(conn)
            if seen is not None:
                return Settlement(seen, replayed=True, agreement_fulfilled=False)
        if receivable.status != ReceivableStatus.OPEN:
            raise InvalidInput(
                f"receivable_id: a conta {receivable_id} não está em aberto ({receivable.status})"
            )
        if amount < receivable.amount:
            raise InvalidInput(
                f"amount: {amount} é menor que o valor da conta ({receivable.amount}); "
                "pagamento parcial não quita a parcela"
            )
        payment = await Payment.create(
            using_db=conn,
            receivable=receivable,
            amount=amount,
            paid_at=paid_at,
            source=source,
            external_id=external_id,
            recorded_by=user,
        )
        # Guarded: a concurrent settlement of the same bill flips it once.
        flipped = (
            await Receivable.filter(id=receivable.id, status=ReceivableStatus.OPEN)
            .using_db(conn)
            .update(status=ReceivableStatus.PAID, paid_at=paid_at)
        )
        if flipped != 1:
            raise InvalidInput(f"receivable_id: a conta {receivable_id} acabou de ser paga")
        fulfilled = False
        if receivable.agreement_id is not None:
            # A payment ends a run of misses (the break policy counts consecutive ones).
            await Agreement.filter(id=receivable.agreement_id).using_db(conn).update(misses=0)
            fulfilled = await _fulfil_if_complete(conn, receivable.agreement_id, paid_at)
        if receivable.agreement_id is not None:
            await events.emit(
                conn,
                "installment.paid",
                {
                    "agreement_id": receivable.agreement_id,
                    "receivable_id": receivable.id,
                    "installment_number": receivable.installment_number,
                    "amount": amount,
                    "paid_at": paid_at,
                },
            )
        if fulfilled:
            await events.emit(
                conn, "agreement.fulfilled", {"agreement_id": receivable.agreement_id}
            )
        await audit.record(
            user=user,
            actor=None if user else f"payment:{source}",
            action="payment",
            entity="receivable",
            entity_id=receivable.id,
            after={
                "amount": amount,
                "paid_at": paid_at,
                "source": source,
                "external_id": external_id,
                "agreement_fulfilled": fulfilled,
            },
            using_db=conn,
        )
    return Settlement(payment, replayed=False, agreement_fulfilled=fulfilled)


async def _fulfil_if_complete(conn, agreement_id: int, paid_at: datetime) -> bool:
    """All installments paid: the agreement is fulfilled and its original bills are paid."""
    unpaid = (
        await Receivable.filter(agreement_id=agreement_id, status=ReceivableStatus.OPEN)
        .using_db(conn)
        .exists()
    )
    if unpaid:
        return False
    changed = (
        await Agreement.filter(id=agreement_id, status=AgreementStatus.ACTIVE)
        .using_db(conn)
        .update(status=AgreementStatus.FULFILLED, status_changed_at=clock.now())
    )
    if not changed:
        return False
    originals = (
        await AgreementReceivable.filter(agreement_id=agreement_id)
        .using_db(conn)
        .values_list("receivable_id", flat=True)
    )
    await (
        Receivable.filter(id__in=list(originals), status=ReceivableStatus.NEGOTIATED)
        .using_db(conn)
        .update(status=ReceivableStatus.PAID, paid_at=paid_at)
    )
    return True
