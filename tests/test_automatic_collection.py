"""Automatic collection end to end, on the demo base with frozen clocks (issue 14, "Done when").

Two overlapping rules with robot-call, e-mail and SMS actions are set up and run through the
API on Tuesday 8 December 2026; then the robot dials (real twilio client, fake Twilio API) and
the message actions run (SMTP to a local server, SMS to the fake Twilio API) as
`quita dialer --once` and `quita outreach --once` do, on Wednesday 9 December at 08:45, 09:00
and 14:00 in São Paulo, on Sunday 13 December and on Christmas (Friday 25 December).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from tortoise.functions import Count

from models import (
    ActionSend,
    Call,
    Campaign,
    CampaignEntry,
    CollectionAction,
    ContactRefusal,
    ContactType,
    Customer,
    CustomerPhone,
    clock,
)
from models.enums import (
    OPEN_ENTRY_STATES,
    ActionKind,
    ActionSendStatus,
    ContactKind,
    EntryState,
    RefusalReason,
)
from negotiation.call_outcomes import apply_status
from negotiation.contact_windows import zone_for
from negotiation.rule_actions import run_actions
from quita.app import create_app
from quita.channels import action_outlets, build_channels
from quita.demo import DEMO_ADMIN, load_demo
from quita.settings import Settings
from telephony.dialer import run as run_dialer
from tests.fakes.twilio_api import FakeTwilioApi

SP = ZoneInfo("America/Sao_Paulo")
SET_UP = datetime(2026, 12, 8, 10, 0, tzinfo=SP)  # Tuesday: the demo is loaded, rules run
WEDNESDAY = date(2026, 12, 9)
SUNDAY = date(2026, 12, 13)
CHRISTMAS = date(2026, 12, 25)  # a Friday, a national holiday
CNPJ = "11.222.333/0001-81"
ISP = "Provedor Exemplo Ltda"
DEMO_RULE = "Inadimplentes de SP com 30 dias ou mais"
# The second rule: every state, 30 days or more late; its filters overlap the demo rule's.
SECOND_RULE = {
    "description": "Todos os estados com 30 dias ou mais",
    "active": True,
    "priority": 5,
    "minutes_per_call": 1,
    "filters": [{"field": "days_late", "operator": "ge", "value": 30}],
    "actions": [
        {"kind": "robot_call", "days_late": 30},
        {"kind": "email", "days_late": 30},
        {"kind": "sms", "days_late": 30},
    ],
}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant of `day` in São Paulo; the clock is frozen there."""
    when = datetime.combine(day, time(hour, minute), SP)
    clock.travel(when, tick=False)
    return when


@dataclass
class Demo:
    settings: Settings
    api: httpx.AsyncClient
    headers: dict[str, str]
    runs: list[dict]  # the two runs, as the API shows them
    twilio: FakeTwilioApi
    smtp: object

    async def dial(self, when: datetime) -> int:
        """One pass of `quita dialer --once` at `when`."""
        return await run_dialer(self.settings, once=True, now=lambda: when)

    async def outreach(self):
        """One pass of `quita outreach --once` (its outlets from the configured channels)."""
        channels = build_channels(self.settings)
        try:
            return await run_actions(action_outlets(channels), self.settings)
        finally:
            await channels.aclose()


@pytest.fixture
async def demo(db, twilio_api: FakeTwilioApi, smtp_server) -> Demo:
    """A fresh demo, the second rule made and both rules run through the API (Tuesday 10:00)."""
    clock.travel(SET_UP, tick=False)
    settings = twilio_api.settings(
        database_url=db,
        smtp_url=smtp_server.url,
        isp_phone="(19) 3333-4444",
        twilio_cps=100.0,
        twilio_max_in_progress=1000,
    )
    await load_demo(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
        username, password = DEMO_ADMIN
        token = await api.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        )
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        rules = (await api.get("/api/v1/rules", headers=headers)).json()
        [demo_rule] = [r for r in rules if r["description"] == DEMO_RULE]
        assert {a["kind"] for a in demo_rule["actions"]} == {"robot_call", "email", "sms"}
        made = await api.post("/api/v1/rules", headers=headers, json=SECOND_RULE)
        assert made.status_code == 201, made.text

        runs = []
        for rule_id in (demo_rule["id"], made.json()["id"]):
            started = await api.post(f"/api/v1/rules/{rule_id}/runs", headers=headers)
            assert started.status_code == 202, started.text
            run = await api.get(f"/api/v1/runs/{started.json()['id']}", headers=headers)
            assert run.json()["status"] == "finished", run.text
            runs.append(run.json())
        yield Demo(settings, api, headers, runs, twilio_api, smtp_server)


