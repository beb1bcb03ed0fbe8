"""The Pix API client against a fake PSP that is a real HTTP server (no database)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import httpx
import pytest

from negotiation.errors import InvalidInput, QuitaError
from negotiation.payments import pix
from negotiation.payments.pix_api import (
    COBV_TXID,
    DueCharge,
    PixApiClient,
    PixApiError,
    PspRefused,
    PspUnavailable,
    cobv_txid,
)
from quita.settings import Settings
from tests.fakes.pix_psp import CLIENT_ID, CLIENT_SECRET, FakePsp

# The fake PSP's fixtures (harmless if conftest imports them too).

ISP_CNPJ = "11222333000181"
CPF = "52998224725"
DUE = date(2026, 12, 10)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_client(psp: FakePsp, clock: Clock | None = None, **options) -> PixApiClient:
    args = {
        "base_url": psp.url,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "key": "11.222.333/0001-81",
        "merchant_name": "Provedor Exemplo Ltda",
        "merchant_city": "Campinas",
        "timeout": 5.0,
    }
    if clock is not None:
        args["clock"] = clock
    args.update(options)
    return PixApiClient(**args)


@pytest.fixture
async def client(pix_psp: FakePsp, clock: Clock) -> AsyncIterator[PixApiClient]:
    async with make_client(pix_psp, clock) as api:
        yield api


async def create(api: PixApiClient, receivable_id: int = 42, **changes) -> DueCharge:
    args = {
        "txid": cobv_txid(receivable_id),
        "amount": Decimal("123.45"),
        "due_date": DUE,
        "debtor_name": "Maria da Silva",
        "debtor_document": CPF,
        "description": "Acordo Quita: parcela 1 de 3",
        "fine_percent": Decimal("2.00"),
        "interest_percent_month": Decimal("1"),
        "days_after_due": 30,
    }
    args.update(changes)
    return await api.create_due_charge(**args)


# --- txid ----------------------------------------------------------------------------------


def test_cobv_txid_is_26_to_35_alphanumerics_and_never_a_static_one():
    assert cobv_txid(42) == "QUITA000000000000000000042"
    assert len(cobv_txid(1)) == 26
    assert COBV_TXID.fullmatch(cobv_txid(10**25))
    assert len(cobv_txid(10**25)) == 31
    # Static BR Codes carry at most 25 characters: the two kinds never collide.
    assert len(cobv_txid(1)) > pix.TXID_MAX
    for bad in (0, -1, True, "42", 10**30):
        with pytest.raises(InvalidInput):
            cobv_txid(bad)


# --- create --------------------------------------------------------------------------------


async def test_create_sends_the_spec_body_and_returns_a_valid_code(
    client: PixApiClient,
    pix_psp: FakePsp,
):
    charge = await create(client)

    assert charge.txid == "QUITA000000000000000000042"
    assert charge.status == "ATIVA"
    assert charge.location.startswith("pix.example.com/qr/v2/cobv/")
    parsed = pix.parse(charge.payload)
    assert parsed.url == charge.location
    assert parsed.point_of_initiation == "12"
    assert parsed.name == "Provedor Exemplo Ltda"

    (token,) = pix_psp.token_requests
    assert token.headers["authorization"].startswith("Basic ")
    assert token.form == {"grant_type": "client_credentials", "scope": "cobv.write cobv.read"}
    (put,) = pix_psp.api_requests
    assert put.method == "PUT"
    assert put.path == "/api/v2/cobv/QUITA000000000000000000042"
    assert put.headers["authorization"].startswith("Bearer ")
    assert put.json == {
        "calendario": {"dataDeVencimento": "2026-12-10", "validadeAposVencimento": 30},
        "devedor": {"cpf": CPF, "nome": "Maria da Silva"},
        "valor": {
            "original": "123.45",
            "multa": {"modalidade": 2, "valorPerc": "2.00"},
            "juros": {"modalidade": 3, "valorPerc": "1.00"},
        },
        "chave": ISP_CNPJ,
        "solicitacaoPagador": "Acordo Quita: parcela 1 de 3",
    }


async def test_amounts_always_have_two_decimals(client: PixApiClient, pix_psp: FakePsp):
    await create(client, 1, amount=Decimal("99.9"))
    await create(client, 2, amount=100, fine_percent=Decimal("0.5"))
    first, second = (r.json["valor"] for r in pix_psp.api_requests)
    assert first["original"] == "99.90"
    assert second["original"] == "100.00"
    assert second["multa"]["valorPerc"] == "0.50"


async def test_zero_fine_and_interest_are_left_out(client: PixApiClient, pix_psp: FakePsp):
    await create(client, fine_percent=Decimal("0"), interest_percent_month=Decimal("0.00"))
    (put,) = pix_psp.api_requests
    assert put.json["valor"] == {"original": "123.45"}


async def test_cnpj_debtor_and_long_description(client: PixApiClient, pix_psp: FakePsp):
    long_text = "Parcela do acordo de renegociação " * 6
    await create(client, debtor_document="11.222.333/0001-81", description=long_text)
    (put,) = pix_psp.api_requests
    assert put.json["devedor"] == {"cnpj": ISP_CNPJ, "nome": "Maria da Silva"}
    request = put.json["solicitacaoPagador"]
    assert len(request) <= 140
    assert long_text.startswith(request)
    assert request.endswith("renegociação")


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": Decimal("1.005")},
        {"amount": Decimal("0")},
        {"amount": Decimal("-5")},
        {"fine_percent": Decimal("2.001")},
        {"debtor_document": "12345678900"},
        {"debtor_document": "123"},
        {"debtor_name": "  "},
        {"txid": "QUITA42"},
        {"txid": "QUITA-00000000000000000042"},
        {"days_after_due": -1},
    ],
)
async def test_bad_input_is_refused_before_calling_the_psp(
    client: PixApiClient,
    pix_psp: FakePsp,
    changes,
):
    with pytest.raises(InvalidInput):
        await create(client, **changes)
    assert pix_psp.requests == []


async def test_missing_pix_copia_e_cola_is_built_from_the_location(
    client: PixApiClient,
    pix_psp: FakePsp,
):
    pix_psp.omit_copia_e_cola = True
    charge = await create(client)
    parsed = pix.parse(charge.payload)
    assert parsed.url == charge.location
    assert parsed.name == "Provedor Exemplo Ltda"
    assert parsed.city == "Campinas"
    assert parsed.amount is None


async def test_a_payload_with_a_bad_crc_is_rejected(client: PixApiClient, pix_psp: FakePsp):
    pix_psp.corrupt_crc = True
    with pytest.raises(PixApiError, match=r"código Pix inválido.*CRC esperado") as caught:
        await create(client)
    assert caught.value.http_status == 502


# --- get and cancel ------------------------------------------------------------------------


async def test_get_returns_the_same_charge(client: PixApiClient, pix_psp: FakePsp):
    created = await create(client)
    got = await client.get_due_charge(created.txid)
    assert got == created
    assert pix_psp.api_requests[-1].method == "GET"


async def test_cancel_removes_the_charge(client: PixApiClient, pix_psp: FakePsp):
    created = await create(client)
    cancelled = await client.cancel_due_charge(created.txid)
    assert cancelled.status == "REMOVIDA_PELO_USUARIO_RECEBEDOR"
    assert cancelled.location == created.location
    patch = pix_psp.api_requests[-1]
    assert patch.method == "PATCH"
    assert patch.path == f"/api/v2/cobv/{created.txid}"
    assert patch.json == {"status": "REMOVIDA_PELO_USUARIO_RECEBEDOR"}
    assert (await client.get_due_charge(created.txid)).status == "REMOVIDA_PELO_USUARIO_RECEBEDOR"


async def test_get_of_an_unknown_charge_says_not_found(client: PixApiClient):
    with pytest.raises(PspRefused, match="Cobrança não encontrada") as caught:
        await client.get_due_charge(cobv_txid(7))
    assert caught.value.status_code == 404
    assert str(caught.value).startswith("PSP recusou a consulta da cobrança: ")


# --- token ---------------------------------------------------------------------------------


async def test_the_token_is_cached_across_calls(client: PixApiClient, pix_psp: FakePsp):
    created = await create(client)
    await client.get_due_charge(created.txid)
    await client.cancel_due_charge(created.txid)
    assert len(pix_psp.token_requests) == 1
    tokens = {r.headers["authorization"] for r in pix_psp.api_requests}
    assert len(tokens) == 1


async def test_the_token_is_renewed_shortly_before_it_expires(
    client: PixApiClient,
    pix_psp: FakePsp,
    clock: Clock,
):
    pix_psp.token_lifetime = 300
    created = await create(client)
    clock.now += 250  # still more than 30 s left
    await client.get_due_charge(created.txid)
    assert len(pix_psp.token_requests) == 1
    clock.now += 25  # 25 s left: renew first
    await client.get_due_charge(created.txid)
    assert len(pix_psp.token_requests) == 2
    # Three calls, no retry: the client renewed before the PSP had to answer 401.
    first, second, third = (r.headers["authorization"] for r in pix_psp.api_requests)
    assert first == second != third


async def test_a_revoked_token_is_replaced_once_after_401(client: PixApiClient, pix_psp: FakePsp):
    created = await create(client)
    pix_psp.expire_tokens()
    got = await client.get_due_charge(created.txid)
    assert got.txid == created.txid
    assert len(pix_psp.token_requests) == 2
    methods = [r.method for r in pix_psp.api_requests]
    assert methods == ["PUT", "GET", "GET"]
    old, new = pix_psp.api_requests[1], pix_psp.api_requests[2]
    assert old.headers["authorization"] != new.headers["authorization"]


async def test_a_second_401_is_not_retried_again(client: PixApiClient, pix_psp: FakePsp):
    pix_psp.fail_next(401, times=5)
    with pytest.raises(PspRefused, match=r"HTTP 401") as caught:
        await create(client)
    assert caught.value.status_code == 401
    assert len(pix_psp.api_requests) == 2
    assert len(pix_psp.token_requests) == 2


async def test_wrong_credentials_are_reported(pix_psp: FakePsp):
    async with make_client(pix_psp, client_secret="errado") as api:
        with pytest.raises(PspRefused, match=r"PSP recusou as credenciais.*Credenciais inválidas"):
            await create(api)
    assert pix_psp.api_requests == []


# --- PSP errors ----------------------------------------------------------------------------


async def test_a_problem_json_becomes_one_clear_message(client: PixApiClient, pix_psp: FakePsp):
    created = await create(client)
    await client.cancel_due_charge(created.txid)
    with pytest.raises(PspRefused) as caught:
        await create(client)  # the PSP does not revive a removed charge
    message = str(caught.value)
    assert message.startswith("PSP recusou a cobrança: Cobrança inválida. — A requisição")
    assert message.endswith("(A cobrança não está ATIVA. [cobv.status])")
    assert caught.value.status_code == 400
    assert caught.value.problem["type"].endswith("/CobVOperacaoInvalida")
    assert isinstance(caught.value, QuitaError)
    assert caught.value.http_status == 502


async def test_several_violations_are_listed(client: PixApiClient, pix_psp: FakePsp):
    pix_psp.fail_next(
        400,
        {
            "title": "Cobrança inválida.",
            "status": 400,
            "detail": "A requisição não respeita o schema.",
            "violacoes": [
                {"razao": "Valor acima do limite.", "propriedade": "cobv.valor.original"},
                {"razao": "Chave não pertence ao recebedor.", "propriedade": "cobv.chave"},
            ],
        },
    )
    with pytest.raises(PspRefused) as caught:
        await create(client)
    assert str(caught.value) == (
        "PSP recusou a cobrança: Cobrança inválida. — A requisição não respeita o schema."
        " (Valor acima do limite. [cobv.valor.original];"
        " Chave não pertence ao recebedor. [cobv.chave])"
    )


async def test_psp_503_is_unavailable(client: PixApiClient, pix_psp: FakePsp):
    pix_psp.fail_next(503)
    with pytest.raises(PspUnavailable, match=r"PSP indisponível \(HTTP 503\)") as caught:
        await create(client)
    assert caught.value.status_code == 503
    assert caught.value.http_status == 502
    # The next try works: nothing is left in a bad state.
    assert (await create(client)).status == "ATIVA"


async def test_a_non_json_error_body_is_shown(client: PixApiClient, pix_psp: FakePsp):
    pix_psp.fail_next(502, "Bad Gateway do balanceador")
    with pytest.raises(PspUnavailable, match="Bad Gateway do balanceador"):
        await create(client)


async def test_token_endpoint_down_is_unavailable(client: PixApiClient, pix_psp: FakePsp):
    pix_psp.fail_next(500, endpoint="token")
    with pytest.raises(PspUnavailable, match=r"PSP indisponível \(HTTP 500\) ao autenticar"):
        await create(client)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_psp_down_is_unavailable():
    url = f"http://127.0.0.1:{_closed_port()}/api/v2"
    async with PixApiClient(
        base_url=url, client_id="a", client_secret="b", key=ISP_CNPJ, timeout=2.0
    ) as api:
        with pytest.raises(PspUnavailable, match="PSP inacessível") as caught:
            await create(api)
    assert caught.value.status_code is None
    assert caught.value.http_status == 502


async def test_a_slow_psp_times_out(pix_psp: FakePsp):
    pix_psp.delay = 1.0
    async with make_client(pix_psp, timeout=0.2) as api:
        with pytest.raises(PspUnavailable, match=r"PSP não respondeu em 0\.2 s"):
            await create(api)


# --- construction --------------------------------------------------------------------------


async def test_from_settings(pix_psp: FakePsp):
    settings = Settings(
        pix_api_url=pix_psp.url + "/",
        pix_api_client_id=CLIENT_ID,
        pix_api_client_secret=CLIENT_SECRET,
        isp_name="Provedor Exemplo Ltda",
        isp_cnpj="11.222.333/0001-81",
        pix_city="Campinas",
    )
    async with PixApiClient.from_settings(settings) as api:
        assert api.base_url == pix_psp.url
        assert api.token_url == pix_psp.token_url
        assert api.key == ISP_CNPJ
        assert api.cert is None
        charge = await create(api)
    assert pix.parse(charge.payload).url == charge.location


async def test_from_settings_needs_the_url_and_credentials():
    with pytest.raises(InvalidInput, match="QUITA_PIX_API_URL"):
        PixApiClient.from_settings(Settings(pix_api_url=None))
    with pytest.raises(InvalidInput, match="client_id"):
        PixApiClient.from_settings(Settings(pix_api_url="https://psp.example/api/v2"))


async def test_a_given_http_client_is_used_and_left_open(pix_psp: FakePsp):
    async with httpx.AsyncClient() as http:
        async with make_client(pix_psp, client=http) as api:
            await create(api)
        assert not http.is_closed
    assert len(pix_psp.api_requests) == 1


async def test_an_unreadable_certificate_is_reported(pix_psp: FakePsp, tmp_path):
    async with make_client(pix_psp, cert=str(tmp_path / "missing.pem")) as api:
        with pytest.raises(InvalidInput, match="certificado"):
            await create(api)
