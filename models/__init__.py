"""The rule store and the ledger (Tortoise ORM). Migrations live in `models.migrations`."""

from models.agreements import Agreement, AgreementReceivable
from models.calls import Call, DialLease
from models.campaigns import Campaign, CampaignEntry, EntryResult, RuleRun, ServiceTicket
from models.catalog import Agency, CollectionStatus, ContactType, ResultType
from models.chat import DialogState, IdentityLock, UsedLink
from models.conditions import InstallmentOption, PaymentCondition
from models.contact_rules import ContactRefusal, ContactWindow, Holiday
from models.contacts import ContactAttempt
from models.conversations import Conversation, Message
from models.customers import Customer, CustomerPhone, Receivable
from models.deliveries import Delivery
from models.events import OutboundEvent
from models.inbound import InboundEvent, InboundSource, InboundStatus
from models.outreach import ActionSend, MessageTemplate
from models.pauses import DebtPause, PauseReason
from models.payments import Payment, PaymentInstrument
from models.rules import CollectionAction, CollectionRule, RuleFilter
from models.sandbox import SandboxAttachment, SandboxChannel, SandboxMessage
from models.sign_in import SignInFailure
from models.users import AuditLog, ConsoleSession, User

__all__ = [
    "ActionSend",
    "Agency",
    "Agreement",
    "AgreementReceivable",
    "AuditLog",
    "Call",
    "Campaign",
    "CampaignEntry",
    "CollectionAction",
    "CollectionRule",
    "CollectionStatus",
    "ConsoleSession",
    "ContactAttempt",
    "ContactRefusal",
    "ContactType",
    "ContactWindow",
    "Conversation",
    "Customer",
    "CustomerPhone",
    "DebtPause",
    "Delivery",
    "DialLease",
    "DialogState",
    "EntryResult",
    "Holiday",
    "IdentityLock",
    "InboundEvent",
    "InboundSource",
    "InboundStatus",
    "InstallmentOption",
    "Message",
    "MessageTemplate",
    "OutboundEvent",
    "PauseReason",
    "Payment",
    "PaymentCondition",
    "PaymentInstrument",
    "Receivable",
    "ResultType",
    "RuleFilter",
    "RuleRun",
    "SandboxAttachment",
    "SandboxChannel",
    "SandboxMessage",
    "ServiceTicket",
    "SignInFailure",
    "UsedLink",
    "User",
]
