"""Who may do what: named permissions and the roles that hold them (API and console alike)."""

from __future__ import annotations

from enum import StrEnum

from models import User
from models.enums import Role
from negotiation.errors import PermissionDenied


class Permission(StrEnum):
    CONFIGURE = "configure"
    RUN_RULES = "run_rules"
    VIEW_CAMPAIGNS = "view_campaigns"
    VIEW_CUSTOMER = "view_customer"
    NEGOTIATE = "negotiate"
    RECORD_RESULTS = "record_results"
    EXPORT_TO_AGENCY = "export_to_agency"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    IMPORT_DATA = "import_data"
    RECORD_PAYMENTS = "record_payments"
    HANDLE_CONVERSATIONS = "handle_conversations"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.SUPERVISOR: frozenset(Permission) - {Permission.MANAGE_USERS},
    Role.ATTENDANT: frozenset(
        {
            Permission.VIEW_CAMPAIGNS,
            Permission.VIEW_CUSTOMER,
            Permission.NEGOTIATE,
            Permission.RECORD_RESULTS,
            Permission.HANDLE_CONVERSATIONS,
        }
    ),
    # An agency works the entries exported to it, and never opens the customer record
    # (the seed: "O Escritório de Cobrança não pode ingressar no cadastro do cliente").
    Role.AGENCY: frozenset(
        {Permission.VIEW_CAMPAIGNS, Permission.NEGOTIATE, Permission.RECORD_RESULTS}
    ),
}


def allows(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]


def ensure(user: User, permission: Permission) -> None:
    """The one permission check: every service that writes calls it with the acting user, so
    the API, the console and the CLI are refused alike (PermissionDenied → 403)."""
    if not allows(user.role, permission):
        raise PermissionDenied(f"seu perfil ({user.role}) não pode: {permission}")
