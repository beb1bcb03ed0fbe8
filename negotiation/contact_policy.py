"""The contact gate (DESIGN.md §7): may we contact this debtor, now, on this channel? And
the record of every contact, whoever makes it (robot, bot, attendant, agency).

This module is the only writer of `ContactAttempt` rows and of the opt-out columns of
`Customer` (tests/negotiation/test_contact_writes.py keeps it so). `decide` asks the
questions below and keeps why a contact was refused or postponed (a `ContactRefusal` row with
the reason's code, and the audit log, actor "contact_gate"); `record_contact` stores a
contact, `record_outcome` what came of it, and `record_opt_out` a debtor's "SAIR".

Four checks, in this order, each one a refusal with a reason in pt-BR for the logs and the
console:

1. Opt-outs: `Customer.opted_out_at` silences every channel; `no_calls`, `no_sms`,
   `no_email` and `no_telegram` silence voice, SMS, e-mail and Telegram.
2. The debt, read again from the database right before the contact (a paid bill is never
   collected): the debtor must still have at least one receivable with status "open" whose
   due date is before today (in the ISP's time zone). Overdue unpaid installments of an
   agreement are such receivables too. Agreement reminders (`kind="reminder"`) are about a
   bill not yet due, so they skip this check (and only this one). Collection paused
   (`negotiation.debt_pauses`: "já paguei" being checked, a dispute) refuses every contact
   but a reply until the pause ends (reason "paused").
3. The calling window of the debtor's state (`DEFAULT_WINDOWS`, or the ISP's stored one;
   negotiation/contact_windows.py), in the debtor's own local time (`zone_for`: AM, RR, RO,
   MT, MS and AC are behind Brasília;
   a debtor without a known state gets the ISP's zone): never on Sundays, national or state
   holidays of the debtor's state, or the ISP's stored extra holidays (the state's, and the
   municipal ones of the debtor's city).
4. One budget per debtor across every channel and actor, over `ContactAttempt` rows read
   with a single aggregate query: at most `contact_max_attempts` outbound attempts in the
   last `contact_window_days`; none in the `contact_quiet_days_after_talk` days after a
   contact whose outcome was a conversation or an agreement (either direction) unless the
   debtor asked for it; for messages and reminders, at most `contact_max_messages_per_day`
   outbound messages (Telegram, SMS, e-mail) on the same local calendar day. Contacts the
   debtor starts (direction "in") never count against the attempts or the messages.

A refusal that time will lift carries `retry_at`: the next moment the contact would be
allowed by that rule, moved into the calling window.

A "reply" (kind) answers something the debtor did (a payment's thank-you): it is checked for
opt-outs and the window only, and is recorded as a contact the debtor started, so it never
spends the budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from tortoise.expressions import Q
from tortoise.functions import Count, Max, Min

from models import AuditLog, CampaignEntry, ContactAttempt, ContactRefusal, Customer, Receivable
from models.enums import (
    Channel,
    ContactActor,
    ContactOutcome,
    MessageDirection,
    ReceivableStatus,
    RefusalReason,
)
from negotiation import audit, debt_pauses
from negotiation.config import ContactRules

# The windows, zones and holidays live in contact_windows; these names stay importable here.
from negotiation.contact_windows import (  # noqa: F401
    DEFAULT_WINDOWS,
    FALLBACK_WINDOW,
    Window,
    calendar,
    holiday_name,
    local,
    next_window_start,
    window_check,
    window_for,
    window_refusal,
    within_window,
    zone_for,
)

ContactKind = Literal["call", "message", "reminder", "reply"]
KINDS = ("call", "message", "reminder", "reply")

# Channels whose outbound contacts are "messages" for the daily message limit.
MESSAGE_CHANNELS = (Channel.TELEGRAM, Channel.SMS, Channel.EMAIL)
# Outcomes that are a real conversation with the debtor: the quiet days follow them.
TALK_OUTCOMES = (ContactOutcome.CONVERSATION, ContactOutcome.AGREEMENT)
# The per-channel opt-out flag of the customer.
_CHANNEL_FLAGS = {
    Channel.VOICE: "no_calls",
    Channel.SMS: "no_sms",
    Channel.EMAIL: "no_email",
    Channel.TELEGRAM: "no_telegram",
}
# How the reason names a channel the debtor turned off (pt-BR).
_CHANNEL_NAMES = {
    Channel.VOICE: "ligação",
    Channel.SMS: "SMS",
    Channel.EMAIL: "e-mail",
    Channel.TELEGRAM: "Telegram",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # pt-BR, for the logs and the console
    retry_at: datetime | None = None  # when a refusal that time lifts would allow it
    code: RefusalReason | None = None  # why not, as a code (None when allowed)

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED_REASON = "contato permitido"
# The columns of `Customer` that hold the debtor's opt-outs (read by `opt_out_refusal`).
OPT_OUT_FIELDS = ("opted_out_at", *_CHANNEL_FLAGS.values())


def opt_out_refusal(customer: Customer | Mapping[str, Any], channel: Channel) -> str | None:
    """Why the debtor's own choice forbids a contact on `channel` ("SAIR" silences every
    channel), or None. `customer` is the row or a mapping of `OPT_OUT_FIELDS`; the sends an
    attendant asks for (negotiation/delivery.py) ask this too, not only `may_contact`."""
    get = customer.get if isinstance(customer, Mapping) else customer.__getattribute__
    if get("opted_out_at") is not None:
        return "cliente pediu para não ser contatado"
    flag = _CHANNEL_FLAGS.get(Channel(channel))
    if flag and get(flag):
        return f"cliente pediu para não ser contatado por {_CHANNEL_NAMES[Channel(channel)]}"
    return None


async def may_contact(
    customer: Customer,
    channel: Channel,
    now: datetime,
    settings: ContactRules,
    *,
    kind: ContactKind,
    overrides: Mapping[str, Window] | None = None,
    extra_holidays: Iterable[date] = (),
    debtor_asked: bool = False,
) -> Decision:
    """May we contact `customer` at `now` (aware) on `channel`? See the module's docstring.

    The opt-out flags and the state are read again from the database (the `customer` row
    may be stale): three small queries in all, the last one a single aggregate.
    `settings`: the timezone and the `contact_*` budget.
    This only decides; `decide` also keeps the reason of a refusal.

    The ISP's stored windows and holidays (`contact_windows.calendar()`) always hold:
    `overrides` and `extra_holidays` are added on top of them (a caller rarely needs them).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown contact kind {kind!r}")
    flags = ["state", "city", *OPT_OUT_FIELDS]
    row = await Customer.filter(id=customer.id).values(*flags)
    if not row:
        return Decision(False, "cliente não encontrado", code=RefusalReason.NOT_FOUND)
    fresh = row[0]
    tz = zone_for(fresh["state"], settings.timezone)
    local_now = local(now, tz)

    # 1. Opt-outs.
    refusal = opt_out_refusal(fresh, channel)
    if refusal:
        return Decision(False, refusal, code=RefusalReason.OPTED_OUT)

    # 2. The debt, again (a reminder is about a bill not yet due, a reply about a payment).
    if kind in ("call", "message"):
        still_owes = await Receivable.filter(
            customer_id=customer.id,
            status=ReceivableStatus.OPEN,
            due_date__lt=local_now.date(),
        ).exists()
        if not still_owes:
            return Decision(False, "dívida já paga ou negociada", code=RefusalReason.DEBT_PAID)

    # 3. The calling window: the ISP's stored windows and holidays, then the caller's.
    state = fresh["state"]
    stored = await calendar()
    extra: dict[date, str | None] = {**stored.extra_for(state, fresh["city"])}
    extra.update(dict.fromkeys(d for d in extra_holidays if d not in extra))
    window = {"overrides": {**stored.windows, **(overrides or {})}, "extra_holidays": extra}
    # 2b. Collection paused ("já paguei" being checked, a dispute): until the pause ends.
    if kind != "reply" and (pause := await debt_pauses.paused(customer.id, local_now.date())):
        midnight = datetime.combine(pause.ends_on, time(0), tzinfo=tz)
        retry = next_window_start(state, midnight, tz, **window)
        return Decision(False, debt_pauses.describe(pause), retry, code=RefusalReason.PAUSED)

    refusal = window_check(state, local_now, tz, **window)
    if refusal:
        retry = next_window_start(state, local_now, tz, **window)
        return Decision(False, refusal[1], retry, code=refusal[0])

    # 4. The contact budget, one aggregate query over every channel. A reply does not spend
    # it: the debtor started the exchange.
    if kind == "reply":
        return Decision(True, ALLOWED_REASON)
    reasons, retries = await _budget(
        customer.id, local_now, settings, kind=kind, debtor_asked=debtor_asked
    )
    if reasons:
        retry = max(retries) if len(retries) == len(reasons) else None
        if retry is not None:
            retry = next_window_start(state, retry, tz, **window)
        code, text = reasons[0]
        return Decision(False, text, retry, code=code)
    return Decision(True, ALLOWED_REASON)


