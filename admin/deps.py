"""What a route needs, declared once as `Annotated` dependencies (the FastAPI full-stack
template's api/deps.py): the settings, today in the ISP's zone, the senders and relays, the
signed-in user, and the user holding a permission.

The permission itself is decided by `negotiation.permissions.ensure`, the same check every
service makes with the acting user: a route's dependency refuses early (and documents the
need in the OpenAPI), the service refuses whoever calls it, API and console alike.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from admin.security import CurrentUser
from models import Conversation, User
from models.clock import today_in
from models.enums import Channel
from negotiation import catalog, conversations
from negotiation.conversations import Relay
from negotiation.errors import Conflict
from negotiation.permissions import Permission, ensure
from quita.settings import Settings


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _today(request: Request) -> date:
    return today_in(request.app.state.settings.timezone)


def _senders(request: Request) -> Any:
    return request.app.state.senders


SettingsDep = Annotated[Settings, Depends(_settings)]
TodayDep = Annotated[date, Depends(_today)]
SendersDep = Annotated[Any, Depends(_senders)]


def Requires(permission: Permission) -> Any:
    """`user: Requires(Permission.X)`: the signed-in user, if their role holds `permission`."""

    async def check(user: CurrentUser) -> User:
        ensure(user, permission)
        return user

    check.permission = permission  # type: ignore[attr-defined]  # read by `declared_permission`
    return Annotated[User, Depends(check)]


class Channels:
    """The app's ways to reach a debtor per channel (`app.state.relays`) and to put the bot
    back on a conversation (`app.state.resumers`), for the API and the console alike."""

    def __init__(self, request: Request) -> None:
        self._state = request.app.state

    def relay(self, conversation: Conversation) -> Relay:
        relays = getattr(self._state, "relays", None) or {}
        relay = relays.get(Channel(conversation.channel))
        if relay is None:
            raise Conflict(f"canal sem envio configurado ({conversation.channel})")
        return relay

    async def hand_back(self, conversation_id: int, user: User) -> None:
        """Give the conversation back to the bot, which shows the debtor the screen of the step
        they were on."""
        conversation = await catalog.existing(Conversation, conversation_id, "conversa")
        await conversations.hand_back(conversation_id, user, self.relay(conversation))
        resume = (getattr(self._state, "resumers", None) or {}).get(conversation.channel)
        if resume is not None:
            await resume(conversation)


ChannelsDep = Annotated[Channels, Depends(Channels)]


def Page(permission: Permission | None = None) -> Any:
    """`signed: Page(Permission.X)`: a console page's signed-in user (cookie session), if their
    role holds `permission`; a POST must also carry the session's CSRF token."""
    # Imported here: the console package imports this module while it loads its pages.
    from admin.console.session import Signed, allowed

    dependency = allowed(permission)
    dependency.dependency.permission = permission  # type: ignore[union-attr]
    return Annotated[Signed, dependency]


# One alias per permission, so a signature reads `user: CanConfigure`.
CanConfigure = Requires(Permission.CONFIGURE)
CanRunRules = Requires(Permission.RUN_RULES)
CanViewCampaigns = Requires(Permission.VIEW_CAMPAIGNS)
CanViewCustomer = Requires(Permission.VIEW_CUSTOMER)
CanNegotiate = Requires(Permission.NEGOTIATE)
CanRecordResults = Requires(Permission.RECORD_RESULTS)
CanExport = Requires(Permission.EXPORT_TO_AGENCY)
CanManageUsers = Requires(Permission.MANAGE_USERS)
CanViewAudit = Requires(Permission.VIEW_AUDIT)
CanImportData = Requires(Permission.IMPORT_DATA)
CanRecordPayments = Requires(Permission.RECORD_PAYMENTS)
CanHandleConversations = Requires(Permission.HANDLE_CONVERSATIONS)
CanViewReports = Requires(Permission.VIEW_REPORTS)


# Which route serves which resource of `negotiation.permissions.RESOURCES`: the longest path
# prefix wins. A route under /api/v1 or /console must need its resource's permission (read:
# GET; change: any other method), be for any signed-in user, or be public: the test
# tests/admin/test_route_permissions.py walks the app's routes against this.
ROUTE_RESOURCES: dict[str, str] = {
    "/api/v1/conditions": "conditions",
    "/api/v1/rules": "rules",
    "/api/v1/rules/{rule_id}/preview": "rule_runs",
    "/api/v1/rules/{rule_id}/runs": "rule_runs",
    "/api/v1/runs": "rule_runs",
    "/api/v1/agencies": "catalog",
    "/api/v1/result-types": "result_vocabulary",
    "/api/v1/contact-types": "result_vocabulary",
    "/api/v1/collection-statuses": "result_vocabulary",
    "/api/v1/contact-windows": "contact_windows",
    "/api/v1/holidays": "contact_windows",
    "/api/v1/message-templates": "message_templates",
    "/api/v1/users": "users",
    "/api/v1/audit": "audit",
    "/api/v1/campaigns": "campaigns",
    "/api/v1/entries": "entries",
    "/api/v1/exports": "exports",
    "/api/v1/customers": "customers",
    "/api/v1/agreements": "agreements",
    "/api/v1/deliveries": "agreements",
    "/api/v1/calls": "calls",
    "/api/v1/conversations": "conversations",
    "/api/v1/imports": "imports",
    "/api/v1/payments": "payments",
    "/api/v1/reports": "reports",
    "/console/conditions": "conditions",
    "/console/rules": "rules",
    "/console/rules/{rule_id}/preview": "rule_runs",
    "/console/rules/{rule_id}/run": "rule_runs",
    "/console/runs": "rule_runs",
    "/console/catalog": "catalog",
    "/console/windows": "contact_windows",
    "/console/holidays": "contact_windows",
    "/console/message-templates": "message_templates",
    "/console/users": "users",
    "/console/audit": "audit",
    "/console/campaigns": "campaigns",
    "/console/campaigns/export": "exports",
    "/console/entries": "entries",
    "/console/agreements": "agreements",
    "/console/deliveries": "agreements",
    "/console/customers": "customers",
    "/console/receipts": "customers",
    "/console/outbox": "outbox",
    "/console/inbox": "conversations",
    "/console/conversations": "conversations",
    "/console/simulator": "conversations",
    "/console/calculator": "calculator",
    "/console/reports": "reports",
}

# Open to anyone: signing in and out.
PUBLIC_ROUTES = frozenset(
    {
        ("POST", "/api/v1/auth/token"),
        ("GET", "/console/login"),
        ("POST", "/console/login"),
        ("POST", "/console/logout"),
    }
)
# Open to any signed-in user: who am I, and the dashboard (an agency's own figures only).
SIGNED_IN_ROUTES = frozenset(
    {("GET", "/api/v1/auth/me"), ("GET", "/api/v1/dashboard"), ("GET", "/console")}
)


def resource_of(path: str) -> str | None:
    """The resource a route serves (`ROUTE_RESOURCES`), by the longest prefix of its path."""
    best = ""
    for prefix in ROUTE_RESOURCES:
        if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > len(best):
            best = prefix
    return ROUTE_RESOURCES.get(best)


def declared_permission(dependant: Any) -> Permission | None:
    """The permission a route's dependencies require (`Requires`, `Page`), or None."""
    for sub in dependant.dependencies:
        found = getattr(sub.call, "permission", None) or declared_permission(sub)
        if found is not None:
            return found
    return None
