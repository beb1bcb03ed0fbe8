"""Users and roles: the audited create and update the API, the console and the CLI call.

`data` is UserIn's validated dict (the "agency only for the agency role" rule is UserIn's, and
the database's); the password comes in clear and is hashed here, never stored or logged.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from models import Agency, ConsoleSession, User
from negotiation import audit, catalog
from negotiation.errors import InvalidInput
from negotiation.passwords import hash_password
from negotiation.permissions import Permission, ensure


async def _check_agency(agency_id: int | None) -> None:
    if agency_id is not None and not await Agency.exists(id=agency_id):
        raise InvalidInput(f"agency_id: escritório {agency_id} não existe")


async def create_user(by: User, data: dict[str, Any]) -> User:
    ensure(by, Permission.MANAGE_USERS)
    await _check_agency(data.get("agency_id"))
    fields = {k: v for k, v in data.items() if k != "password"}
    async with in_transaction() as conn:
        created = await User.create(
            using_db=conn, password_hash=hash_password(data["password"]), **fields
        )
        await audit.record(
            user=by,
            action="create",
            entity="user",
            entity_id=created.id,
            after=audit.snapshot(created, password_hash="***"),
            using_db=conn,
        )
    return created


async def update_user(by: User, user_id: int, data: dict[str, Any]) -> User:
    """Change a user's name, e-mail, role, agency, active flag and (when given) password, with
    the audit entry. A password reset or deactivation ends their console sessions."""
    ensure(by, Permission.MANAGE_USERS)
    user = await catalog.existing(User, user_id, "usuário")
    if user.id == by.id and (not data["active"] or data["role"] != user.role):
        raise InvalidInput("role: você não pode mudar o próprio perfil nem se desativar")
    await _check_agency(data.get("agency_id"))
    before = audit.snapshot(user, password_hash="***")
    password = data.get("password")
    async with in_transaction() as conn:
        user.update_from_dict({k: v for k, v in data.items() if k not in ("username", "password")})
        if password:
            user.password_hash = hash_password(password)
        await user.save(using_db=conn)
        if password or not data["active"]:
            await ConsoleSession.filter(user_id=user.id).using_db(conn).delete()
        await audit.record(
            user=by,
            action="update",
            entity="user",
            entity_id=user.id,
            before=before,
            after=audit.snapshot(user, password_hash="***", password_reset=bool(password)),
            using_db=conn,
        )
    return user


async def reset_password(username: str, password: str) -> User:
    """The shell's password reset (`quita users passwd`): no acting user, so the audit names
    the CLI; the user's console sessions end, as with a reset from the console."""
    user = await User.get_or_none(username=username)
    if user is None:
        raise InvalidInput(f"usuário {username} não existe")
    async with in_transaction() as conn:
        user.password_hash = hash_password(password)
        await user.save(update_fields=["password_hash"], using_db=conn)
        await ConsoleSession.filter(user_id=user.id).using_db(conn).delete()
        await audit.record(
            user=None,
            actor="cli",
            action="update",
            entity="user",
            entity_id=user.id,
            after=audit.snapshot(user, password_hash="***", password_reset=True),
            using_db=conn,
        )
    return user
