"""What configuration each service needs, by concern.

The services receive their configuration from the caller; they never read the environment
nor import the composition package (`quita`). `quita.settings.Settings` satisfies every
protocol here structurally, so callers pass the one Settings object, and a test may pass
anything with the same fields. Each protocol lists only the fields of its concern; a service
that needs several concerns names a protocol that combines them (below the concerns).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

# The concerns.


class Zone(Protocol):
    """The ISP's time zone: what "today" and "at night" mean."""

    timezone: str

    @property
    def tz(self) -> ZoneInfo: ...


class IspIdentity(Protocol):
    """The ISP as every message and document names it (CDC art. 42-A)."""

    isp_name: str
    isp_cnpj: str
    isp_address: str
    isp_phone: str  # the service number debtors call, national format

    @property
    def isp(self) -> dict[str, str]: ...


class ContactRules(Zone, Protocol):
    """The contact budget across every channel (DESIGN.md §7)."""

    contact_max_attempts: int
    contact_window_days: int
    contact_quiet_days_after_talk: int
    contact_max_messages_per_day: int


class DebtPauses(Protocol):
    """How long collection of a debt stops when the debtor says it is paid and nothing in the
    ledger shows it (the receipt is checked meanwhile), or that they do not recognise it."""

    pause_days_after_paid: int
    pause_days_after_dispute: int


class RobotCalls(Zone, Protocol):
    """How often the robot may call one debtor, whatever the campaigns they are in."""

    robot_calls_per_day: int


class AttendantHours(Zone, Protocol):
    """When attendants work ("" means closed that day) and whose holidays close them."""

    attendant_weekday_hours: str
    attendant_saturday_hours: str
    attendant_state: str


class Links(Protocol):
    """Signed links to the payment page and deep links to the bot."""

    public_base_url: str
    secret_key: str | None
    telegram_bot_username: str


class BoletoAccount(Protocol):
    """The ISP's bank and account for boletos."""

    boleto_bank: str
    boleto_agency: str
    boleto_account: str
    boleto_agreement: str
    boleto_client_code: str
    boleto_wallet: str | None


class PixCharges(Protocol):
    """The ISP's PIX key and the terms of a charge."""

    pix_key: str | None
    pix_city: str
    pix_provider: Literal["static", "api"]
    pix_fine_percent: Decimal
    pix_interest_percent_month: Decimal
    pix_days_after_due: int


class PixApiAccess(Protocol):
    """How to reach a PSP's standard Pix API."""

    pix_api_url: str | None
    pix_api_token_url: str | None
    pix_api_client_id: str | None
    pix_api_client_secret: str | None
    pix_api_cert: str | None


class DeliveryRules(Protocol):
    """Sending the payment instruments: tries, the e-mail's subject, the bot that sends."""

    delivery_attempts: int
    email_subject: str
    telegram_token: str | None


class VoiceTransfer(Protocol):
    """Where the robot hands a call to a person (nowhere without a line: a callback)."""

    attendant_number: str | None


# What each service needs (the concerns above, combined).


class PixPsp(IspIdentity, PixCharges, PixApiAccess, Protocol):
    """`negotiation.payments.pix_api`: charges at a PSP, in the ISP's name."""


class InstrumentConfig(IspIdentity, BoletoAccount, PixCharges, PixApiAccess, Protocol):
    """`negotiation.instruments` and `accept`: boleto and PIX for every installment."""


class InstrumentPdfConfig(IspIdentity, BoletoAccount, Protocol):
    """`negotiation.instrument_pdf`: the printed boleto."""


class DeliveryConfig(DeliveryRules, Links, Zone, InstrumentPdfConfig, Protocol):
    """`negotiation.delivery` and `delivery_messages`: composing and sending instruments."""


class ConversationConfig(AttendantHours, Protocol):
    """`negotiation.conversations`: escalation and what the debtor is told meanwhile."""


class OutreachConfig(IspIdentity, Links, ContactRules, Protocol):
    """`negotiation.outreach`: the bot's campaign messages, reminders and thanks."""


class MessageConfig(IspIdentity, Links, Protocol):
    """`negotiation.message_templates`: the variables of the message templates."""


class RuleActionConfig(MessageConfig, ContactRules, Protocol):
    """`negotiation.rule_actions`: the messages of rule actions, through the contact gate."""


class CampaignConfig(ContactRules, InstrumentConfig, Protocol):
    """`negotiation.campaigns`: the attendant's calls and accepted offers."""


class ChatConfig(ConversationConfig, InstrumentConfig, Links, DebtPauses, Protocol):
    """`negotiation.chat`, `chat_turn`, `chat_screens`, `offer_flow`: the bot's dialog."""


class DialerConfig(ContactRules, RobotCalls, Protocol):
    """`negotiation.dialer_queue`: the robot's calls, within the contact rules."""

    twilio_from_number: str | None


class VoiceSmsConfig(IspIdentity, Links, DeliveryRules, Protocol):
    """`negotiation.voice_sms`: the agreement's SMS after a call."""


class VoiceConfig(
    VoiceTransfer, AttendantHours, VoiceSmsConfig, InstrumentConfig, DebtPauses, Protocol
):
    """`negotiation.ivr` and the voice modules: the robot's dialog."""
