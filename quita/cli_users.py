"""`quita users add`: create users from the shell (the first admin, above all)."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from models.enums import Role

users_app = typer.Typer(help="Users of the console and API.", no_args_is_help=True)


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Login name (lowercase letters, digits, ._-)")],
    role: Annotated[Role, typer.Option(help="admin, supervisor, attendant or agency")] = Role.ADMIN,
    full_name: Annotated[str, typer.Option(help="Name shown in the console")] = "",
    agency_id: Annotated[int | None, typer.Option(help="The agency of an agency user")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user; asks for the password (or takes --password)."""
    from admin.passwords import hash_password
    from admin.schemas import UserIn
    from models import User
    from negotiation import audit
    from negotiation.errors import InvalidInput
    from quita.cli_support import fail, load_settings, run_command
    from quita.db import database

    try:
        data = UserIn(
            username=username,
            role=role,
            full_name=full_name,
            agency_id=agency_id,
            password=password,
        )
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "user"
        fail(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    settings = load_settings()

    async def go() -> int:
        async with database(settings.database_url):
            if await User.exists(username=data.username):
                raise InvalidInput(f"usuário {data.username} já existe")
            user = await User.create(
                password_hash=hash_password(data.password),
                **data.model_dump(exclude={"password"}),
            )
            await audit.record(
                user=None,
                actor="cli",
                action="create",
                entity="user",
                entity_id=user.id,
                after=audit.snapshot(user, password_hash="***"),
            )
            return user.id

    user_id = run_command(go())
    typer.echo(f"usuário {data.username} criado (id {user_id}, perfil {data.role})")


@users_app.command("passwd")
def passwd(
    username: Annotated[str, typer.Argument(help="Whose password to set")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Set a user's password (the demo's, above all); asks for it (or takes --password). Their
    console sessions end."""
    from admin.schemas.users import PASSWORD_MIN
    from negotiation import users
    from quita.cli_support import fail, load_settings, run_command
    from quita.db import database
    from quita.demo import DEMO_ADMIN

    if len(password) < PASSWORD_MIN:
        fail(f"password: at least {PASSWORD_MIN} characters")
    if password == DEMO_ADMIN[1]:
        fail("password: that is the demo's password, public in the README")
    settings = load_settings()

    async def go() -> None:
        async with database(settings.database_url):
            await users.reset_password(username, password)

    run_command(go())
    typer.echo(f"senha de {username} alterada")
