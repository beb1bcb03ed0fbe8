"""A fake PSP speaking Banco Central's Pix API (cobv), as a real HTTP server on 127.0.0.1.

It is strict like a PSP: OAuth2 client credentials with HTTP Basic, Bearer tokens that expire
or can be revoked, `cobv` bodies checked against the spec's formats (400 with the spec's
problem JSON and `violacoes` otherwise). Every request is recorded for assertions, and a test
can force failures (`fail_next`), revoke tokens (`expire_tokens`), slow it down (`delay`),
drop `pixCopiaECola` or corrupt its CRC.

Fixtures: `pix_psp_server` (one server per session) and `pix_psp` (the same server, reset
before each test).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from negotiation.payments import pix
from tests.fakes.server import ThreadedServer

API_PREFIX = "/api/v2"
CLIENT_ID = "quita-client"
CLIENT_SECRET = "s3cr3t-do-psp"
LOCATION_HOST = "pix.example.com"
ERROR_BASE = "https://pix.bcb.gov.br/api/v2/error"

TXID = re.compile(r"[a-zA-Z0-9]{26,35}")
MONEY = re.compile(r"\d{1,10}\.\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
COBV_FIELDS = {
    "calendario",
    "devedor",
    "loc",
    "valor",
    "chave",
    "solicitacaoPagador",
    "infoAdicionais",
}
PATCH_FIELDS = COBV_FIELDS | {"status"}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] | None = None


@dataclass
class Forced:
    status: int
    body: Any
    endpoint: str  # "api" or "token"


@dataclass
class FakePsp:
    """State of the fake PSP; the server thread and the test share it under `lock`."""

    host: str = "127.0.0.1"
    port: int = 0
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    merchant_name: str = "Provedor Exemplo Ltda"
    merchant_city: str = "Campinas"
    token_lifetime: int = 60  # expires_in of new tokens, enforced by the server
    delay: float = 0.0  # seconds before answering any request
    omit_copia_e_cola: bool = False
    corrupt_crc: bool = False
    requests: list[Recorded] = field(default_factory=list)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)  # token -> monotonic expiry
    forced: list[Forced] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The Pix API base URL (what QUITA_PIX_API_URL would be)."""
        return f"{self.root}{API_PREFIX}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/oauth/token"

    # --- test controls ----------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.token_lifetime = 60
            self.delay = 0.0
            self.omit_copia_e_cola = False
            self.corrupt_crc = False
            self.requests.clear()
            self.charges.clear()
            self.tokens.clear()
            self.forced.clear()

    def fail_next(
        self, status: int, body: Any = None, *, times: int = 1, endpoint: str = "api"
    ) -> None:
        """The next `times` requests to the API (or the token endpoint) get this answer."""
        if body is None:
            body = _problem(
                "ServicoIndisponivel" if status >= 500 else "RequisicaoInvalida",
                "Serviço indisponível." if status >= 500 else "Requisição inválida.",
                status,
                "Falha forçada pelo teste.",
            )
        with self.lock:
            self.forced.extend(Forced(status, body, endpoint) for _ in range(times))

    def expire_tokens(self) -> None:
        """Revokes every token issued so far: the next API call gets 401."""
        with self.lock:
            self.tokens.clear()

    def requests_to(self, method: str | None = None, path_part: str = "") -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and path_part in r.path
            ]

    @property
    def token_requests(self) -> list[Recorded]:
        return self.requests_to("POST", "/oauth/token")

    @property
    def api_requests(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if "/oauth/token" not in r.path]

    # --- handlers ---------------------------------------------------------------------

    def _take_forced(self, endpoint: str) -> Forced | None:
        with self.lock:
            for i, forced in enumerate(self.forced):
                if forced.endpoint == endpoint:
                    return self.forced.pop(i)
        return None

    async def _record(self, request: Request) -> Recorded:
        raw = await request.body()
        recorded = Recorded(
            method=request.method,
            path=request.url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
        )
        ctype = request.headers.get("content-type", "")
        if raw and ctype.startswith("application/json"):
            try:
                recorded.json = json.loads(raw)
            except ValueError:
                recorded.json = raw.decode("utf-8", "replace")
        elif raw and ctype.startswith("application/x-www-form-urlencoded"):
            recorded.form = dict(parse_qsl(raw.decode()))
        with self.lock:
            self.requests.append(recorded)
        if self.delay:
            await asyncio.sleep(self.delay)
        return recorded

    async def token(self, request: Request) -> Response:
        recorded = await self._record(request)
        forced = self._take_forced("token")
        if forced is not None:
            return JSONResponse(forced.body, status_code=forced.status)
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if recorded.headers.get("authorization") != f"Basic {expected}":
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Credenciais inválidas."},
                status_code=401,
            )
        if (recorded.form or {}).get("grant_type") != "client_credentials":
            return JSONResponse(
                {"error": "unsupported_grant_type", "error_description": "Use client_credentials."},
                status_code=400,
            )
        token = secrets.token_urlsafe(24)
        with self.lock:
            lifetime = self.token_lifetime
            self.tokens[token] = time.monotonic() + lifetime
        return JSONResponse(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": lifetime,
                "scope": (recorded.form or {}).get("scope", ""),
            }
        )

    def _authorized(self, recorded: Recorded) -> bool:
        auth = recorded.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return False
        with self.lock:
            expiry = self.tokens.get(auth[len("Bearer ") :])
        return expiry is not None and time.monotonic() < expiry

    async def cobv(self, request: Request) -> Response:
        recorded = await self._record(request)
        if not self._authorized(recorded):
            return JSONResponse(
                _problem("AcessoNegado", "Não autorizado.", 401, "Token ausente ou expirado."),
                status_code=401,
            )
        forced = self._take_forced("api")
        if forced is not None:
            if isinstance(forced.body, str):
                return Response(forced.body, status_code=forced.status, media_type="text/plain")
            return JSONResponse(forced.body, status_code=forced.status)
        txid = request.path_params["txid"]
        if not TXID.fullmatch(txid):
            return _invalid([("O campo txid não respeita o schema.", "cobv.txid")])
        if request.method == "PUT":
            return self._put(txid, recorded.json)
        with self.lock:
            charge = self.charges.get(txid)
        if charge is None:
            return JSONResponse(
                _problem(
                    "CobVNaoEncontrada",
                    "Cobrança não encontrada.",
                    404,
                    "Não foi encontrada cobrança com vencimento com o txid informado.",
                ),
                status_code=404,
            )
        if request.method == "GET":
            return JSONResponse(self._view(charge))
        return self._patch(charge, recorded.json)

    def _put(self, txid: str, body: Any) -> Response:
        violations = _validate_cobv(body)
        if violations:
            return _invalid(violations)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self.lock:
            old = self.charges.get(txid)
            if old is not None and old["status"] != "ATIVA":
                return _invalid([("A cobrança não está ATIVA.", "cobv.status")])
            loc_uuid = old["loc"]["location"].rsplit("/", 1)[1] if old else uuid.uuid4().hex
            charge = {
                "calendario": {"criacao": now, **body["calendario"]},
                "txid": txid,
                "revisao": (old["revisao"] + 1) if old else 0,
                "loc": {
                    "id": abs(hash(loc_uuid)) % 10**6,
                    "location": f"{LOCATION_HOST}/qr/v2/cobv/{loc_uuid}",
                    "tipoCob": "cobv",
                    "criacao": now,
                },
                "status": "ATIVA",
                "devedor": body["devedor"],
                "valor": body["valor"],
                "chave": body["chave"],
            }
            if "solicitacaoPagador" in body:
                charge["solicitacaoPagador"] = body["solicitacaoPagador"]
            self.charges[txid] = charge
        return JSONResponse(self._view(charge), status_code=201)

    def _patch(self, charge: dict[str, Any], body: Any) -> Response:
        if not isinstance(body, dict) or not body:
            return _invalid([("O corpo deve ser um objeto JSON.", "cobv")])
        extra = sorted(set(body) - PATCH_FIELDS)
        if extra:
            return _invalid([(f"O campo cobv.{extra[0]} não é permitido.", f"cobv.{extra[0]}")])
        status = body.get("status")
        if status is not None and status != "REMOVIDA_PELO_USUARIO_RECEBEDOR":
            return _invalid([("O campo cobv.status não respeita o schema.", "cobv.status")])
        with self.lock:
            if charge["status"] != "ATIVA":
                return _invalid([("A cobrança não está ATIVA.", "cobv.status")])
            if status is not None:
                charge["status"] = status
            charge["revisao"] += 1
        return JSONResponse(self._view(charge))

    def _view(self, charge: dict[str, Any]) -> dict[str, Any]:
        view = {
            **charge,
            "recebedor": {"nome": self.merchant_name, "cidade": self.merchant_city},
        }
        if not self.omit_copia_e_cola:
            code = pix.build_dynamic(
                charge["loc"]["location"], self.merchant_name, self.merchant_city, shorten=True
            )
            if self.corrupt_crc:
                good = code[-4:]
                code = code[:-4] + ("0000" if good != "0000" else "FFFF")
            view["pixCopiaECola"] = code
        return view

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(f"{API_PREFIX}/oauth/token", self.token, methods=["POST"]),
                Route(f"{API_PREFIX}/cobv/{{txid}}", self.cobv, methods=["PUT", "GET", "PATCH"]),
            ]
        )


