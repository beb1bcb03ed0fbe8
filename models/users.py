"""Users of the console and API, and the audit log of every change."""

from __future__ import annotations

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from models.enums import Role, sql_in
from models.fields import Timestamp


class User(Model):
    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=60, unique=True)
    full_name = fields.CharField(max_length=120, default="")
    email = fields.CharField(max_length=254, null=True)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=12)
    # Agency users belong to one agency and see only what was exported to it.
    agency = fields.ForeignKeyField(
        "models.Agency", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    active = fields.BooleanField(default=True)
    created_at = Timestamp(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user"
        ordering = ["username"]
        constraints = (
            CheckConstraint(check=sql_in("role", Role), name="ck_user_role"),
            CheckConstraint(
                check="(role = 'agency') = (agency_id IS NOT NULL)", name="ck_user_agency"
            ),
        )

    def __str__(self) -> str:
        return self.username


class AuditLog(Model):
    id = fields.BigIntField(primary_key=True)
    created_at = Timestamp(auto_now_add=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    # Who, when the actor is not a user: "telegram", "voice", "cli", "system".
    actor = fields.CharField(max_length=60)
    action = fields.CharField(max_length=60)
    entity = fields.CharField(max_length=60)
    entity_id = fields.CharField(max_length=64, null=True)
    before = fields.JSONField(null=True)
    after = fields.JSONField(null=True)

    class Meta:
        table = "audit_log"
        ordering = ["-created_at", "-id"]
        indexes = (("entity", "entity_id"),)


class ConsoleSession(Model):
    """A signed-in browser of the console. The cookie holds a random key, and only its SHA-256
    is stored, with the session CSRF token. Signing out deletes the row."""

    key_hash = fields.CharField(max_length=64, primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="sessions", on_delete=fields.CASCADE)
    csrf_token = fields.CharField(max_length=64)
    created_at = Timestamp(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "console_session"
        indexes = (("user_id",),)
