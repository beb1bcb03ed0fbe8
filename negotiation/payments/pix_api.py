"""Client for Banco Central's standard Pix API ("API Pix" v2) of a PSP: due-date charges.

Used when the ISP sets `QUITA_PIX_PROVIDER=api`. The PSP creates a `cobv` (charge with a due
date, fine and interest) and gives back its location and the dynamic BR Code
("pixCopiaECola"); the code is checked with `negotiation.payments.pix.parse` before anyone
sees it. Authentication is OAuth2 client credentials (HTTP Basic on the token endpoint),
optionally over mTLS with the PSP's client certificate.

Spec: https://bacen.github.io/pix-api/ (cobv: PUT/GET/PATCH /cobv/{txid}).
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

import httpx

from negotiation.errors import InvalidInput, ProviderUnavailable
from negotiation.payments import pix

if TYPE_CHECKING:
    from negotiation.config import PixPsp

# A cobv txid is 26 to 35 letters and digits (spec). Static BR Codes carry at most 25
# (`pix.TXID_MAX`), so the two never collide.
COBV_TXID = re.compile(r"[a-zA-Z0-9]{26,35}")
COBV_TXID_PREFIX = "QUITA"
COBV_TXID_MIN = 26
COBV_TXID_MAX = 35

SCOPE = "cobv.write cobv.read"
PAYER_REQUEST_MAX = 140  # solicitacaoPagador
DEBTOR_NAME_MAX = 200
# valor.multa.modalidade: 1 = fixed value, 2 = percent.
FINE_PERCENT = 2
# valor.juros.modalidade: 1 value/day, 2 percent/day, 3 percent/month, 4 percent/year (all in
# calendar days); 5-8 the same in business days. The ISP's interest is percent per month.
INTEREST_PERCENT_MONTH_CALENDAR_DAYS = 3
REMOVED_BY_RECEIVER = "REMOVIDA_PELO_USUARIO_RECEBEDOR"

_CENT = Decimal("0.01")
_TOKEN_MARGIN_MAX = 30.0  # seconds before `expires_in` at which a cached token is renewed


class PixApiError(ProviderUnavailable):
    """Any failure with the PSP (502: the fault is upstream). The message is for people.

    `status_code` is the PSP's HTTP status (None when there was no answer) and `problem`
    the spec's problem JSON (`title`, `detail`, `violacoes`) when it sent one.
    """

    http_status = 502

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        problem: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.problem = problem or {}


class PspUnavailable(PixApiError):
    """The PSP is unreachable, timed out or answered 5xx: worth trying again later."""


class PspRefused(PixApiError):
    """The PSP answered 4xx: the request (or the credentials) was refused."""


@dataclass(frozen=True)
class DueCharge:
    txid: str
    location: str
    payload: str  # the BR Code ("pixCopiaECola"), already validated
    status: str


def cobv_txid(receivable_id: int) -> str:
    """The cobv txid of a receivable: "QUITA" and the id zero-padded to 26 characters."""
    if isinstance(receivable_id, bool) or not isinstance(receivable_id, int) or receivable_id < 1:
        raise InvalidInput(f"txid: o id do título deve ser um inteiro positivo ({receivable_id!r})")
    width = COBV_TXID_MIN - len(COBV_TXID_PREFIX)
    txid = f"{COBV_TXID_PREFIX}{receivable_id:0{width}d}"
    if len(txid) > COBV_TXID_MAX:
        raise InvalidInput(f"txid: o id {receivable_id} não cabe em {COBV_TXID_MAX} caracteres")
    return txid


def _check_txid(txid: str) -> str:
    if not isinstance(txid, str) or not COBV_TXID.fullmatch(txid):
        raise InvalidInput(
            f"txid: {txid!r} deve ter de {COBV_TXID_MIN} a {COBV_TXID_MAX} letras e dígitos"
        )
    return txid


def _money(value: Decimal | int | str, field: str, *, allow_zero: bool = False) -> str:
    """Two decimals as a string ("123.45"); more than two decimals is an error."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"{field}: {value!r} não é um número") from None
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        raise InvalidInput(f"{field}: {value!r} deve ser maior que zero")
    if number != number.quantize(_CENT):
        raise InvalidInput(f"{field}: {value!r} tem mais de duas casas decimais")
    return f"{number.quantize(_CENT):.2f}"


