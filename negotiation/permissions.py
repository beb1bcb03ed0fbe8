"""Who may do what: named permissions and the roles that hold them (API and console alike)."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

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
    VIEW_REPORTS = "view_reports"


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


class Access(NamedTuple):
    """What a resource needs: one permission to read it, one of `write` to change it (an entry
    is worked in several ways: a result, a negotiation, the end of a pause)."""

    read: Permission
    write: frozenset[Permission]


def _access(read: Permission, *write: Permission) -> Access:
    return Access(read, frozenset(write or (read,)))


P = Permission

# The one table of who reads and changes what, for the API and the console alike: a route of
# either declares the permission its resource needs here (admin/deps.py maps the routes to
# these names; tests/admin/test_route_permissions.py walks every route against this table).
RESOURCES: dict[str, Access] = {
    # Configuration is read where it is edited: the conditions and rules say how far Quita
    # goes in a negotiation, the catalogs hold the agencies' CNPJs and contacts.
    "conditions": _access(P.CONFIGURE),
    "rules": _access(P.CONFIGURE),
    "rule_runs": _access(P.RUN_RULES),
    "catalog": _access(P.CONFIGURE),
    "contact_windows": _access(P.CONFIGURE),
    "message_templates": _access(P.CONFIGURE),
    # What recording a result picks from (result types, contact types, Serasa statuses):
    # whoever records a result reads them, as the entry page shows them.
    "result_vocabulary": _access(P.RECORD_RESULTS, P.CONFIGURE),
    "users": _access(P.MANAGE_USERS),
    "audit": _access(P.VIEW_AUDIT),
    "campaigns": _access(P.VIEW_CAMPAIGNS, P.CONFIGURE),
    # An entry carries the offers its debtor may take: an agency or an attendant negotiates
    # from there, without reading the conditions behind them.
    "entries": _access(P.VIEW_CAMPAIGNS, P.RECORD_RESULTS, P.NEGOTIATE, P.HANDLE_CONVERSATIONS),
    "exports": _access(P.EXPORT_TO_AGENCY),
    "customers": _access(P.VIEW_CUSTOMER),
    "agreements": _access(P.VIEW_CUSTOMER),
    "calls": _access(P.VIEW_CUSTOMER),
    "outbox": _access(P.VIEW_CUSTOMER),  # the debtors' messages are customer data
    "conversations": _access(P.HANDLE_CONVERSATIONS),
    "calculator": _access(P.NEGOTIATE),
    "imports": _access(P.IMPORT_DATA),
    "payments": _access(P.RECORD_PAYMENTS),
    # Files a supervisor downloads (who recorded which result, for a period).
    "reports": _access(P.VIEW_REPORTS),
}


def allows(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]


def ensure(user: User, permission: Permission) -> None:
    """The one permission check: every service that writes calls it with the acting user, so
    the API, the console and the CLI are refused alike (PermissionDenied → 403)."""
    if not allows(user.role, permission):
        raise PermissionDenied(f"seu perfil ({user.role}) não pode: {permission}")
