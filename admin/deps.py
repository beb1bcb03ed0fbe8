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

    return Annotated[Signed, allowed(permission)]


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
