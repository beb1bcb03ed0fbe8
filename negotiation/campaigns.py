"""Working the call list (Campanha de Ligação): find entries, see them, record results, negotiate.

The API and the console both call these; who may see what is decided here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import (
    Agreement,
    Call,
    Campaign,
    CampaignEntry,
    CollectionStatus,
    ContactRefusal,
    Customer,
    DebtPause,
    EntryResult,
    Receivable,
    ResultType,
    ServiceTicket,
    User,
    clock,
)
from models.enums import (
    OPEN_ENTRY_STATES,
    AgreementStatus,
    Channel,
    ContactActor,
    EntryState,
    MessageDirection,
    ReceivableStatus,
    ResultKind,
    Role,
)
from negotiation import audit, debt_pauses
from negotiation.accept import accept
from negotiation.config import CampaignConfig
from negotiation.contact_policy import decide, record_contact
from negotiation.errors import DebtChanged, InvalidInput, NotFound
from negotiation.offers import (
    CustomerOffer,
    Debt,
    debt_change_note,
    debt_now,
    offers_for_customer,
)
from negotiation.permissions import Permission, allows, ensure


@dataclass(frozen=True)
class EntryFilter:
    campaign_id: int | None = None
    contact_type_id: int | None = None
    agency_id: int | None = None
    day: date | None = None  # the call turn's day, in the ISP's zone
    active: bool | None = None  # the campaign is active
    state: EntryState | None = None


def _visible(user: User):
    """The entries a user may see at all: an agency user only those exported to its agency."""
    query = CampaignEntry.all()
    if user.role == Role.AGENCY:
        query = query.filter(agency_id=user.agency_id, state=EntryState.EXPORTED)
    return query


async def list_entries(
    user: User, where: EntryFilter, tz: ZoneInfo, limit: int = 100, offset: int = 0
) -> list[CampaignEntry]:
    query = _visible(user)
    if where.campaign_id is not None:
        query = query.filter(campaign_id=where.campaign_id)
    if where.contact_type_id is not None:
        query = query.filter(campaign__contact_type_id=where.contact_type_id)
    if where.agency_id is not None:
        query = query.filter(agency_id=where.agency_id)
    if where.active is not None:
        query = query.filter(campaign__active=where.active)
    if where.state is not None:
        query = query.filter(state=where.state)
    if where.day is not None:
        start = datetime.combine(where.day, time.min, tz).astimezone(UTC)
        end = datetime.combine(where.day, time.max, tz).astimezone(UTC)
        query = query.filter(Q(call_at__gte=start) & Q(call_at__lte=end))
    return (
        await query.select_related("customer", "campaign", "agency", "result_type")
        .order_by("call_at", "campaign_id", "position")
        .offset(offset)
        .limit(limit)
    )


async def entry_for(user: User, entry_id: int) -> CampaignEntry:
    """One entry the user may see; others are 'not found', so nothing leaks about them."""
    entry = (
        await _visible(user)
        .get_or_none(id=entry_id)
        .select_related(
            "customer", "campaign", "agency", "result_type", "collection_status", "agreement"
        )
    )
    if entry is None:
        raise NotFound(f"entrada {entry_id} não existe")
    return entry


@dataclass(frozen=True)
class EntryView:
    entry: CampaignEntry
    show_record: bool
    bills: list[Receivable]
    offers: list[CustomerOffer]
    calls: list[Call]
    # While the entry is open: the debt "Negociar" will negotiate, and a note when it is no
    # longer the one the list was built with (the entry keeps that snapshot).
    debt_now: Debt | None = None
    debt_note: str | None = None
    # Why the gate last refused or postponed a contact of this entry (None: never).
    last_refusal: ContactRefusal | None = None
    # Collection of the debtor's debt paused today ("já paguei" being checked, a dispute).
    pause: DebtPause | None = None


async def entry_view(user: User, entry_id: int, today: date) -> EntryView:
    entry = await entry_for(user, entry_id)
    bills = (
        await Receivable.filter(customer_id=entry.customer_id, agreement_id=None)
        .order_by("-due_date")
        .select_related("collection_status")
    )
    offers = []
    now = note = None
    if entry.state in OPEN_ENTRY_STATES:
        offers = await offers_for_customer(entry.customer_id, today, rule_id=entry.rule_id)
        now = await debt_now(entry.customer_id, today)
        note = debt_change_note(Debt(entry.total_debt, entry.receivables_count), now)
    return EntryView(
        entry=entry,
        show_record=allows(user.role, Permission.VIEW_CUSTOMER),
        bills=list(bills),
        offers=offers,
        calls=await Call.filter(entry_id=entry.id).order_by("-created_at", "-id"),
        debt_now=now,
        debt_note=note,
        last_refusal=await ContactRefusal.filter(entry_id=entry.id).order_by("-id").first(),
        pause=await debt_pauses.paused(entry.customer_id, today),
    )


async def end_pause(user: User, entry_id: int, why: str, today: date) -> list[DebtPause]:
    """End early the pause of the entry's debtor (see `debt_pauses.end_pause`)."""
    ensure(user, Permission.HANDLE_CONVERSATIONS)
    entry = await entry_for(user, entry_id)
    return await debt_pauses.end_pause(user, entry.customer_id, why, today, entry_id=entry.id)


