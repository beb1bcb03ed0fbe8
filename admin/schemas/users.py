"""Users, sign-in tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from admin.schemas.base import Body, Id, Out
from models.enums import (
    Role,
)


class UserIn(Body):
    username: Annotated[str, Field(min_length=3, max_length=60, pattern=r"^[a-z0-9_.-]+$")]
    full_name: Annotated[str, Field(max_length=120)] = ""
    email: Annotated[str | None, Field(max_length=254)] = None
    role: Role
    agency_id: Id | None = None
    password: Annotated[str, Field(min_length=8, max_length=200)]
    active: bool = True

    @model_validator(mode="after")
    def _agency(self) -> UserIn:
        if (self.role == Role.AGENCY) != (self.agency_id is not None):
            raise ValueError("agency_id: obrigatório para o perfil agency, e só para ele")
        return self


# The minimum is UserIn's: the console's pages say it in words.
PASSWORD_MIN: int = next(
    m.min_length for m in UserIn.model_fields["password"].metadata if hasattr(m, "min_length")
)


class UserEdit(UserIn):
    """What the edit page changes: UserIn (and its agency rule), the password optional."""

    password: Annotated[  # type: ignore[assignment]
        str | None, Field(min_length=PASSWORD_MIN, max_length=200)
    ] = None


class UserOut(Out):
    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    agency_id: int | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class AuditOut(Out):
    id: int
    created_at: datetime
    user_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: Any
    after: Any
