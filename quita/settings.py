"""The one settings class. Every value comes from a `QUITA_*` environment variable (or `.env`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from negotiation.errors import InvalidInput
from negotiation.phones import service_number


def with_secret_key(settings: Settings) -> Settings:
    """These settings with a secret key: the configured one, or else one kept in
    `.quita-secret` beside the default database so tokens survive a restart (created on first
    use). Only what runs the service calls this (`quita serve`, the app factory, the commands
    that must sign like it): building Settings alone writes no file. Production sets
    QUITA_SECRET_KEY (the same on every instance)."""
    if settings.secret_key:
        return settings
    path = Path.cwd() / ".quita-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    # Validated again so the sandbox's stand-ins are derived from this key; only what was
    # set is passed on, so defaults stay defaults (`listening_at` checks what was set).
    return type(settings).model_validate(
        {**settings.model_dump(exclude_unset=True), "secret_key": path.read_text().strip()}
    )


def _default_database_url() -> str:
    # A SQLite file in the working folder: `quita serve` works with no set-up at all.
    return f"sqlite://{Path.cwd() / 'quita.db'}"


# The sandbox's stand-ins for a bot token and the ISP's number when none is configured.
SANDBOX_TELEGRAM_TOKEN = "1000000:sandbox"
SANDBOX_FROM_NUMBER = "+5519900001111"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUITA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=_default_database_url,
        description="Tortoise URL: sqlite:///absolute/path.db or postgres://user@host:5432/db",
    )
    timezone: str = Field(default="America/Sao_Paulo", description="The ISP's time zone")
    isp_name: str = Field(default="Provedor Exemplo Ltda", description="Shown on every message")
    isp_cnpj: str = Field(default="11.222.333/0001-81", description="The ISP's CNPJ (CDC 42-A)")
    isp_address: str = Field(
        default="Rua Fictícia, 100 - Centro, Campinas/SP", description="The ISP's address"
    )
    isp_phone: str = Field(
        default="(19) 3333-4444",
        description="The ISP's service number, in every goodbye, voicemail, SMS and e-mail",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs API tokens and console sessions (none: see `with_secret_key`)",
    )
    token_minutes: int = Field(default=480, ge=5, description="Lifetime of an API token")
    # Boleto: the ISP's bank and account (fictional defaults for the demo). Banks: 001 Banco
    # do Brasil (agency, account, agreement = convênio of 7 digits, wallet 17/18), 237
    # Bradesco (agency, account, wallet), 756 Sicoob (agency, client_code, wallet).
    boleto_bank: str = Field(default="001", pattern=r"^(001|237|756)$")
    boleto_agency: str = Field(default="1234")
    boleto_account: str = Field(default="12345")
    boleto_agreement: str = Field(default="1234567")
    boleto_client_code: str = Field(default="1234567")
    boleto_wallet: str | None = Field(default=None, description="Default: the bank's usual")
    # PIX: the ISP's own key (the payee is always the ISP) and the city on the code.
    pix_key: str | None = Field(default=None, description="Default: the ISP's CNPJ")
    pix_city: str = Field(default="Campinas")
    pix_webhook_secret: str | None = Field(
        default=None, description="Shared secret the PSP sends in X-Webhook-Secret (required)"
    )
    # PIX provider: "static" (the ISP's own key, no PSP) or "api" (Banco Central's standard Pix
    # API of a PSP: OAuth2 client credentials, `cobv` charges with due date, fine and interest).
    pix_provider: Literal["static", "api"] = Field(default="static")
    pix_api_url: str | None = Field(default=None, description="PSP's Pix API base URL")
    pix_api_token_url: str | None = Field(
        default=None, description="PSP's OAuth2 token URL (default: {pix_api_url}/oauth/token)"
    )
    pix_api_client_id: str | None = Field(default=None)
    pix_api_client_secret: str | None = Field(default=None)
    pix_api_cert: str | None = Field(
        default=None, description="Client certificate (PEM with key) for the PSP's mTLS"
    )
    pix_fine_percent: Decimal = Field(default=Decimal("2.00"), ge=0, le=2)
    pix_interest_percent_month: Decimal = Field(default=Decimal("1.00"), ge=0, le=10)
    pix_days_after_due: int = Field(default=30, ge=0, le=365)
    # Delivery of the payment instruments. E-mail: smtp://user:pass@host:port (smtps:// for TLS).
    smtp_url: str | None = Field(default=None, description="smtp[s]://user:password@host:port")
    email_sender: str = Field(default="cobranca@provedor.example", description="Fixed From")
    email_subject: str = Field(
        default="Seu acordo de pagamento", description="Fixed subject of every e-mail"
    )
    # Twilio: SMS (Messaging) and the robot calls.
    twilio_account_sid: str | None = Field(default=None)
    twilio_auth_token: str | None = Field(default=None)
    twilio_from_number: str | None = Field(default=None, description="E.164 number we call from")
    twilio_messaging_service_sid: str | None = Field(default=None)
    twilio_api_base: str = Field(
        default="https://api.twilio.com", description="Twilio REST base (a proxy, or tests)"
    )
    twilio_voice: str = Field(default="Polly.Camila", description="pt-BR voice of <Say>")
    twilio_cps: float = Field(default=1.0, gt=0, le=100, description="Robot calls per second")
    twilio_max_in_progress: int = Field(default=10, ge=1, description="Cap on live robot calls")
    dialer: bool = Field(default=False, description="Run the robot dialer inside `quita serve`")
    # Telegram.
    telegram_token: str | None = Field(default=None, description="The bot's token")
    telegram_api_server: str = Field(default="https://api.telegram.org")
    telegram_webhook_secret: str | None = Field(default=None)
    telegram_bot_username: str = Field(default="QuitaBot", description="For t.me deep links")
    telegram_chat_interval: float = Field(
        default=1.0, ge=0, description="Seconds between two messages to one chat"
    )
    redis_url: str | None = Field(default=None, description="redis://127.0.0.1:6379/0")
    # The attendants' hours (ISP time zone), for what the debtor is told on escalation and for
    # inbound calls; "" means closed that day. National and state holidays are closed.
    attendant_weekday_hours: str = Field(default="08:00-18:00", pattern=r"^(\d\d:\d\d-\d\d:\d\d)?$")
    attendant_saturday_hours: str = Field(
        default="08:00-12:00", pattern=r"^(\d\d:\d\d-\d\d:\d\d)?$"
    )
    attendant_state: str = Field(default="SP", description="The state whose holidays close us")
    attendant_number: str | None = Field(default=None, description="E.164, calls transfer here")
    # Contact budget across every channel (DESIGN.md §7).
    contact_max_attempts: int = Field(default=7, ge=1)
    contact_window_days: int = Field(default=7, ge=1)
    contact_quiet_days_after_talk: int = Field(default=7, ge=0)
    contact_max_messages_per_day: int = Field(default=1, ge=0)
    pause_days_after_paid: int = Field(
        default=5, ge=1, le=60, description="Days collection stops while a receipt is checked"
    )
    pause_days_after_dispute: int = Field(
        default=30, ge=1, le=180, description="Days collection stops for a disputed debt"
    )
    robot_calls_per_day: int = Field(
        default=1, ge=1, description="Robot calls to one debtor per local day, across campaigns"
    )
    delivery_attempts: int = Field(default=5, ge=1, le=20, description="Tries before failing")
    billing_webhook_url: str | None = Field(
        default=None, description="Where agreement and payment events are POSTed"
    )
    billing_webhook_secret: str | None = Field(
        default=None, description="HMAC-SHA256 key of X-Quita-Signature"
    )
    jobs: bool = Field(default=True, description="Run the background jobs inside `quita serve`")
    sandbox: bool = Field(
        default=False,
        description="Keep every outgoing e-mail, SMS, Telegram message and robot call in the"
        " console's outbox instead of sending it (`quita serve --demo` turns it on)",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="How the world reaches us (links, webhooks)"
    )
    host: str = Field(default="127.0.0.1", description="Where `quita serve` listens")
    port: int = Field(default=8000, description="Port of `quita serve`")
    event_loop: Literal["asyncio", "uvloop"] = Field(
        default="asyncio",
        description="Event loop of `quita serve`. asyncio serves requests in arrival order"
        " under load; with uvloop, at saturation, the average answer was as fast but the"
        " slowest 1 % took ten times as long (`quita bench webhooks`).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgres://", "asyncpg://", "psycopg://")):
            raise ValueError(
                f"{value!r} is not a Tortoise URL (sqlite:///path.db or postgres://user@host/db)"
            )
        return value

    @field_validator("isp_phone")
    @classmethod
    def _service_number(cls, value: str) -> str:
        try:
            return service_number(value)
        except InvalidInput as error:
            raise ValueError(str(error)) from None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _sandbox_stand_ins(self) -> Settings:
        # In the sandbox nothing leaves, but the Telegram webhook and Twilio's signed webhooks
        # still need their secrets: missing ones are derived from the secret key, so `quita
        # chat` and `quita phone` (same folder or same QUITA_SECRET_KEY) know them too. Without
        # a key yet, `with_secret_key` validates again once it has one.
        if self.sandbox and self.secret_key:
            stand_ins = {
                "telegram_token": SANDBOX_TELEGRAM_TOKEN,
                "telegram_webhook_secret": self._derived("telegram-webhook"),
                "twilio_account_sid": "AC" + self._derived("twilio-account"),
                "twilio_auth_token": self._derived("twilio-auth"),
                "twilio_from_number": SANDBOX_FROM_NUMBER,
            }
            for name, value in stand_ins.items():
                if not getattr(self, name):
                    setattr(self, name, value)
        return self

    def _derived(self, purpose: str) -> str:
        key = (self.secret_key or "").encode()
        return hmac.new(key, f"quita-sandbox:{purpose}".encode(), hashlib.sha256).hexdigest()[:32]

    def sandboxed(self) -> Settings:
        """These settings with the sandbox on (and its stand-ins for missing secrets)."""
        return type(self).model_validate({**self.model_dump(), "sandbox": True})

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def isp(self) -> dict[str, str]:
        """The ISP as every message and document names it (CDC art. 42-A)."""
        return {
            "name": self.isp_name,
            "cnpj": self.isp_cnpj,
            "address": self.isp_address,
            "phone": self.isp_phone,
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