async def _audit_entry(user: User, action: str, entry: CampaignEntry, before, conn) -> None:
    await audit.record(
        user=user,
        action=action,
        entity="campaign_entry",
        entity_id=entry.id,
        before=before,
        after=audit.snapshot(entry),
        using_db=conn,
    )


async def start_call(
    user: User, entry_id: int, settings: CampaignConfig, *, now: datetime | None = None
) -> CampaignEntry:
    """An attendant (or the agency the entry was exported to) takes the entry to call now: it
    is in progress until a result comes. The call is a contact: the gate decides whether it
    may happen now (window, opt-out, debt, budget) and records it, counted in the budget."""
    ensure(user, Permission.RECORD_RESULTS)
    now = now or clock.now()
    entry = await entry_for(user, entry_id)
    if entry.state not in (EntryState.PENDING, EntryState.SCHEDULED, EntryState.EXPORTED):
        raise InvalidInput(f"state: a entrada {entry_id} não está aguardando ({entry.state})")
    actor = ContactActor.AGENCY if user.role == Role.AGENCY else ContactActor.ATTENDANT
    # "Reagendar" is the debtor asking to be called then: the quiet days after a
    # conversation do not hold that call back (DESIGN.md §7, "unless the debtor asks").
    asked = entry.result_type is not None and entry.result_type.kind == ResultKind.RESCHEDULE
    before = audit.snapshot(entry)
    async with in_transaction() as conn:
        # The debtor's row locked while deciding and recording, as the dialer does.
        customer = await Customer.select_for_update().using_db(conn).get(id=entry.customer_id)
        decision = await decide(
            customer,
            Channel.VOICE,
            now,
            settings,
            kind="call",
            actor=actor,
            entry_id=entry.id,
            debtor_asked=asked,
        )
        if decision.allowed:
            # Guarded update: two attendants clicking at once, only one takes it.
            taken = (
                await CampaignEntry.filter(id=entry.id, state=entry.state)
                .using_db(conn)
                .update(state=EntryState.IN_PROGRESS)
            )
            if not taken:
                raise InvalidInput(f"state: outra pessoa já pegou a entrada {entry_id}")
            entry.state = EntryState.IN_PROGRESS
            await record_contact(
                customer.id,
                Channel.VOICE,
                actor,
                MessageDirection.OUT,
                entry_id=entry.id,
                user_id=user.id,
                note="ligação do atendente"
                if actor == ContactActor.ATTENDANT
                else "ligação do escritório de cobrança",
                at=now,
                using_db=conn,
            )
            await _audit_entry(user, "start", entry, before, conn)
    # Raised after the transaction, so the gate's reason is kept.
    if not decision.allowed:
        raise InvalidInput(f"start: não é permitido ligar agora ({decision.reason})")
    return entry