async def _budget(
    customer_id: int, local_now: datetime, settings: ContactRules, *, kind: str, debtor_asked: bool
) -> tuple[list[tuple[RefusalReason, str]], list[datetime]]:
    """The budget's refusals (first one wins) and when each lifts (UTC)."""
    now = local_now.astimezone(UTC)
    attempts_since = now - timedelta(days=settings.contact_window_days)
    quiet_since = now - timedelta(days=settings.contact_quiet_days_after_talk)
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    out = Q(direction=MessageDirection.OUT)
    counted = out & Q(created_at__gt=attempts_since)
    talk = Q(outcome__in=TALK_OUTCOMES, created_at__gt=quiet_since)
    messages = out & Q(channel__in=MESSAGE_CHANNELS, created_at__gte=day_start)
    rows = (
        await ContactAttempt.filter(
            customer_id=customer_id, created_at__gte=min(attempts_since, quiet_since, day_start)
        )
        .annotate(
            attempts=Count("id", _filter=counted),
            oldest=Min("created_at", _filter=counted),
            last_talk=Max("created_at", _filter=talk),
            messages=Count("id", _filter=messages),
        )
        .order_by()
        .values("attempts", "oldest", "last_talk", "messages")
    )
    agg = rows[0] if rows else {}
    reasons: list[tuple[RefusalReason, str]] = []
    retries: list[datetime] = []
    if (agg.get("attempts") or 0) >= settings.contact_max_attempts:
        reasons.append(
            (
                RefusalReason.BUDGET,
                f"limite de {settings.contact_max_attempts} tentativas "
                f"em {settings.contact_window_days} dias",
            )
        )
        # When the oldest counted attempt leaves the window (exact when the limit is just
        # reached; with more rows than the limit the re-check then reschedules again).
        retries.append(_aware(agg["oldest"]) + timedelta(days=settings.contact_window_days))
    if agg.get("last_talk") is not None and not debtor_asked:
        reasons.append((RefusalReason.QUIET_DAYS, "conversa recente"))
        retries.append(
            _aware(agg["last_talk"]) + timedelta(days=settings.contact_quiet_days_after_talk)
        )
    if kind in ("message", "reminder") and (
        (agg.get("messages") or 0) >= settings.contact_max_messages_per_day
    ):
        reasons.append((RefusalReason.BUDGET, "já recebeu mensagem hoje"))
        if settings.contact_max_messages_per_day > 0:
            next_day = (local_now + timedelta(days=1)).date()
            retries.append(datetime.combine(next_day, time(0), tzinfo=local_now.tzinfo))
    return reasons, retries


