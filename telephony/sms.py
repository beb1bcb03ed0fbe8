"""SMS through Twilio Messaging.

`TwilioSmsSender.send(message)` posts one Message (from the Messaging Service when one is
configured, else from QUITA_TWILIO_FROM_NUMBER) with a status callback to
`{public_base_url}/twilio/sms/status`, and returns its SID. Failures become `SendError`, whose
`permanent` says whether trying again can ever work for this recipient.

Texts are kept to `MAX_SEGMENTS` segments (`negotiation.sms_text.sms_segments` counts them
like the carriers: GSM-7 160/153 characters, UCS-2 70/67).
"""

from __future__ import annotations

import secrets
from typing import Protocol

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.rest import Client

from models import SandboxChannel
from negotiation import errors, sandbox, sms_text
from negotiation.sms_text import sms_segments
from quita.settings import Settings
from telephony.twilio_client import TwilioNotConfigured, twilio_client

MAX_SEGMENTS = sms_text.MAX_SEGMENTS

# Twilio error codes that no retry can fix for this recipient.
PERMANENT_CODES = {
    21211,  # invalid 'To' phone number
    21610,  # the recipient replied STOP (unsubscribed)
    21614,  # 'To' is not a mobile number
}


class SmsMessage(Protocol):
    recipient: str  # E.164, e.g. +5519999990000
    text: str


class SendError(errors.SendError):
    """The SMS was not accepted by Twilio. `permanent`: retrying will not help. A
    `negotiation.errors.SendError`, so the deliveries handle it like any channel's."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: int | None = None,
        permanent: bool = False,
    ) -> None:
        super().__init__(message, permanent=permanent)
        self.code = code
        self.status = status


def check_text(text: str) -> None:
    """ValueError for an empty text or one over `MAX_SEGMENTS` segments (a caller's bug)."""
    segments = sms_segments(text)
    if segments == 0:
        raise ValueError("empty SMS text")
    if segments > MAX_SEGMENTS:
        raise ValueError(
            f"SMS text takes {segments} segments (at most {MAX_SEGMENTS}): {len(text)} characters"
        )


class SandboxSmsSender:
    """The sandbox's SMS: checked like a real one, kept in the outbox instead of going out."""

    channel = "sms"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: SmsMessage) -> str:
        check_text(message.text)
        sid = "SM" + secrets.token_hex(16)
        sender = self.settings.twilio_messaging_service_sid or self.settings.twilio_from_number
        await sandbox.record(
            SandboxChannel.SMS,
            message.recipient,
            sender=sender or "",
            text=message.text,
            external_id=sid,
        )
        return sid


class TwilioSmsSender:
    """Sends SMS with Twilio Messaging.

    With `client` (from `telephony.twilio_client.build_client`) the sender uses it and the
    caller closes it; without, each `send` opens and closes its own.
    """

    channel = "sms"

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        self.client = client

    @property
    def status_callback(self) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}/twilio/sms/status"

    def _sender(self) -> dict[str, str]:
        if self.settings.twilio_messaging_service_sid:
            return {"messaging_service_sid": self.settings.twilio_messaging_service_sid}
        if self.settings.twilio_from_number:
            return {"from_": self.settings.twilio_from_number}
        raise SendError(
            "SMS não configurado: defina QUITA_TWILIO_MESSAGING_SERVICE_SID ou "
            "QUITA_TWILIO_FROM_NUMBER"
        )

    async def send(self, message: SmsMessage) -> str:
        """Sends `message.text` to `message.recipient`; returns the Message SID (SM...).

        ValueError: empty text or more than `MAX_SEGMENTS` segments (a caller's bug).
        SendError: Twilio refused it or could not be reached.
        """
        check_text(message.text)
        sender = self._sender()
        try:
            if self.client is not None:
                return await self._create(self.client, message, sender)
            async with twilio_client(self.settings) as client:
                return await self._create(client, message, sender)
        except TwilioNotConfigured as exc:
            raise SendError(str(exc)) from exc
        except TwilioRestException as exc:
            raise _twilio_error(message.recipient, exc.code, exc.status, exc.msg) from exc
        except TwilioServiceException as exc:
            text = exc.detail or exc.title
            raise _twilio_error(message.recipient, exc.code, exc.status, text) from exc
        except TwilioException as exc:
            raise SendError(f"Falha ao enviar SMS para {message.recipient}: {exc}") from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendError(
                f"Twilio inacessível ao enviar SMS para {message.recipient}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    async def _create(self, client: Client, message: SmsMessage, sender: dict[str, str]) -> str:
        created = await client.messages.create_async(
            to=message.recipient,
            body=message.text,
            status_callback=self.status_callback,
            **sender,
        )
        if not created.sid:
            raise SendError(f"Twilio não devolveu o SID do SMS para {message.recipient}")
        return created.sid


def _twilio_error(recipient: str, code: int | None, status: int, text: str) -> SendError:
    code = code if code != status else None  # the library fills code with the status
    label = f"erro {code}" if code is not None else "erro sem código"
    hint = ""
    if code == 21610:
        hint = " (destinatário descadastrado: pediu para não receber SMS, ex. com STOP)"
    elif code == 21211:
        hint = " (número de destino inválido)"
    elif status in (401, 403):
        hint = " (credenciais da Twilio recusadas)"
    return SendError(
        f"Twilio recusou o SMS para {recipient}: {label}, HTTP {status}{hint}: {text}",
        code=code,
        status=status,
        permanent=code in PERMANENT_CODES,
    )