async def _customers(**filters) -> dict[int, Customer]:
    return {c.id: c for c in await Customer.filter(**filters)}


async def _robot_due(day: date) -> dict[int, Customer]:
    """The debtors whose open robot entry has reached its rule's robot-call mark on `day`."""
    due = {}
    entries = await CampaignEntry.filter(
        state__in=OPEN_ENTRY_STATES, campaign__contact_type__kind=ContactKind.ROBOT_CALL
    ).prefetch_related("customer")
    for entry in entries:
        mark = await CollectionAction.get(rule_id=entry.rule_id, kind=ActionKind.ROBOT_CALL)
        if (day - entry.oldest_due_date).days >= (mark.days_late or 0):
            due[entry.customer_id] = entry.customer
    return due


async def _nobody_answered(settings: Settings, when: datetime) -> None:
    """Twilio's final status callback for every call: no answer. Each entry retries after its
    rule's retry interval (120 minutes), which comes before 14:00."""
    for sid in await Call.filter(sid__isnull=False).values_list("sid", flat=True):
        assert await apply_status(sid, "no-answer", at=when, settings=settings)


async def _called() -> dict[int, Customer]:
    ids = await Call.all().values_list("customer_id", flat=True)
    return await _customers(id__in=list(ids))


# --- the rules, run from the API ---------------------------------------------------------


async def test_two_overlapping_rules_make_robot_campaigns_with_one_open_entry_each(demo) -> None:
    first, second = demo.runs
    assert first["customers_count"] > 0 and second["customers_count"] > 0
    # The second rule's filters take in every SP debtor of the first: they are left out.
    assert f"Deixados de fora: {first['customers_count']} clientes já estão" in second["log"]
    assert "em outra campanha aberta" in second["log"]

    robot = await ContactType.get(kind=ContactKind.ROBOT_CALL)
    listed = (await demo.api.get("/api/v1/campaigns", headers=demo.headers)).json()
    campaigns = {c["run_id"]: c for c in listed}
    for run in demo.runs:
        assert campaigns[run["id"]]["contact_type_id"] == robot.id
        assert campaigns[run["id"]]["active"] is True
    assert "Campanha do robô" in first["log"] and "Campanha do robô" in second["log"]

    per_debtor = (
        await CampaignEntry.filter(state__in=OPEN_ENTRY_STATES)
        .annotate(n=Count("id"))
        .group_by("customer_id")
        .values_list("n", flat=True)
    )
    assert len(per_debtor) == first["customers_count"] + second["customers_count"]
    assert set(per_debtor) == {1}
    states = set(
        await CampaignEntry.filter(campaign__run_id=second["id"]).values_list(
            "customer__state", flat=True
        )
    )
    assert {"AM", "RJ"} <= states and "SP" not in states


# --- the robot ----------------------------------------------------------------------------


async def test_the_dialer_at_0845_calls_sao_paulo_and_nobody_in_amazonas_or_rio(demo) -> None:
    when = at(WEDNESDAY, 8, 45)  # 07:45 in Manaus; Rio's window opens at 09:00
    due = await _robot_due(WEDNESDAY)
    due_by_state = Counter(c.state for c in due.values())
    assert due_by_state["SP"] and due_by_state["AM"] and due_by_state["RJ"]

    placed = await demo.dial(when)

    called = await _called()
    assert placed == len(called) == len(demo.twilio.calls)
    assert not [c for c in called.values() if c.state in ("AM", "RJ")]
    sao_paulo = {i for i, c in due.items() if c.state == "SP"}
    assert sao_paulo and sao_paulo <= set(called)
    numbers = set(
        await CustomerPhone.filter(customer_id__in=list(called)).values_list("number", flat=True)
    )
    assert {form["To"] for form in demo.twilio.calls} <= numbers

    # Each refused debtor's reason is stored: outside the window of their own state and time.
    for state in ("AM", "RJ"):
        waiting = {i for i, c in due.items() if c.state == state}
        refused = await ContactRefusal.filter(customer_id__in=list(waiting)).values_list(
            "customer_id", "reason"
        )
        assert {i for i, _ in refused} == waiting, state
        assert {reason for _, reason in refused} == {RefusalReason.OUTSIDE_WINDOW}
    assert not await ContactRefusal.filter(customer_id__in=list(sao_paulo)).exists()


