"""Enumerations shared by the models, the services and the channels."""

from __future__ import annotations

from enum import StrEnum


class ReceivableStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    NEGOTIATED = "negotiated"
    CANCELLED = "cancelled"


class AgreementStatus(StrEnum):
    ACTIVE = "active"
    FULFILLED = "fulfilled"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    """Where something happened: an agreement was made, a message came in, a contact was tried."""

    CONSOLE = "console"
    API = "api"
    TELEGRAM = "telegram"
    VOICE = "voice"
    SMS = "sms"
    EMAIL = "email"
    AGENCY = "agency"
    CLI = "cli"


class PaymentSource(StrEnum):
    PIX = "pix"  # the Pix API webhook
    FILE = "file"  # `quita import payments`
    API = "api"  # typed in through the admin API


class EventStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class ContactActor(StrEnum):
    ROBOT = "robot"  # the dialer's calls
    BOT = "bot"  # messages the bot sends on its own
    ATTENDANT = "attendant"
    AGENCY = "agency"
    DEBTOR = "debtor"  # the debtor started it


class ContactOutcome(StrEnum):
    ATTEMPTED = "attempted"  # sent or dialled; no conversation (yet)
    CONVERSATION = "conversation"  # a real conversation with the debtor took place
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    VOICEMAIL = "voicemail"
    WRONG_PARTY = "wrong_party"
    AGREEMENT = "agreement"


class CallDirection(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


class CallStatus(StrEnum):
    """Twilio's call statuses, in the order a call goes through them."""

    QUEUED = "queued"
    INITIATED = "initiated"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"


FINAL_CALL_STATUSES = (
    CallStatus.COMPLETED,
    CallStatus.BUSY,
    CallStatus.NO_ANSWER,
    CallStatus.FAILED,
    CallStatus.CANCELED,
)


class DeliveryChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    TELEGRAM = "telegram"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) try
    SENT = "sent"  # handed to the provider
    DELIVERED = "delivered"  # the provider confirmed it reached the debtor
    FAILED = "failed"  # given up: shown to the attendant


class ActionSendStatus(StrEnum):
    """Where one rule action stands for one debtor in one debt episode."""

    SENDING = "sending"  # claimed by a worker, going out now
    SENT = "sent"
    POSTPONED = "postponed"  # the gate or a temporary failure: tried again at `retry_at`
    REFUSED = "refused"  # the gate said no for good (opted out, debt paid)
    SKIPPED = "skipped"  # nowhere to send it (no e-mail, no phone, no linked Telegram)
    FAILED = "failed"  # the provider refused it for good, or too many tries


class BreakAction(StrEnum):
    """What a missed installment past its tolerance does to the agreement."""

    CANCEL = "cancel"
    MOVE_TO_END = "move_to_end"


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    ATTENDANT = "attendant"
    AGENCY = "agency"


class ActionKind(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    TELEGRAM = "telegram"
    ROBOT_CALL = "robot_call"


class ContactKind(StrEnum):
    PHONE = "phone"
    ROBOT_CALL = "robot_call"
    TELEGRAM = "telegram"
    EMAIL = "email"
    SMS = "sms"


class ResultKind(StrEnum):
    NEGOTIATED = "negotiated"
    RESCHEDULE = "reschedule"
    NO_NEGOTIATION = "no_negotiation"
    UNREACHABLE = "unreachable"
    WRONG_PARTY = "wrong_party"
    OTHER = "other"


class FilterField(StrEnum):
    CITY = "city"
    STATE = "state"
    PLAN = "plan"
    BILLING_METHOD = "billing_method"
    DUE_DATE = "due_date"
    DAYS_LATE = "days_late"
    AMOUNT = "amount"
    TOTAL_DEBT = "total_debt"
    OPEN_COUNT = "open_count"
    CUSTOMER_STATUS = "customer_status"


class FilterOperator(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    BETWEEN = "between"
    CONTAINS = "contains"


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class EntryState(StrEnum):
    PENDING = "pending"  # waiting for its call turn
    SCHEDULED = "scheduled"  # rescheduled to a date and time
    IN_PROGRESS = "in_progress"  # an attendant (or the robot) is on it
    DONE = "done"
    EXPORTED = "exported"  # handed to an agency, which works it
    CANCELLED = "cancelled"


# Entries still being worked: a rule never adds a second one for the same customer.
OPEN_ENTRY_STATES = (
    EntryState.PENDING,
    EntryState.SCHEDULED,
    EntryState.IN_PROGRESS,
    EntryState.EXPORTED,
)


class ConversationState(StrEnum):
    BOT = "bot"
    WAITING = "waiting"
    CLAIMED = "claimed"
    CLOSED = "closed"


class MessageDirection(StrEnum):
    IN = "in"
    OUT = "out"


class MessageAuthor(StrEnum):
    DEBTOR = "debtor"
    BOT = "bot"
    ATTENDANT = "attendant"
    SYSTEM = "system"


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def sql_in(column: str, enum: type[StrEnum]) -> str:
    """A CHECK expression that keeps `column` within the enum's values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


class RefusalReason(StrEnum):
    """Why the contact gate refused or postponed a contact (DESIGN.md §7)."""

    OUTSIDE_WINDOW = "outside_window"  # night, Sunday or a closed Saturday in the debtor's zone
    HOLIDAY = "holiday"  # national, state or municipal
    BUDGET = "budget"  # attempts in the period or messages on the day
    QUIET_DAYS = "quiet_days"  # the days after a real conversation
    OPTED_OUT = "opted_out"
    DEBT_PAID = "debt_paid"
    NOT_FOUND = "not_found"  # the customer is gone
    PAUSED = "paused"  # "já paguei" being checked, or a dispute (negotiation/debt_pauses.py)
