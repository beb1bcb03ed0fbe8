"""Rule actions that send messages (Ações de Cobrança: e-mail, SMS, Telegram), run by the
service's background jobs and by `quita outreach`.

For every active action of an active rule, the debtors of the rule's latest finished run
whose entry is still being worked (pending, scheduled, in progress: not done, negotiated,
cancelled or exported) get the action's message once their oldest open bill is at least
`days_late` days late (None: at once), and only once per debt episode: the episode is the id
of the debtor's latest broken agreement (0 when none), so a new break sends it again.

Each send is an `ActionSend` row, unique per action, debtor and episode, inserted before
anything else: of two workers, the one whose insert succeeds sends, the other moves on. The
contact gate (negotiation.contact_policy.decide) is asked with the debtor's row locked, and
the contact is recorded in the same transaction, so two actions of one debtor never both pass
the day's message limit. A postponed decision (outside the window, the budget) is tried again
from its `retry_at`; a refusal time cannot lift (opted out, debt paid) is final, as is a
debtor with nowhere to send it (no e-mail, no phone, no linked Telegram). A failed send is
tried again later, up to `MAX_TRIES`, unless the provider said it can never work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.functions import Max, Min, Sum
from tortoise.transactions import in_transaction

from models import (
    ActionSend,
    Agreement,
    Campaign,
    CampaignEntry,
    CollectionAction,
    Customer,
    CustomerPhone,
    MessageTemplate,
    Receivable,
    RuleRun,
    clock,
)
from models.enums import (
    ActionKind,
    ActionSendStatus,
    AgreementStatus,
    Channel,
    ContactActor,
    ContactOutcome,
    DeliveryChannel,
    EntryState,
    MessageAuthor,
    MessageDirection,
    ReceivableStatus,
    RunStatus,
)
from negotiation import conversations
from negotiation.config import RuleActionConfig
from negotiation.contact_policy import decide, record_contact, record_outcome
from negotiation.deep_links import bot_link, make_link_token
from negotiation.errors import SendError
from negotiation.message_templates import Debtor, Rendered, render, values_for, variables_in
from negotiation.outbound import OutgoingMessage, Sender
from negotiation.payment_links import payment_url
from negotiation.rendering import render as render_file

log = logging.getLogger("quita.rule_actions")

# Sends texts to a Telegram chat, in order (negotiation.outreach.ChatSend).
ChatSend = Callable[[int, list[str]], Awaitable[None]]

CHANNELS = {
    ActionKind.EMAIL: DeliveryChannel.EMAIL,
    ActionKind.SMS: DeliveryChannel.SMS,
    ActionKind.TELEGRAM: DeliveryChannel.TELEGRAM,
}
# Entries still worked by the ISP itself (an exported one is the agency's).
WORKED_STATES = (EntryState.PENDING, EntryState.SCHEDULED, EntryState.IN_PROGRESS)
LEASE = timedelta(minutes=15)  # a claim older than this was a crashed worker's
RETRY_AFTER_FAILURE = timedelta(minutes=30)
MAX_TRIES = 3
BATCH = 500
CONCURRENCY = 4  # Tortoise's asyncpg pool holds 5 connections by default
_CHANNEL_NAMES = {
    DeliveryChannel.EMAIL: "e-mail",
    DeliveryChannel.SMS: "SMS",
    DeliveryChannel.TELEGRAM: "Telegram",
}


@dataclass
class Tally:
    sent: int = 0
    postponed: int = 0
    refused: int = 0
    skipped: int = 0  # nowhere to send it
    failed: int = 0

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def line(self) -> str:
        return ", ".join(f"{getattr(self, f.name)} {f.name}" for f in fields(self))


@dataclass(frozen=True)
class Outlets:
    """How messages leave: the e-mail and SMS senders, and the Telegram chat send."""

    senders: Mapping[str, Sender]
    chat_send: ChatSend | None = None

    def has(self, channel: DeliveryChannel) -> bool:
        if channel == DeliveryChannel.TELEGRAM:
            return self.chat_send is not None
        return channel in self.senders


@dataclass(frozen=True)
class _Debt:
    total: Decimal
    oldest: date


async def run_actions(
    outlets: Outlets,
    settings: RuleActionConfig,
    now: datetime | None = None,
    *,
    batch: int = BATCH,
    concurrency: int = CONCURRENCY,
) -> Tally:
    """One pass over every active message action; what happened, counted. On PostgreSQL,
    up to `concurrency` debtors are handled at once (keep it within the connection pool)."""
    now = now or clock.now()
    today = now.astimezone(settings.tz).date()
    tally = Tally()
    actions = (
        await CollectionAction.filter(active=True, rule__active=True, kind__in=list(CHANNELS))
        .select_related("message_template")
        .order_by("rule_id", "id")
    )
    defaults: dict[DeliveryChannel, MessageTemplate | None] = {}
    for action in actions:
        channel = CHANNELS[ActionKind(action.kind)]
        if not outlets.has(channel):
            log.warning("action %s: sending by %s is not configured", action.id, channel)
            continue
        template = action.message_template
        if template is not None and not template.active:
            log.warning("action %s: its template %s is inactive", action.id, template.id)
            continue
        if template is None:
            if channel not in defaults:
                defaults[channel] = (
                    await MessageTemplate.filter(channel=channel, active=True)
                    .order_by("id")
                    .first()
                )
            template = defaults[channel]
        if template is None and channel != DeliveryChannel.TELEGRAM:
            log.warning("action %s: no %s template to send", action.id, channel)
            continue
        campaign_id = await latest_campaign(action.rule_id)
        if campaign_id is None:
            continue
        job = _Job(action, channel, template, outlets, settings, now, today, concurrency)
        async for page in _due_entries(action, campaign_id, today, batch):
            await job.run_page(page, tally)
    return tally


async def sends_of(entry_id: int) -> list[ActionSend]:
    """The rule actions' messages to an entry's debtor, newest first (the entry page)."""
    return list(await ActionSend.filter(entry_id=entry_id).order_by("-updated_at", "-id"))


async def latest_campaign(rule_id: int) -> int | None:
    """The campaign of the rule's latest finished run (None: never run)."""
    run = (
        await RuleRun.filter(rule_id=rule_id, status=RunStatus.FINISHED)
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None:
        return None
    found = await Campaign.filter(run_id=run.id).values_list("id", flat=True)
    return found[0] if found else None


async def _due_entries(
    action: CollectionAction, campaign_id: int, today: date, batch: int
) -> AsyncIterator[list[CampaignEntry]]:
    query = CampaignEntry.filter(
        campaign_id=campaign_id, state__in=WORKED_STATES, agreement_id__isnull=True
    )
    if action.days_late is not None:
        # The run's oldest due date narrows the pages; the debt read fresh decides.
        query = query.filter(oldest_due_date__lte=today - timedelta(days=action.days_late))
    last = 0
    while True:
        page = (
            await query.filter(id__gt=last).order_by("id").limit(batch).select_related("customer")
        )
        if not page:
            return
        last = page[-1].id
        yield page


class _Job:
    """One action's pass: what it sends and through what, and each debtor's send."""

    def __init__(
        self, action, channel, template, outlets, settings, now, today, concurrency
    ) -> None:
        self.concurrency: int = concurrency
        self.action: CollectionAction = action
        self.channel: DeliveryChannel = channel
        self.template: MessageTemplate | None = template
        self.outlets: Outlets = outlets
        self.settings: RuleActionConfig = settings
        self.now: datetime = now
        self.today: date = today
        self.uses = set()
        if template is not None:
            for part in (template.text, template.subject or "", template.html or ""):
                self.uses |= variables_in(part)

    async def run_page(self, page: list[CampaignEntry], tally: Tally) -> None:
        ids = [e.customer_id for e in page]
        debts = await _debts(ids, self.today)
        episodes = await _episodes(ids)
        sends = {
            (row["customer_id"], row["episode"]): row
            for row in await ActionSend.filter(
                action_id=self.action.id, customer_id__in=ids
            ).values("id", "customer_id", "episode", "status", "retry_at")
        }
        phones = await _mobiles(ids) if self.channel == DeliveryChannel.SMS else {}
        due = []
        for entry in page:
            debt = debts.get(entry.customer_id)
            if (
                debt is not None
                and self.action.days_late is not None
                and (self.today - debt.oldest).days < self.action.days_late
            ):
                continue  # not that late any more (an older bill was paid)
            episode = episodes.get(entry.customer_id, 0)
            seen = sends.get((entry.customer_id, episode))
            if seen is not None and not _due_again(seen, self.now):
                continue
            due.append((entry, episode, seen, debt, phones.get(entry.customer_id)))
        # A page holds each debtor once, so its debtors may go at the same time (each on its
        # own connection of the pool); the time of a send is mostly waiting for the database
        # and the provider. SQLite has one connection: one at a time there.
        sqlite = connections.get("default").capabilities.dialect == "sqlite"
        gate = asyncio.Semaphore(1 if sqlite else self.concurrency)

        async def one(args) -> str | None:
            async with gate:
                try:
                    return await self._debtor(*args)
                except Exception:
                    # One debtor's unexpected error does not stop the others; the claim's
                    # lease lets a later pass try again.
                    log.exception("action %s, customer %s", self.action.id, args[0].customer_id)
                    return "failed"

        for outcome in await asyncio.gather(*(one(args) for args in due)):
            if outcome is not None:
                setattr(tally, outcome, getattr(tally, outcome) + 1)

    async def _debtor(
        self,
        entry: CampaignEntry,
        episode: int,
        seen: dict | None,
        debt: _Debt | None,
        phone: str | None,
    ) -> str | None:
        """One debtor: claim, ask the gate, record the contact (one transaction, one commit),
        then send and mark the send with its timeline message (a second one)."""
        customer = entry.customer
        channel = Channel(self.channel)
        try:
            async with in_transaction() as conn:
                send = await self._claim(entry, episode, seen, conn)
                if send is None:
                    return None
                recipient = _address(customer, self.channel, phone)
                if recipient is None:
                    reason = _no_address(self.channel)
                    return await _finish(send, ActionSendStatus.SKIPPED, reason, conn, self.now)
                # Locked while deciding and recording: another action of this debtor waits,
                # then sees this contact in the budget.
                await Customer.select_for_update().using_db(conn).get(id=customer.id)
                decision = await decide(
                    customer,
                    channel,
                    self.now,
                    self.settings,
                    kind="message",
                    actor=ContactActor.BOT,
                    entry_id=entry.id,
                )
                if not decision.allowed:
                    if decision.retry_at is None:
                        return await _finish(
                            send, ActionSendStatus.REFUSED, decision.reason, conn, self.now
                        )
                    return await _finish(
                        send,
                        ActionSendStatus.POSTPONED,
                        decision.reason,
                        conn,
                        self.now,
                        retry_at=decision.retry_at,
                    )
                note = _note(self.channel, send.id)
                await record_contact(
                    customer.id,
                    channel,
                    ContactActor.BOT,
                    MessageDirection.OUT,
                    entry_id=entry.id,
                    note=note,
                    at=self.now,
                    using_db=conn,
                )
        except IntegrityError:
            return None  # another worker inserted the claim first
        message = await self._compose(customer, entry, debt)
        try:
            external_id = await self._deliver(recipient, message)
        except (SendError, ValueError) as error:
            return await self._failed(send, customer.id, note, error)
        async with in_transaction() as conn:
            await _finish(
                send,
                ActionSendStatus.SENT,
                None,
                conn,
                self.now,
                attempts=send.attempts + 1,
                recipient=recipient,
                external_id=(external_id or "")[:100] or None,
            )
            if self.channel != DeliveryChannel.TELEGRAM:  # the chat send keeps its timeline
                conversation = await conversations.open_for(channel, recipient, customer.id)
                await conversations.record(
                    conversation,
                    MessageDirection.OUT,
                    MessageAuthor.BOT,
                    message.text,
                    channel_message_id=f"action:{send.id}",
                    payload={"action_id": self.action.id, "subject": message.subject},
                )
        return "sent"

    async def _claim(
        self, entry: CampaignEntry, episode: int, seen: dict | None, conn: Any
    ) -> ActionSend | None:
        """The send row, held by this worker; None when another worker holds it. A new row's
        INSERT raises IntegrityError when another worker inserted it first."""
        lease = self.now + LEASE
        if seen is None:
            return await ActionSend.create(
                using_db=conn,
                action_id=self.action.id,
                customer_id=entry.customer_id,
                episode=episode,
                entry_id=entry.id,
                channel=self.channel,
                status=ActionSendStatus.SENDING,
                retry_at=lease,
            )
        # Guarded: the first worker to move the due time forward holds it.
        taken = (
            await ActionSend.filter(id=seen["id"], status=seen["status"], retry_at__lte=self.now)
            .using_db(conn)
            .update(
                status=ActionSendStatus.SENDING,
                retry_at=lease,
                entry_id=entry.id,
                updated_at=self.now,  # a queryset update skips the auto stamp
            )
        )
        return await ActionSend.get(id=seen["id"]).using_db(conn) if taken else None

    async def _failed(self, send: ActionSend, customer_id: int, note: str, error) -> str:
        log.warning("action %s to customer %s failed: %s", self.action.id, customer_id, error)
        tries = send.attempts + 1
        permanent = isinstance(error, ValueError) or error.permanent
        async with in_transaction() as conn:
            await record_outcome(
                customer_id,
                note,
                ContactOutcome.FAILED,
                channel=Channel(self.channel),
                actor=ContactActor.BOT,
                using_db=conn,
            )
            if permanent or tries >= MAX_TRIES:
                await _finish(
                    send, ActionSendStatus.FAILED, str(error), conn, self.now, attempts=tries
                )
            else:
                await _finish(
                    send,
                    ActionSendStatus.POSTPONED,
                    str(error),
                    conn,
                    self.now,
                    retry_at=self.now + RETRY_AFTER_FAILURE,
                    attempts=tries,
                )
        return "failed"

    async def _compose(
        self, customer: Customer, entry: CampaignEntry, debt: _Debt | None
    ) -> Rendered:
        token = make_link_token(customer.id, self.settings.secret_key, now=self.now)
        to_bot = bot_link(self.settings.telegram_bot_username, token)
        if self.template is None:  # a Telegram action with no template in the catalog
            text = render_file(
                "chat/outbound.txt.j2",
                isp=self.settings.isp,
                first_name=customer.first_name,
                link=to_bot,
            ).strip()
            return Rendered(None, text, None)
        pay = to_bot
        if "link_pagamento" in self.uses:
            pay = await _payment_link(customer.id, self.settings) or to_bot
        debtor = Debtor(
            name=customer.name,
            total=debt.total if debt else entry.total_debt,
            oldest_due=debt.oldest if debt else entry.oldest_due_date,
            today=self.today,
            payment_link=pay,
            bot_link=to_bot,
        )
        return render(self.template, values_for(debtor, self.settings))

    async def _deliver(self, recipient: str, message: Rendered) -> str | None:
        if self.channel == DeliveryChannel.TELEGRAM:
            await self.outlets.chat_send(int(recipient), [message.text])
            return None
        outgoing = OutgoingMessage(
            channel=self.channel,
            recipient=recipient,
            subject=message.subject or "",
            text=message.text,
            html=message.html,
        )
        return await self.outlets.senders[self.channel].send(outgoing)


def _due_again(seen: dict, now: datetime) -> bool:
    """A postponed send whose time has come, or a claim left by a crashed worker."""
    if seen["status"] not in (ActionSendStatus.POSTPONED, ActionSendStatus.SENDING):
        return False
    retry_at = seen["retry_at"]
    return retry_at is None or _aware(retry_at) <= now


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _note(channel: DeliveryChannel, send_id: int) -> str:
    """The contact's note: unique per send, so its outcome can be set later."""
    return f"mensagem automática da régua ({_CHANNEL_NAMES[channel]}) nº {send_id}"


async def _finish(
    send: ActionSend,
    status: ActionSendStatus,
    reason: str | None,
    conn: Any,
    at: datetime,
    **more: Any,
) -> str:
    changes: dict[str, Any] = {"status": status, "reason": reason[:255] if reason else None}
    changes["retry_at"] = more.pop("retry_at", None)
    changes.update(more)
    changes["updated_at"] = at  # a queryset update skips the auto stamp
    await ActionSend.filter(id=send.id).using_db(conn).update(**changes)
    return {
        ActionSendStatus.SENT: "sent",
        ActionSendStatus.POSTPONED: "postponed",
        ActionSendStatus.REFUSED: "refused",
        ActionSendStatus.SKIPPED: "skipped",
        ActionSendStatus.FAILED: "failed",
    }[status]


def _address(customer: Customer, channel: DeliveryChannel, phone: str | None) -> str | None:
    if channel == DeliveryChannel.EMAIL:
        return (customer.email or "").strip() or None
    if channel == DeliveryChannel.SMS:
        return phone
    return None if customer.telegram_chat_id is None else str(customer.telegram_chat_id)


def _no_address(channel: DeliveryChannel) -> str:
    return {
        DeliveryChannel.EMAIL: "cliente sem e-mail cadastrado",
        DeliveryChannel.SMS: "cliente sem celular cadastrado",
        DeliveryChannel.TELEGRAM: "cliente ainda não conversou com o bot do Telegram",
    }[channel]


async def _debts(customer_ids: list[int], today: date) -> dict[int, _Debt]:
    """What each debtor owes overdue now, and since when (one aggregate query)."""
    rows = (
        await Receivable.filter(
            customer_id__in=customer_ids, status=ReceivableStatus.OPEN, due_date__lt=today
        )
        .annotate(total=Sum("amount"), oldest=Min("due_date"))
        .group_by("customer_id")
        .values("customer_id", "total", "oldest")
    )
    return {
        r["customer_id"]: _Debt(
            Decimal(str(r["total"])).quantize(Decimal("0.01")), _day(r["oldest"])
        )
        for r in rows
    }


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


async def _episodes(customer_ids: list[int]) -> dict[int, int]:
    """Each debtor's latest broken agreement (ids only grow: the highest is the latest)."""
    rows = (
        await Agreement.filter(customer_id__in=customer_ids, status=AgreementStatus.BROKEN)
        .annotate(last=Max("id"))
        .group_by("customer_id")
        .values("customer_id", "last")
    )
    return {r["customer_id"]: r["last"] for r in rows}


async def _mobiles(customer_ids: list[int]) -> dict[int, str]:
    """Each debtor's SMS number: the first mobile, else the first phone."""
    found: dict[int, str] = {}
    mobiles: set[int] = set()
    rows = (
        await CustomerPhone.filter(customer_id__in=customer_ids)
        .order_by("id")
        .values("customer_id", "number", "label")
    )
    for row in rows:
        cid = row["customer_id"]
        if row["label"] == "mobile" and cid not in mobiles:
            found[cid] = row["number"]
            mobiles.add(cid)
        elif cid not in found:
            found[cid] = row["number"]
    return found


async def _payment_link(customer_id: int, settings: RuleActionConfig) -> str | None:
    """The payment page of the debtor's active agreement, if there is one."""
    agreement = (
        await Agreement.filter(customer_id=customer_id, status=AgreementStatus.ACTIVE)
        .order_by("-id")
        .first()
    )
    if agreement is None or not settings.secret_key:
        return None
    last = await Receivable.filter(agreement_id=agreement.id).order_by("-due_date").first()
    if last is None:
        return None
    return payment_url(settings.public_base_url, agreement.id, last.due_date, settings.secret_key)