async def test_at_1400_the_same_day_no_debtor_gets_a_second_robot_call(demo) -> None:
    morning = await demo.dial(at(WEDNESDAY, 8, 45))
    assert morning > 0
    await _nobody_answered(demo.settings, at(WEDNESDAY, 8, 46))
    sao_paulo = set(await Call.filter(customer__state="SP").values_list("entry_id", flat=True))
    retry = await CampaignEntry.filter(id__in=list(sao_paulo)).values_list("state", "reschedule_at")
    assert {state for state, _ in retry} == {EntryState.SCHEDULED}
    assert max(when for _, when in retry) < at(WEDNESDAY, 14, 0)  # due again at 14:00

    afternoon = await demo.dial(at(WEDNESDAY, 14, 0))

    # Rio and Manaus are open now: their debtors get their first call of the day.
    assert afternoon > 0
    noon = datetime.combine(WEDNESDAY, time(12), SP).astimezone(UTC)
    later = await Call.filter(created_at__gt=noon).values_list("customer__state", flat=True)
    assert "SP" not in later and {"AM", "RJ"} <= set(later)
    # The São Paulo debtors wait for their next day: at most one robot call a day each.
    thursday = datetime.combine(WEDNESDAY + timedelta(days=1), time(0), SP)
    waiting = await CampaignEntry.filter(id__in=list(sao_paulo)).values_list(
        "state", "reschedule_at"
    )
    assert {(state, when.astimezone(SP)) for state, when in waiting} == {
        (EntryState.SCHEDULED, thursday)
    }
    calls = await Call.all().prefetch_related("customer")
    per_local_day = Counter(
        (call.customer_id, call.created_at.astimezone(zone_for(call.customer.state, SP)).date())
        for call in calls
    )
    assert per_local_day and max(per_local_day.values()) == 1
    assert len(demo.twilio.calls) == morning + afternoon == len(calls)
    assert len({form["To"] for form in demo.twilio.calls}) == len(calls)


# --- e-mails and SMS ----------------------------------------------------------------------


async def test_outreach_at_0900_sends_emails_and_sms_naming_the_creditor(demo) -> None:
    at(WEDNESDAY, 9, 0)  # 08:00 in Manaus: AM's window (DESIGN §7: 08:00-19:00) is open

    tally = await demo.outreach()

    mails = demo.smtp.received
    texts = demo.twilio.messages
    assert mails and texts
    assert tally.sent == len(mails) + len(texts)
    for mail in mails:
        body = mail.get_body(("plain",)).get_content()
        assert f"{ISP} - CNPJ {CNPJ}" in body, body
    for sms in texts:
        assert ISP in sms["Body"] and CNPJ in sms["Body"], sms["Body"]

    # Every state's debtors at 09:00 in São Paulo: Rio's window has just opened, Manaus's too.
    by_email = {c.email: c for c in (await _customers()).values()}
    phones = dict(await CustomerPhone.all().values_list("number", "customer__state"))
    reached = [by_email[m["To"]].state for m in mails] + [phones[s["To"]] for s in texts]
    assert {"SP", "RJ", "AM"} <= set(reached)
    # At most one outbound message per debtor a day (DESIGN §7): the rest wait for tomorrow.
    sent = await ActionSend.filter(status=ActionSendStatus.SENT).values_list(
        "entry__customer_id", flat=True
    )
    assert len(sent) == tally.sent and max(Counter(sent).values()) == 1
    assert tally.postponed > 0
    assert not await ContactRefusal.filter(reason=RefusalReason.OUTSIDE_WINDOW).exists()


# --- days without contact -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "reason"),
    [(SUNDAY, RefusalReason.OUTSIDE_WINDOW), (CHRISTMAS, RefusalReason.HOLIDAY)],
    ids=["sunday", "christmas"],
)
async def test_sunday_and_christmas_call_and_send_nothing(demo, day, reason) -> None:
    assert await demo.dial(at(day, 10, 0)) == 0
    tally = await demo.outreach()

    assert tally.sent == 0 and tally.postponed > 0
    assert demo.twilio.calls == [] and demo.twilio.messages == [] and demo.smtp.received == []
    assert await Call.all().count() == 0
    refused = set(await ContactRefusal.all().values_list("reason", flat=True))
    assert refused == {reason}
    # Every debtor waits for their next open day, none is dropped.
    postponed = await ActionSend.filter(status=ActionSendStatus.POSTPONED)
    assert postponed and all(s.retry_at > clock.now() for s in postponed)
    assert await Campaign.filter(active=True).count() == 2