def _actor(user: User) -> ContactActor:
    return ContactActor.AGENCY if user.role == Role.AGENCY else ContactActor.ATTENDANT


def _next_state(kind: ResultKind) -> EntryState:
    if kind == ResultKind.RESCHEDULE:
        return EntryState.SCHEDULED
    if kind == ResultKind.UNREACHABLE:
        return EntryState.PENDING  # try again on a later turn
    return EntryState.DONE


async def _agreement_behind(entry: CampaignEntry) -> Agreement:
    """The agreement a "negotiated" result stands for: the entry's own, or an active one of
    the debtor (made on another channel); without one the result would be a false record."""
    if entry.agreement_id is not None:
        return await Agreement.get(id=entry.agreement_id)
    agreement = (
        await Agreement.filter(customer_id=entry.customer_id, status=AgreementStatus.ACTIVE)
        .order_by("-id")
        .first()
    )
    if agreement is None:
        raise InvalidInput(
            "result_type_id: não há acordo feito para este devedor; faça o acordo em "
            '"Negociar" antes de registrar um resultado negociado'
        )
    return agreement


async def record_result(
    user: User,
    entry_id: int,
    *,
    result_type_id: int,
    collection_status_id: int | None = None,
    reschedule_at: datetime | None = None,
    notes: str | None = None,
    ticket_subject: str | None = None,
    ticket_description: str = "",
    now: datetime | None = None,
) -> CampaignEntry:
    """The result form: result type, Status Serasa on the bills, reschedule, notes, ticket."""
    ensure(user, Permission.RECORD_RESULTS)
    now = now or clock.now()
    entry = await entry_for(user, entry_id)
    if entry.state not in OPEN_ENTRY_STATES:
        raise InvalidInput(f"state: a entrada {entry_id} já foi encerrada ({entry.state})")
    result = await ResultType.get_or_none(id=result_type_id, active=True)
    if result is None:
        raise InvalidInput(f"result_type_id: tipo de resultado {result_type_id} não existe")
    status = None
    if collection_status_id is not None:
        status = await CollectionStatus.get_or_none(id=collection_status_id, active=True)
        if status is None:
            raise InvalidInput(
                f"collection_status_id: status de cobrança {collection_status_id} não existe"
            )
    if result.kind == ResultKind.RESCHEDULE:
        if reschedule_at is None:
            raise InvalidInput(f"reschedule_at: '{result.name}' pede a data do novo contato")
        if reschedule_at <= now:
            raise InvalidInput("reschedule_at: a nova data deve estar no futuro")
    elif reschedule_at is not None:
        raise InvalidInput(f"reschedule_at: '{result.name}' não reagenda")
    agreement = await _agreement_behind(entry) if result.kind == ResultKind.NEGOTIATED else None

    before = audit.snapshot(entry)
    async with in_transaction() as conn:
        entry.result_type = result
        if agreement is not None and entry.agreement_id is None:
            entry.agreement = agreement
        entry.notes = notes
        entry.attempts += 1
        entry.state = _next_state(result.kind)
        if reschedule_at is not None:
            entry.reschedule_at = reschedule_at
            entry.call_at = reschedule_at  # the entry moves to its new turn
        if status is not None:
            entry.collection_status = status
            # The Status Serasa goes on the customer's open bills; whether it allows a
            # receipt comes with it (CollectionStatus.allows_receipt).
            await (
                Receivable.filter(customer_id=entry.customer_id, status=ReceivableStatus.OPEN)
                .using_db(conn)
                .update(collection_status_id=status.id)
            )
        await entry.save(using_db=conn)
        await EntryResult.create(
            using_db=conn,
            entry=entry,
            actor=_actor(user),
            user=user,
            result_type=result,
            collection_status=status,
            notes=notes,
            recorded_at=now,
        )
        if ticket_subject:
            ticket = await ServiceTicket.create(
                using_db=conn,
                customer_id=entry.customer_id,
                entry=entry,
                opened_by=user,
                subject=ticket_subject,
                description=ticket_description,
            )
            await audit.record(
                user=user,
                action="create",
                entity="service_ticket",
                entity_id=ticket.id,
                after=audit.snapshot(ticket),
                using_db=conn,
            )
        await _audit_entry(user, "result", entry, before, conn)
    return entry