def _aware(value: datetime | str) -> datetime:
    # Aggregates come back as datetimes; be lenient with a driver that returns text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def record_contact(
    customer_id: int,
    channel: Channel,
    actor: ContactActor,
    direction: MessageDirection,
    outcome: ContactOutcome = ContactOutcome.ATTEMPTED,
    *,
    entry_id: int | None = None,
    user_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
    using_db: Any = None,
) -> ContactAttempt:
    """Store one contact (the budget counts it). `at` defaults to now; imports pass it."""
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "channel": Channel(channel),
        "actor": ContactActor(actor),
        "direction": MessageDirection(direction),
        "outcome": ContactOutcome(outcome),
        "entry_id": entry_id,
        "user_id": user_id,
        "note": note[:255] if note else note,
    }
    if at is not None:
        values["created_at"] = local(at, UTC)
    return await ContactAttempt.create(using_db=using_db, **values)


# --- the gate: decide and keep why, record contacts, outcomes and opt-outs --------------

GATE_ACTOR = "contact_gate"  # the audit log's actor of the gate's own rows


async def decide(
    customer: Customer,
    channel: Channel,
    now: datetime,
    settings: ContactRules,
    *,
    kind: ContactKind,
    actor: ContactActor,
    entry_id: int | None = None,
    debtor_asked: bool = False,
    overrides: Mapping[str, Window] | None = None,
    extra_holidays: Iterable[date] = (),
    rule_id: int | None = None,
) -> Decision:
    """`may_contact`, and a refusal kept: a `ContactRefusal` row (the reason's code, the
    sentence, channel, actor, kind, entry and rule — the entry's own rule unless `rule_id` is
    given) and an audit row, "contact_postponed" when time lifts it (`retry_at`), else
    "contact_refused".

    A refusal that repeats (the same as the last one kept for the debtor) is kept once, so a
    job asking every few minutes through a night does not fill the tables.
    """
    decision = await may_contact(
        customer,
        channel,
        now,
        settings,
        kind=kind,
        overrides=overrides,
        extra_holidays=extra_holidays,
        debtor_asked=debtor_asked,
    )
    if not decision.allowed:
        await _keep_refusal(customer.id, channel, actor, kind, decision, entry_id, rule_id)
    return decision


