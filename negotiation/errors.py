"""The one error hierarchy. Each error knows its HTTP status; the app maps them once."""

from __future__ import annotations


class QuitaError(Exception):
    """Base of every error a person may see. `str(error)` is the message for them."""

    http_status = 400


class InvalidInput(QuitaError):
    """The input is wrong; the message says what to fix."""

    http_status = 422


class NotFound(QuitaError):
    http_status = 404


class PermissionDenied(QuitaError):
    http_status = 403


class Conflict(QuitaError):
    """The request was valid but the world moved on (someone else acted first)."""

    http_status = 409


class NotEligible(Conflict):
    """The debt does not fit the condition (any more)."""


class DebtChanged(Conflict):
    """The debt, the condition or the date changed since the offer was quoted."""


class AlreadyNegotiated(Conflict):
    """The receivables of the offer are already in an agreement."""


class ProviderUnavailable(QuitaError):
    """A provider outside (PSP, SMTP server, Twilio, Telegram) failed or refused."""

    http_status = 502


class SendError(ProviderUnavailable):
    """A message could not be sent. `permanent`: trying again cannot help (bad address,
    the debtor blocked the bot, an unsubscribed number)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class TemporarilyUnavailable(QuitaError):
    """Quita cannot take the request now (its database is down): the sender should try again
    later, which Twilio and Telegram do for a webhook answered 503."""

    http_status = 503
