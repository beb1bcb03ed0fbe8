"""The `quita` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from negotiation.errors import QuitaError
from quita.cli_support import fail, load_settings, run_command

if TYPE_CHECKING:
    from quita.settings import Settings

app = typer.Typer(
    help="Quita: debt negotiation for ISPs (Telegram bot, phone robot, attendants' console).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def simulate(
    file: Annotated[Path, typer.Argument(help="JSON file: one scenario or an array of them")],
) -> None:
    """The negotiation calculator: print the offers of each scenario as JSON."""
    from negotiation.scenario import simulate_text

    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except IsADirectoryError:
        fail(f"{file}: is a folder, not a file")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot be read ({exc.__class__.__name__})")
    try:
        result = simulate_text(text)
    except QuitaError as exc:
        fail(str(exc))
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


@app.command()
def migrate() -> None:
    """Apply the pending schema migrations to QUITA_DATABASE_URL."""
    from quita.db import migrate as apply

    settings = load_settings()
    run_command(apply(settings.database_url))
    typer.echo("database is up to date")


@app.command()
def demo() -> None:
    """Load the fictional demo base (safe to run twice)."""
    from quita.db import database
    from quita.demo import load_demo

    settings = load_settings(with_secret=True)

    async def go() -> dict[str, int]:
        async with database(settings.database_url):
            return await load_demo(settings)

    counts = run_command(go())
    typer.echo("demo base: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def listening_at(settings: Settings, host: str, port: int) -> Settings:
    """Without QUITA_PUBLIC_BASE_URL, the links in messages (payment page, the bot) point
    where this server really listens, not at the default port."""
    if "public_base_url" in settings.model_fields_set:
        return settings
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return settings.model_copy(update={"public_base_url": f"http://{shown}:{port}"})


def refuse_weak_secrets(settings: Settings) -> None:
    """A placeholder or short secret makes tokens and webhooks forgeable: stop before serving."""
    from quita.secret_strength import weak_setting

    problem = weak_setting(settings)
    if problem:
        fail(problem)


def refuse_demo_password(settings: Settings) -> None:
    """Outside the demo, a user still signing in with the README's password is an open door."""
    from quita.db import database
    from quita.secret_strength import demo_password_users

    async def go() -> list[str]:
        async with database(settings.database_url, apply_migrations=False):
            return await demo_password_users()

    names = run_command(go())
    if names:
        who = f"user {names[0]} still has" if len(names) == 1 else f"users {', '.join(names)} have"
        fail(
            f"{who} the demo password (public in the README): change it with"
            f" `quita users passwd {names[0]}`{' (each of them)' if len(names) > 1 else ''},"
            " or run `quita serve --demo`"
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on", min=1, max=65535)] = None,
    with_demo: Annotated[bool, typer.Option("--demo", help="Load the demo base first")] = False,
) -> None:
    """Start the web application (admin API, console, webhooks); migrates first."""
    import uvicorn

    from quita.app import create_app

    settings = load_settings(with_secret=True)
    host, port = host or settings.host, port or settings.port
    settings = listening_at(settings, host, port)
    refuse_weak_secrets(settings)
    if with_demo:
        # The demo's debtors are made up: whatever the bot, the robot or an attendant sends
        # them goes to the console's outbox ("Caixa de saída"), never to the outside world.
        settings = settings.sandboxed()
        demo()
        typer.echo("sandbox: e-mail, SMS, Telegram and robot calls go to /console/outbox")
    else:
        migrate()  # fails here, in one line, if the database cannot be reached
        refuse_demo_password(settings)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="info",
        loop=settings.event_loop,
    )


def _register_subcommands() -> None:
    # Imported here, after `fail` and friends exist: the sub-apps use them.
    from quita.cli_agreements import agreements_app
    from quita.cli_bench import bench_app
    from quita.cli_boleto import boleto_app
    from quita.cli_bot import bot_app
    from quita.cli_chat import chat
    from quita.cli_dialer import dialer_app
    from quita.cli_import import import_app
    from quita.cli_outreach import outreach_app
    from quita.cli_phone import phone
    from quita.cli_pix import pix_app
    from quita.cli_rules import rules_app
    from quita.cli_users import users_app

    app.add_typer(users_app, name="users")
    app.add_typer(import_app, name="import")
    app.add_typer(rules_app, name="rules")
    app.add_typer(bench_app, name="bench")
    app.add_typer(agreements_app, name="agreements")
    app.add_typer(boleto_app, name="boleto")
    app.add_typer(pix_app, name="pix")
    app.add_typer(bot_app, name="bot")
    app.add_typer(dialer_app, name="dialer")
    app.add_typer(outreach_app, name="outreach")
    app.command("phone")(phone)
    app.command("chat")(chat)


_register_subcommands()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