async def _keep_refusal(
    customer_id: int,
    channel: Channel,
    actor: ContactActor,
    kind: str,
    decision: Decision,
    entry_id: int | None,
    rule_id: int | None,
) -> None:
    action = "contact_refused" if decision.retry_at is None else "contact_postponed"
    after = audit.plain(
        {
            "channel": Channel(channel),
            "actor": ContactActor(actor),
            "kind": kind,
            "reason": decision.reason,
            "retry_at": decision.retry_at,
            "entry_id": entry_id,
        }
    )
    if decision.code is None or decision.code == RefusalReason.NOT_FOUND:
        # No customer row to hang a refusal on: the audit log alone keeps it.
        last = (
            await AuditLog.filter(entity="customer", entity_id=str(customer_id), actor=GATE_ACTOR)
            .order_by("-id")
            .first()
            .values("action", "after")
        )
        if not (last and last["action"] == action and last["after"] == after):
            await audit.record(
                user=None,
                actor=GATE_ACTOR,
                action=action,
                entity="customer",
                entity_id=customer_id,
                after=after,
            )
        return
    if rule_id is None and entry_id is not None:
        rule_id = await CampaignEntry.filter(id=entry_id).first().values_list("rule_id", flat=True)
    values = {
        "channel": Channel(channel),
        "actor": ContactActor(actor),
        "kind": kind,
        "reason": decision.code,
        "detail": decision.reason[:255],
        "retry_at": decision.retry_at,
        "entry_id": entry_id,
        "rule_id": rule_id,
    }
    last = (
        await ContactRefusal.filter(customer_id=customer_id).order_by("-id").first().values(*values)
    )
    if last and all(last[k] == v for k, v in values.items()):
        return
    await ContactRefusal.create(customer_id=customer_id, **values)
    await audit.record(
        user=None,
        actor=GATE_ACTOR,
        action=action,
        entity="customer",
        entity_id=customer_id,
        after=after,
    )


async def record_reply(
    customer_id: int,
    channel: Channel,
    actor: ContactActor,
    *,
    note: str,
    entry_id: int | None = None,
    user_id: int | None = None,
    at: datetime | None = None,
) -> ContactAttempt:
    """A message that answers something the debtor did (the instruments of the agreement they
    just made, a payment's thank-you): on their record, as part of a contact they started
    (direction "in"), so it never spends the budget."""
    return await record_contact(
        customer_id,
        channel,
        actor,
        MessageDirection.IN,
        entry_id=entry_id,
        user_id=user_id,
        note=note,
        at=at,
    )


async def record_outcome(
    customer_id: int,
    note: str,
    outcome: ContactOutcome,
    *,
    channel: Channel,
    actor: ContactActor,
    entry_id: int | None = None,
    at: datetime | None = None,
    create_missing: bool = False,
    using_db: Any = None,
) -> None:
    """What came of the contact recorded with `note` (a call's end). Without that row, one is
    recorded when `create_missing` (an outbound contact whose start was not recorded)."""
    updated = (
        await ContactAttempt.filter(customer_id=customer_id, note=note)
        .using_db(using_db)
        .update(outcome=ContactOutcome(outcome))
    )
    if not updated and create_missing:
        await record_contact(
            customer_id,
            channel,
            actor,
            MessageDirection.OUT,
            outcome,
            entry_id=entry_id,
            note=note,
            at=at,
            using_db=using_db,
        )


async def record_opt_out(
    now: datetime,
    channel: Channel,
    *,
    customer_id: int | None = None,
    address: str | None = None,
) -> bool:
    """The debtor's "SAIR" (any channel): no contact on any channel from `now` on. Found by id,
    or, before the dialog knows who it is, by the debtor's `address` on `channel` (the chat
    id on Telegram). Audited; True when it changed something (not already out)."""
    query = Customer.filter(opted_out_at__isnull=True)
    if customer_id is not None:
        query = query.filter(id=customer_id)
    elif address and Channel(channel) == Channel.TELEGRAM and address.lstrip("-").isdigit():
        query = query.filter(telegram_chat_id=int(address))
    else:
        return False
    changed = False
    for found in await query.values_list("id", flat=True):
        # Guarded: of two "SAIR" at once, one writes (and is audited).
        if await Customer.filter(id=found, opted_out_at__isnull=True).update(opted_out_at=now):
            await audit.record(
                user=None,
                actor=GATE_ACTOR,
                action="opt_out",
                entity="customer",
                entity_id=found,
                after={"channel": Channel(channel), "at": now},
            )
            changed = True
    return changed
