"""Rendering console pages: the layout gets the user, the menu they may use, the CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from admin.console.session import Signed
from negotiation.permissions import Permission
from negotiation.rendering import render_html

# The menu: (label, path, permission). Only what the role may use is shown.
MENU: list[tuple[str, str, Permission | None]] = [
    ("Painel", "/console", None),
    ("Campanhas", "/console/campaigns", Permission.VIEW_CAMPAIGNS),
    ("Conversas", "/console/inbox", Permission.HANDLE_CONVERSATIONS),
    ("Calculadora", "/console/calculator", Permission.NEGOTIATE),
    ("Simulador de chat", "/console/simulator", Permission.HANDLE_CONVERSATIONS),
    ("Condições", "/console/conditions", Permission.CONFIGURE),
    ("Réguas", "/console/rules", Permission.CONFIGURE),
    ("Modelos de mensagem", "/console/message-templates", Permission.CONFIGURE),
    ("Cadastros", "/console/catalog", Permission.CONFIGURE),
    ("Janelas e feriados", "/console/windows", Permission.CONFIGURE),
    ("Usuários", "/console/users", Permission.MANAGE_USERS),
    ("Auditoria", "/console/audit", Permission.VIEW_AUDIT),
    ("Relatórios", "/console/reports", Permission.VIEW_REPORTS),
]


# What a redirect after a successful form may announce (?ok=<code>): fixed texts, so a link
# cannot put words of its own on a console page.
FLASHES = {
    "saved": "Salvo.",
    "created": "Criado.",
    "deleted": "Excluído.",
    "started": "Execução iniciada.",
    "result": "Resultado registrado.",
    "agreement": "Acordo registrado.",
    "sent": "Envio registrado.",
    "exported": "Entradas exportadas.",
    "claimed": "Conversa assumida.",
    "handed_back": "Conversa devolvida ao robô.",
    "closed": "Conversa encerrada.",
    "pause_ended": "Pausa encerrada: a cobrança pode ser retomada.",
}


# Shown only in the sandbox (QUITA_SANDBOX), where it is what the demo "sent".
SANDBOX_MENU = ("Caixa de saída (demo)", "/console/outbox", Permission.VIEW_CUSTOMER)


def menu_for(signed: Signed, *, sandbox: bool = False) -> list[dict[str, str]]:
    return [
        {"label": label, "path": path}
        for label, path, permission in [*MENU, *([SANDBOX_MENU] if sandbox else [])]
        if permission is None or signed.can(permission)
    ]


def page(
    request: Request, signed: Signed, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    settings = request.app.state.settings
    html = render_html(
        template,
        user=signed.user,
        can=signed.can,
        csrf_token=signed.csrf_token,
        menu=menu_for(signed, sandbox=settings.sandbox),
        current=request.url.path,
        flash=FLASHES.get(request.query_params.get("ok", "")),
        isp={"name": settings.isp_name, "cnpj": settings.isp_cnpj},
        **{"tz": settings.tz, **context},  # the `when` filter reads instants in the ISP's zone
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