async def _chosen_offer(
    entry: CampaignEntry,
    condition_id: int,
    option_id: int,
    today: date,
    down_payment: Decimal | None,
) -> CustomerOffer:
    if entry.state not in OPEN_ENTRY_STATES:
        raise InvalidInput(f"state: a entrada {entry.id} já foi encerrada ({entry.state})")
    offers = await offers_for_customer(
        entry.customer_id, today, rule_id=entry.rule_id, down_payment=down_payment
    )
    chosen = next(
        (
            o
            for o in offers
            if o.quote.condition_id == condition_id and o.quote.option_id == option_id
        ),
        None,
    )
    if chosen is None:
        raise InvalidInput("option_id: este parcelamento não é oferecido a este cliente hoje")
    if down_payment is not None and chosen.offer.down_payment is None:
        raise InvalidInput("down_payment: este parcelamento não tem entrada")
    return chosen


async def review_offer(
    user: User,
    entry_id: int,
    *,
    condition_id: int,
    option_id: int,
    today: date,
    down_payment: Decimal | None = None,
) -> CustomerOffer:
    """The offer an attendant picked, as the agreement would be made from it now (the
    confirmation step shows it; nothing is written)."""
    ensure(user, Permission.NEGOTIATE)
    entry = await entry_for(user, entry_id)
    return await _chosen_offer(entry, condition_id, option_id, today, down_payment)


async def negotiate(
    user: User,
    entry_id: int,
    *,
    condition_id: int,
    option_id: int,
    today: date,
    down_payment: Decimal | None = None,
    confirmed_total: Decimal | None = None,
    settings: CampaignConfig,
) -> Agreement:
    """Accept one of the entry's offers: the agreement, and the entry done.

    `confirmed_total` is the total a person confirmed on screen: an offer that no longer comes
    to it (the debt changed in between) is refused rather than made behind their back."""
    ensure(user, Permission.NEGOTIATE)
    entry = await entry_for(user, entry_id)
    chosen = await _chosen_offer(entry, condition_id, option_id, today, down_payment)
    if confirmed_total is not None and chosen.offer.total != confirmed_total:
        raise DebtChanged(
            "a oferta mudou desde a confirmação (a dívida foi alterada); confira de novo"
        )
    channel = Channel.AGENCY if user.role == Role.AGENCY else Channel.CONSOLE
    negotiated = await ResultType.filter(kind=ResultKind.NEGOTIATED, active=True).first()
    before = audit.snapshot(entry)

    async def close_entry(conn, agreement: Agreement) -> None:
        entry.agreement = agreement
        entry.state = EntryState.DONE
        entry.attempts += 1
        if negotiated is not None:
            entry.result_type = negotiated
        await entry.save(using_db=conn)
        await EntryResult.create(
            using_db=conn,
            entry=entry,
            actor=_actor(user),
            user=user,
            result_type=negotiated,
            agreement=agreement,
            recorded_at=agreement.created_at,
        )
        await _audit_entry(user, "negotiate", entry, before, conn)

    agreement = await accept(
        chosen.quote, channel=channel, today=today, user=user, also=close_entry, settings=settings
    )
    return agreement


async def campaigns(user: User) -> list[Campaign]:
    query = Campaign.all().select_related("rule", "contact_type")
    if user.role == Role.AGENCY:
        query = query.filter(entries__agency_id=user.agency_id).distinct()
    return await query
