"""`quita bot set-webhook` and `quita bot poll`: connect the Telegram bot."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer

bot_app = typer.Typer(
    help="The Telegram bot: register its webhook, or poll for development.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _fail(message: str) -> NoReturn:
    from quita.cli_support import fail  # late: quita.cli registers this app

    fail(message)


def _configured():
    from quita.cli_support import load_settings

    settings = load_settings()
    if not settings.telegram_token:
        _fail("QUITA_TELEGRAM_TOKEN is not set")
    return settings


@bot_app.command("set-webhook")
def set_webhook() -> None:
    """Tell Telegram to POST updates to {QUITA_PUBLIC_BASE_URL}/telegram/webhook with the
    secret of QUITA_TELEGRAM_WEBHOOK_SECRET."""
    from quita.cli_support import run_command

    settings = _configured()
    if not settings.telegram_webhook_secret:
        _fail("QUITA_TELEGRAM_WEBHOOK_SECRET is not set (Telegram must send it back to us)")
    url = f"{settings.public_base_url.rstrip('/')}/telegram/webhook"
    if not url.startswith("https://") and "127.0.0.1" not in url and "localhost" not in url:
        _fail(f"Telegram only calls https URLs; QUITA_PUBLIC_BASE_URL gives {url}")

    async def register() -> None:
        from aiogram.exceptions import AiogramError

        from bot.client import close_bot, make_bot

        bot = make_bot(settings)
        try:
            await bot.set_webhook(
                url,
                secret_token=settings.telegram_webhook_secret,
                allowed_updates=["message", "callback_query"],
                drop_pending_updates=False,
            )
        except AiogramError as error:
            _fail(f"Telegram refused the webhook: {error}")
        finally:
            await close_bot(bot)

    run_command(register())
    typer.echo(f"webhook set: {url}")


@bot_app.command("poll")
def poll() -> None:
    """Long polling, for development without a public URL (removes the webhook first)."""
    from quita.cli_support import run_command

    settings = _configured()

    async def run() -> None:
        from bot.client import close_bot, make_bot
        from bot.dispatcher import make_dispatcher
        from quita.db import database

        bot = make_bot(settings)
        dispatcher = make_dispatcher(settings)
        async with database(settings.database_url):
            try:
                await bot.delete_webhook(drop_pending_updates=False)
                await dispatcher.start_polling(bot, handle_signals=False)
            finally:
                await dispatcher.storage.close()
                await close_bot(bot)

    typer.echo("polling Telegram for updates (Ctrl+C stops)")
    run_command(run())


@bot_app.command("link")
def link(
    customer: Annotated[
        str | None,
        typer.Argument(help="External id or CPF/CNPJ; default: a customer with overdue bills"),
    ] = None,
) -> None:
    """Print a customer's single-use deep link to the bot (what SMS, e-mail and robot calls
    send), with what identifies them without it."""
    from quita.cli_support import load_settings, run_command

    settings = load_settings(with_secret=True)

    async def find() -> tuple[Any, list[str], str, str]:

        from tortoise.expressions import Q

        from models import Customer, CustomerPhone, Receivable
        from models.clock import today_in
        from negotiation.deep_links import bot_link, make_link_token
        from quita.db import database

        async with database(settings.database_url):
            if customer:
                digits = "".join(c for c in customer if c.isdigit())
                query = Q(external_id=customer) | Q(document=digits or customer)
                found = await Customer.filter(query).first()
            else:
                overdue = await Receivable.filter(
                    status="open",
                    due_date__lt=today_in(settings.timezone),
                    agreement_id__isnull=True,
                ).first()
                found = overdue and await Customer.get(id=overdue.customer_id)
            if found is None:
                _fail(f"no customer {customer!r}" if customer else "no customer with overdue bills")
            phones = await CustomerPhone.filter(customer_id=found.id).values_list(
                "number", flat=True
            )
            token = make_link_token(found.id, settings.secret_key)
            return found, phones, bot_link(settings.telegram_bot_username, token), token

    found, phones, url, token = run_command(find())
    from negotiation.rendering import terminal_safe

    # Imported from the ISP's files: shown, never obeyed by the terminal.
    typer.echo(terminal_safe(f"{found.name} ({found.external_id})"))
    typer.echo(terminal_safe(f"  CPF/CNPJ: {found.document}"))
    if found.birth_date:
        typer.echo(f"  birth date: {found.birth_date:%d/%m/%Y}")
    for number in phones:
        typer.echo(f"  phone: {number}")
    typer.echo(f"  deep link: {url}")
    typer.echo(f"  or send the bot: /start {token}")