def _problem(kind: str, title: str, status: int, detail: str, violations=None) -> dict:
    problem: dict[str, Any] = {
        "type": f"{ERROR_BASE}/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if violations:
        problem["violacoes"] = [{"razao": r, "propriedade": p} for r, p in violations]
    return problem


def _invalid(violations: list[tuple[str, str]]) -> JSONResponse:
    return JSONResponse(
        _problem(
            "CobVOperacaoInvalida",
            "Cobrança inválida.",
            400,
            "A requisição que busca alterar ou criar uma cobrança com vencimento não respeita"
            " o schema ou está semanticamente errada.",
            violations,
        ),
        status_code=400,
    )


def _validate_cobv(body: Any) -> list[tuple[str, str]]:
    """The spec's checks on a cobv request body, as (razao, propriedade) pairs."""
    if not isinstance(body, dict):
        return [("O corpo deve ser um objeto JSON.", "cobv")]
    out: list[tuple[str, str]] = []

    def bad(prop: str, reason: str = "não respeita o schema") -> None:
        out.append((f"O campo {prop} {reason}.", prop))

    for extra in sorted(set(body) - COBV_FIELDS):
        bad(f"cobv.{extra}", "não é permitido")

    cal = body.get("calendario")
    if not isinstance(cal, dict):
        bad("cobv.calendario", "é obrigatório")
    else:
        due = cal.get("dataDeVencimento")
        try:
            if not isinstance(due, str) or not DATE.fullmatch(due):
                raise ValueError
            date.fromisoformat(due)
        except ValueError:
            bad("cobv.calendario.dataDeVencimento")
        after = cal.get("validadeAposVencimento", 30)
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            bad("cobv.calendario.validadeAposVencimento")

    debtor = body.get("devedor")
    if not isinstance(debtor, dict):
        bad("cobv.devedor", "é obrigatório")
    else:
        if not isinstance(debtor.get("nome"), str) or not debtor["nome"].strip():
            bad("cobv.devedor.nome", "é obrigatório")
        cpf, cnpj = debtor.get("cpf"), debtor.get("cnpj")
        if (cpf is None) == (cnpj is None):
            bad("cobv.devedor", "deve ter cpf ou cnpj (um dos dois)")
        elif cpf is not None and not (isinstance(cpf, str) and re.fullmatch(r"\d{11}", cpf)):
            bad("cobv.devedor.cpf")
        elif cnpj is not None and not (isinstance(cnpj, str) and re.fullmatch(r"\d{14}", cnpj)):
            bad("cobv.devedor.cnpj")

    valor = body.get("valor")
    if not isinstance(valor, dict):
        bad("cobv.valor", "é obrigatório")
    else:
        original = valor.get("original")
        if not isinstance(original, str) or not MONEY.fullmatch(original):
            bad("cobv.valor.original")
        for name, top in (("multa", 2), ("juros", 8), ("abatimento", 2), ("desconto", 6)):
            part = valor.get(name)
            if part is None:
                continue
            mode = part.get("modalidade") if isinstance(part, dict) else None
            if isinstance(mode, bool) or not isinstance(mode, int) or not 1 <= mode <= top:
                bad(f"cobv.valor.{name}.modalidade")
            perc = part.get("valorPerc") if isinstance(part, dict) else None
            if name != "desconto" and not (isinstance(perc, str) and MONEY.fullmatch(perc)):
                bad(f"cobv.valor.{name}.valorPerc")

    key = body.get("chave")
    if not isinstance(key, str) or not 1 <= len(key) <= 77:
        bad("cobv.chave", "é obrigatório")
    request = body.get("solicitacaoPagador")
    if request is not None and (not isinstance(request, str) or len(request) > 140):
        bad("cobv.solicitacaoPagador", "deve ter até 140 caracteres")
    return out


def start_fake_psp(**options: Any) -> tuple[FakePsp, ThreadedServer]:
    psp = FakePsp(**options)
    server = ThreadedServer(psp, "fake PSP")
    server.start()
    return psp, server


@pytest.fixture(scope="session")
def pix_psp_server() -> Iterator[FakePsp]:
    """One fake PSP for the session."""
    psp, server = start_fake_psp()
    try:
        yield psp
    finally:
        server.stop()


@pytest.fixture
def pix_psp(pix_psp_server: FakePsp) -> Iterator[FakePsp]:
    """The session's fake PSP, emptied: no charges, tokens, records or forced failures."""
    pix_psp_server.reset()
    yield pix_psp_server
    pix_psp_server.reset()