def _payer_request(description: str) -> str:
    text = " ".join(description.split())
    if len(text) <= PAYER_REQUEST_MAX:
        return text
    return pix.shorten_at_word(text, PAYER_REQUEST_MAX) or text[:PAYER_REQUEST_MAX]


def _debtor(document: str, name: str) -> dict[str, str]:
    digits = re.sub(r"\D", "", document or "")
    kind = pix.key_type(digits) if len(digits) in (11, 14) else None
    if kind not in ("cpf", "cnpj"):
        raise InvalidInput(
            f"devedor: {document!r} não é um CPF (11 dígitos) nem um CNPJ (14 dígitos) válido"
        )
    clean_name = " ".join((name or "").split())
    if not clean_name:
        raise InvalidInput("devedor: o nome é obrigatório")
    return {kind: digits, "nome": clean_name[:DEBTOR_NAME_MAX]}


def _bare(url: str) -> str:
    return re.sub(r"^https://", "", url.strip(), flags=re.IGNORECASE).lower()


def _problem_text(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    """One line out of the spec's problem JSON (title, detail, violacoes), or the raw text."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        text = " ".join(response.text.split())[:300]
        return (text or response.reason_phrase or f"HTTP {response.status_code}"), {}
    parts: list[str] = []
    for key in ("title", "detail"):
        value = data.get(key)
        if isinstance(value, str) and value.strip() and value.strip() not in parts:
            parts.append(value.strip())
    if not parts:
        for key in ("error_description", "error", "message", "mensagem"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                parts.append(value.strip())
                break
    text = " — ".join(parts) or f"HTTP {response.status_code}"
    violations = []
    for item in data.get("violacoes") or []:
        if not isinstance(item, dict):
            continue
        reason = str(item.get("razao") or "").strip()
        prop = str(item.get("propriedade") or "").strip()
        if reason and prop:
            violations.append(f"{reason} [{prop}]")
        elif reason or prop:
            violations.append(reason or prop)
    if violations:
        text += " (" + "; ".join(violations) + ")"
    return text, data


class PixApiClient:
    """A PSP's Pix API, `cobv` endpoints. Use as `async with` or call `aclose()`.

    `client`, when given (tests), is used as is and not closed here.
    """

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        key: str,
        token_url: str | None = None,
        cert: str | None = None,
        merchant_name: str = "Recebedor",
        merchant_city: str = "Brasil",
        client: httpx.AsyncClient | None = None,
        timeout: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not base_url:
            raise InvalidInput("API Pix: a URL do PSP (QUITA_PIX_API_URL) não foi configurada")
        if not client_id or not client_secret:
            raise InvalidInput(
                "API Pix: client_id e client_secret do PSP"
                " (QUITA_PIX_API_CLIENT_ID/QUITA_PIX_API_CLIENT_SECRET) são obrigatórios"
            )
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url or f"{self.base_url}/oauth/token"
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = pix.normalize_key(key)
        self.cert = cert
        self.merchant_name = merchant_name
        self.merchant_city = merchant_city
        self.timeout = timeout
        self._clock = clock
        self._client = client
        self._owns_client = client is None
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: PixPsp, **overrides: Any) -> Self:
        base = settings.pix_api_url or ""
        args: dict[str, Any] = {
            "base_url": base,
            "token_url": settings.pix_api_token_url or None,
            "client_id": settings.pix_api_client_id or "",
            "client_secret": settings.pix_api_client_secret or "",
            "cert": settings.pix_api_cert or None,
            "key": settings.pix_key or re.sub(r"\D", "", settings.isp_cnpj),
            "merchant_name": settings.isp_name,
            "merchant_city": settings.pix_city,
        }
        args.update(overrides)
        return cls(**args)

    # --- plumbing --------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            verify: ssl.SSLContext | bool = True
            if self.cert:
                context = ssl.create_default_context()
                try:
                    context.load_cert_chain(self.cert)
                except (OSError, ssl.SSLError) as exc:
                    raise InvalidInput(
                        f"API Pix: não foi possível ler o certificado {self.cert!r}: {exc}"
                    ) from None
                verify = context
            self._client = httpx.AsyncClient(timeout=self.timeout, verify=verify)
        return self._client

    async def _send(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http().request(method, url, timeout=self.timeout, **kwargs)
        except httpx.TimeoutException:
            raise PspUnavailable(
                f"PSP não respondeu em {self.timeout:g} s ({what}); tente de novo mais tarde"
            ) from None
        except httpx.HTTPError as exc:
            host = httpx.URL(url).host
            raise PspUnavailable(
                f"PSP inacessível ({what}): falha ao falar com {host}"
                f" ({type(exc).__name__}: {exc or 'sem detalhes'})"
            ) from None

    async def _access_token(self, *, renew_from: str | None = None) -> str:
        async with self._token_lock:
            fresh = self._token is not None and self._clock() < self._token_expires_at
            if fresh and self._token != renew_from:
                return self._token
            self._token = None
            response = await self._send(
                "POST",
                self.token_url,
                "autenticação",
                auth=(self.client_id, self.client_secret),
                data={"grant_type": "client_credentials", "scope": SCOPE},
                headers={"Accept": "application/json"},
            )
            code = response.status_code
            if code >= 400:
                text, problem = _problem_text(response)
                if code >= 500:
                    raise PspUnavailable(
                        f"PSP indisponível (HTTP {code}) ao autenticar: {text}",
                        status_code=code,
                        problem=problem,
                    )
                raise PspRefused(
                    f"PSP recusou as credenciais da API Pix (HTTP {code}): {text}",
                    status_code=code,
                    problem=problem,
                )
            try:
                data = response.json()
                token = data["access_token"]
                expires_in = float(data.get("expires_in") or 0)
            except (ValueError, KeyError, TypeError):
                raise PspUnavailable(
                    "PSP devolveu uma resposta de autenticação sem access_token"
                ) from None
            if not isinstance(token, str) or not token:
                raise PspUnavailable("PSP devolveu uma resposta de autenticação sem access_token")
            # Renew shortly before it expires: 30 s early, or a fifth of a short lifetime.
            margin = min(_TOKEN_MARGIN_MAX, expires_in / 5)
            self._token = token
            self._token_expires_at = self._clock() + max(expires_in - margin, 0.0)
            return token

    async def _api(self, method: str, path: str, what: str, body: Any = None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        token = await self._access_token()
        response = None
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            response = await self._send(method, url, what, headers=headers, json=body)
            if response.status_code != 401 or attempt == 1:
                break
            # The PSP may revoke a token before `expires_in`: get a new one, once.
            token = await self._access_token(renew_from=token)
        assert response is not None
        if response.status_code >= 400:
            text, problem = _problem_text(response)
            code = response.status_code
            if code >= 500:
                raise PspUnavailable(
                    f"PSP indisponível (HTTP {code}) — {what}: {text}",
                    status_code=code,
                    problem=problem,
                )
            if code == 401:
                message = f"PSP recusou o token de acesso (HTTP 401) — {what}: {text}"
            else:
                message = f"PSP recusou {what}: {text}"
            raise PspRefused(message, status_code=code, problem=problem)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise PixApiError(
                f"PSP devolveu uma resposta que não é JSON ({what})",
                status_code=response.status_code,
            )
        return data

    def _charge(self, data: dict[str, Any], txid: str) -> DueCharge:
        loc = data.get("loc")
        location = (loc.get("location") if isinstance(loc, dict) else None) or data.get("location")
        if not isinstance(location, str) or not location.strip():
            raise PixApiError(f"PSP não informou a location da cobrança {txid}")
        location = location.strip()
        payload = data.get("pixCopiaECola")
        if not payload:
            payload = pix.build_dynamic(
                location, self.merchant_name, self.merchant_city, shorten=True
            )
        if not isinstance(payload, str):
            raise PixApiError(f"PSP devolveu um pixCopiaECola que não é texto ({txid})")
        try:
            parsed = pix.parse(payload)
        except InvalidInput as exc:
            raise PixApiError(f"PSP devolveu um código Pix inválido para {txid}: {exc}") from None
        if parsed.url is None or _bare(parsed.url) != _bare(location):
            raise PixApiError(
                f"PSP devolveu um código Pix que não aponta para a cobrança {txid}"
                f" (location {location!r}, código {parsed.url or parsed.key!r})"
            )
        returned = data.get("txid")
        if returned is not None and returned != txid:
            raise PixApiError(f"PSP devolveu a cobrança {returned!r} em vez de {txid!r}")
        return DueCharge(
            txid=txid, location=location, payload=payload.strip(), status=str(data.get("status"))
        )

    # --- cobv ------------------------------------------------------------------------

    async def create_due_charge(
        self,
        *,
        txid: str,
        amount: Decimal,
        due_date: date,
        debtor_name: str,
        debtor_document: str,
        description: str,
        fine_percent: Decimal,
        interest_percent_month: Decimal,
        days_after_due: int,
    ) -> DueCharge:
        """Creates (or, same txid, replaces) the charge: PUT /cobv/{txid}."""
        _check_txid(txid)
        if not isinstance(due_date, date):
            raise InvalidInput(f"vencimento: {due_date!r} não é uma data")
        if isinstance(days_after_due, bool) or not isinstance(days_after_due, int):
            raise InvalidInput(f"validade após o vencimento: {days_after_due!r} não é inteiro")
        if days_after_due < 0:
            raise InvalidInput("validade após o vencimento: não pode ser negativa")
        valor: dict[str, Any] = {"original": _money(amount, "valor")}
        fine = _money(fine_percent, "multa", allow_zero=True)
        if Decimal(fine) > 0:
            valor["multa"] = {"modalidade": FINE_PERCENT, "valorPerc": fine}
        interest = _money(interest_percent_month, "juros", allow_zero=True)
        if Decimal(interest) > 0:
            valor["juros"] = {
                "modalidade": INTEREST_PERCENT_MONTH_CALENDAR_DAYS,
                "valorPerc": interest,
            }
        body: dict[str, Any] = {
            "calendario": {
                "dataDeVencimento": due_date.isoformat(),
                "validadeAposVencimento": days_after_due,
            },
            "devedor": _debtor(debtor_document, debtor_name),
            "valor": valor,
            "chave": self.key,
        }
        request = _payer_request(description or "")
        if request:
            body["solicitacaoPagador"] = request
        data = await self._api("PUT", f"/cobv/{quote(txid)}", "a cobrança", body)
        return self._charge(data, txid)

    async def get_due_charge(self, txid: str) -> DueCharge:
        """GET /cobv/{txid}."""
        _check_txid(txid)
        data = await self._api("GET", f"/cobv/{quote(txid)}", "a consulta da cobrança")
        return self._charge(data, txid)

    async def cancel_due_charge(self, txid: str) -> DueCharge:
        """PATCH /cobv/{txid} to REMOVIDA_PELO_USUARIO_RECEBEDOR."""
        _check_txid(txid)
        data = await self._api(
            "PATCH",
            f"/cobv/{quote(txid)}",
            "o cancelamento da cobrança",
            {"status": REMOVED_BY_RECEIVER},
        )
        return self._charge(data, txid)
