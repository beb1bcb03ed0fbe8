"""One round of the background jobs: events delivered, the break policy applied once a day."""

from __future__ import annotations

from datetime import UTC, datetime

from models import OutboundEvent
from models.clock import today_in
from models.enums import EventStatus
from quita.jobs import tick
from quita.settings import Settings


async def test_tick_without_a_billing_url_only_checks_agreements(db):
    await OutboundEvent.create(
        kind="x", payload={}, next_attempt_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    settings = Settings(database_url=db, secret_key="k" * 40)
    day = await tick(settings, None)
    assert day == today_in(settings.timezone)
    event = await OutboundEvent.get(kind="x")
    assert event.status == EventStatus.PENDING and event.attempts == 0


async def test_tick_delivers_when_configured(db):
    import threading
    from http.server import ThreadingHTTPServer

    from tests.negotiation.test_events import _Billing  # the same real HTTP stand-in

    _Billing.received, _Billing.fail_next = [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Billing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        await OutboundEvent.create(
            kind="x", payload={"a": 1}, next_attempt_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
        settings = Settings(
            database_url=db,
            secret_key="k" * 40,
            billing_webhook_url=f"http://127.0.0.1:{server.server_address[1]}/",
            billing_webhook_secret="s",
        )
        await tick(settings, today_in(settings.timezone))
    finally:
        server.shutdown()
    assert len(_Billing.received) == 1
    assert (await OutboundEvent.get(kind="x")).status == EventStatus.SENT


async def test_tick_runs_the_rule_actions_through_the_channels(db, smtp_server):
    from datetime import date
    from decimal import Decimal

    from models import Campaign, CampaignEntry, CollectionAction, RuleRun
    from models.enums import ActionKind, RunStatus
    from negotiation.message_templates import seed_defaults
    from quita.channels import build_channels
    from tests.factories import make_customer, make_receivable
    from tests.negotiation.rule_factories import make_rule

    await seed_defaults()
    customer = await make_customer(email="ana@example.com")
    await make_receivable(customer, date(2026, 10, 1), "70.00")
    rule = await make_rule()
    await CollectionAction.create(rule=rule, kind=ActionKind.EMAIL, days_late=30)
    run = await RuleRun.create(rule=rule, status=RunStatus.FINISHED)
    campaign = await Campaign.create(rule=rule, run=run, description="Campanha")
    await CampaignEntry.create(
        campaign=campaign,
        rule=rule,
        customer=customer,
        position=1,
        total_debt=Decimal("70.00"),
        receivables_count=1,
        oldest_due_date=date(2026, 10, 1),
    )
    settings = Settings(database_url=db, secret_key="k" * 40, smtp_url=smtp_server.url)
    channels = build_channels(settings)
    try:
        await tick(settings, today_in(settings.timezone), channels)  # Friday 12:00 in SP
    finally:
        await channels.aclose()
    [mail] = smtp_server.received
    assert mail["To"] == "ana@example.com" and "11.222.333/0001-81" in mail.as_string()
