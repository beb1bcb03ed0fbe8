"""E-mail through SMTP (aiosmtplib), from the fixed sender with the fixed subject (the seed:
"Os campos Assunto e Contato são fixos")."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from models import SandboxChannel
from negotiation import sandbox
from negotiation.errors import InvalidInput, SendError

# SMTP replies that mean the address itself is wrong: trying again cannot help.
_PERMANENT_CODES = {501, 550, 551, 553}


def build_mail(message, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail.set_content(message.text)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.mime.partition("/")
        mail.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
        )
    return mail


class SandboxMailSender:
    """The sandbox's e-mail: the same message, kept in the outbox instead of going out."""

    channel = "email"

    def __init__(self, sender: str) -> None:
        self.sender = sender

    async def send(self, message) -> str:
        mail = build_mail(message, self.sender)  # what would have gone (and its Message-ID)
        files = [sandbox.File(a.filename, a.mime, a.content) for a in message.attachments]
        await sandbox.record(
            SandboxChannel.EMAIL,
            message.recipient,
            sender=self.sender,
            subject=message.subject,
            text=message.text,
            html=message.html,
            files=files,
            external_id=mail["Message-ID"],
        )
        return mail["Message-ID"]


class SmtpSender:
    channel = "email"

    def __init__(self, smtp_url: str, sender: str, *, timeout: float = 20) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise InvalidInput(f"QUITA_SMTP_URL inválida: {smtp_url!r} (use smtp://host:porta)")
        self.host = parts.hostname
        self.use_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.use_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    def build(self, message) -> EmailMessage:
        return build_mail(message, self.sender)

    async def send(self, message) -> str:
        mail = self.build(message)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.use_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = {r.code for r in error.recipients}
            raise SendError(
                f"o servidor de e-mail recusou {message.recipient}: {error}",
                permanent=bool(codes & _PERMANENT_CODES),
            ) from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise SendError(f"falha ao enviar e-mail: {error}") from None
        return mail["Message-ID"]
