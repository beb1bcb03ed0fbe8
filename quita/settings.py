"""The one settings class. Every value comes from a `QUITA_*` environment variable (or `.env`)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_secret_key() -> str:
    # No key configured: keep one beside the default database so tokens survive a restart.
    # Production sets QUITA_SECRET_KEY (the same on every instance).
    path = Path.cwd() / ".quita-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _default_database_url() -> str:
    # A SQLite file in the working folder: `quita serve` works with no set-up at all.
    return f"sqlite://{Path.cwd() / 'quita.db'}"


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
    secret_key: str = Field(
        default_factory=_default_secret_key, description="Signs API tokens and console sessions"
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
    billing_webhook_url: str | None = Field(
        default=None, description="Where agreement and payment events are POSTed"
    )
    billing_webhook_secret: str | None = Field(
        default=None, description="HMAC-SHA256 key of X-Quita-Signature"
    )
    jobs: bool = Field(default=True, description="Run the background jobs inside `quita serve`")
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="How the world reaches us (links, webhooks)"
    )
    host: str = Field(default="127.0.0.1", description="Where `quita serve` listens")
    port: int = Field(default=8000, description="Port of `quita serve`")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgres://", "asyncpg://", "psycopg://")):
            raise ValueError(
                f"{value!r} is not a Tortoise URL (sqlite:///path.db or postgres://user@host/db)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def get_settings() -> Settings:
    return Settings()
