"""The database goes down under the webhooks: a private PostgreSQL cluster (initdb into a
temporary directory, a free port, trust authentication) serves the real app, and is stopped
while Twilio and Telegram post to it. Each webhook must answer 503 with a reason (so the
sender delivers it again), never 200 (the event would be lost) nor a crash; once the cluster
is back, the redelivery is handled exactly once."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from models import AuditLog, CustomerPhone, InboundEvent, InboundStatus, Message
from models.enums import CallStatus, DeliveryStatus
from negotiation.inbound_events import UNAVAILABLE
from quita.app import create_app
from quita.db import close_db, migrate, open_db
from quita.settings import Settings
from tests.bot.conftest import Chat, bot_settings
from tests.factories import make_customer
from tests.negotiation.test_call_outcomes import placed_call
from tests.negotiation.test_dialer_queue import MONDAY_2PM
from tests.telephony.signing import post_signed
from tests.telephony.test_call_status import callback
from tests.telephony.test_sms_webhooks import _delivery

pytestmark = pytest.mark.postgres

PG_BIN = Path(os.environ.get("QUITA_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
TWILIO_TOKEN = "f" * 32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster of this test module alone. PostgreSQL refuses to run as root, so
    under root its commands run as the `postgres` user."""

    def __init__(self, root: Path, port: int, user: str | None) -> None:
        self.root, self.port, self.user = root, port, user
        self.data = root / "data"
        self.running = False

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.running = False


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN}")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("PostgreSQL does not run as root and there is no postgres user")
        user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="quita-pg-"))
    if user:
        shutil.chown(root, user)
    cluster = Cluster(root, _free_port(), user)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running:
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
async def migrated(cluster: Cluster) -> str:
    await migrate(cluster.url)
    return cluster.url


@dataclass
class Outage:
    cluster: Cluster
    client: httpx.AsyncClient
    settings: Settings


@pytest.fixture
async def outage(cluster, migrated, telegram_api) -> AsyncIterator[Outage]:
    if not cluster.running:  # an earlier test failed while it was down
        cluster.start()
    EXECUTOR_CACHE.clear()
    await open_db(migrated)
    settings = bot_settings(
        migrated,
        telegram_api,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number="+5519999990000",
        secret_key="x" * 40,
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)  # an unhandled error fails the test
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Outage(cluster, client, settings)
    await app.state.channels.aclose()
    await close_db()


def _refused(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.json() == {"detail": UNAVAILABLE}
    assert answer.headers["Retry-After"] == "30"


async def test_an_sms_opt_out_during_an_outage_is_recorded_once_on_redelivery(outage):
    customer = await make_customer(name="JOÃO PEREIRA")
    await CustomerPhone.create(customer=customer, number="+5519988887001")
    sid = "SM" + secrets.token_hex(16)
    params = {"MessageSid": sid, "From": "+5519988887001", "To": "+5519999990000", "Body": "SAIR"}

    outage.cluster.stop()
    _refused(await post_signed(outage.client, outage.settings, "/twilio/sms", params))
    outage.cluster.start()

    replies = []
    for _ in range(2):  # Twilio's redelivery, then one more
        answer = await post_signed(outage.client, outage.settings, "/twilio/sms", params)
        assert answer.status_code == 200
        replies.append(answer.text)
    assert replies[0] == replies[1] and "nao recebera mais mensagens" in replies[0]
    await customer.refresh_from_db()
    assert customer.opted_out_at is not None
    opt_outs = AuditLog.filter(action="opt_out", entity_id=str(customer.id))
    assert await opt_outs.count() == 1
    assert await Message.filter(channel_message_id=sid).count() == 1
    [event] = await InboundEvent.filter(provider_id=sid)
    assert event.status == InboundStatus.DONE and event.attempts == 1


async def test_a_telegram_update_during_an_outage_is_answered_once_on_redelivery(
    outage, telegram_api
):
    chat = Chat([outage.client], telegram_api, 6101)
    update = {"update_id": 919191, "message": chat._message(text="/ajuda")}

    outage.cluster.stop()
    _refused(await chat.post(dict(update)))
    outage.cluster.start()

    assert (await chat.post(dict(update))).json() == {"ok": True}
    assert (await chat.post(dict(update))).json() == {"ok": True, "duplicate": True}
    replies = telegram_api.sent_to(6101)
    assert len(replies) == 1 and "/divida" in replies[0].params["text"]
    [event] = await InboundEvent.filter(provider_id="919191")
    assert event.status == InboundStatus.DONE and event.attempts == 1


async def test_a_call_status_during_an_outage_is_applied_once_on_redelivery(outage):
    call = await placed_call()
    end = callback("completed", MONDAY_2PM + timedelta(seconds=70), CallDuration="62")
    path = "/twilio/voice/status"

    outage.cluster.stop()
    _refused(await post_signed(outage.client, outage.settings, path, end))
    outage.cluster.start()

    for _ in range(2):
        answer = await post_signed(outage.client, outage.settings, path, end)
        assert answer.status_code == 204
    await call.refresh_from_db()
    assert call.status == CallStatus.COMPLETED and call.duration_seconds == 62
    [event] = await InboundEvent.filter(provider_id__startswith=call.sid)
    assert event.status == InboundStatus.DONE and event.attempts == 1


async def test_an_sms_status_during_an_outage_is_applied_once_on_redelivery(outage):
    delivery = await _delivery(outage.settings, "SM" + "d" * 32)
    params = {"MessageSid": delivery.external_id, "MessageStatus": "delivered"}
    path = "/twilio/sms/status"

    outage.cluster.stop()
    _refused(await post_signed(outage.client, outage.settings, path, params))
    outage.cluster.start()

    for _ in range(2):
        answer = await post_signed(outage.client, outage.settings, path, params)
        assert answer.status_code == 204
    await delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    [event] = await InboundEvent.filter(provider_id__startswith=delivery.external_id)
    assert event.status == InboundStatus.DONE and event.attempts == 1
