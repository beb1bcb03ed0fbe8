"""Sign-in and the permission check on every route."""

from __future__ import annotations

import pytest

from models.enums import Role
from tests.admin.conftest import PASSWORD


async def test_wrong_password_is_401(api, users):
    answer = await api.post("/api/v1/auth/token", data={"username": "admin", "password": "x"})
    assert answer.status_code == 401
    assert answer.json()["detail"] == "usuário ou senha incorretos"


async def test_token_identifies_the_user(api, users):
    answer = await api.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
    token = answer.json()["access_token"]
    me = await api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "admin" and me.json()["role"] == "admin"


async def test_no_or_forged_token_is_401(api, users):
    assert (await api.get("/api/v1/conditions")).status_code == 401
    forged = {"Authorization": "Bearer abc.def.ghi"}
    answer = await api.get("/api/v1/conditions", headers=forged)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_a_deactivated_user_loses_access(api, users, as_role):
    headers = await as_role(Role.ATTENDANT)
    users[Role.ATTENDANT].active = False
    await users[Role.ATTENDANT].save()
    assert (await api.get("/api/v1/conditions", headers=headers)).status_code == 401


CONFIG_WRITES = [
    ("post", "/api/v1/conditions", {"description": "x", "options": [{"installments": 1}]}),
    ("post", "/api/v1/rules", {"description": "x"}),
    ("post", "/api/v1/collection-statuses", {"name": "x"}),
    ("post", "/api/v1/result-types", {"name": "x"}),
    ("post", "/api/v1/contact-types", {"name": "x"}),
    ("post", "/api/v1/agencies", {"name": "x"}),
    ("put", "/api/v1/collection-statuses/1", {"name": "x"}),
    ("delete", "/api/v1/agencies/1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CONFIG_WRITES)
@pytest.mark.parametrize("role", [Role.ATTENDANT, Role.AGENCY])
async def test_only_configurers_change_configuration(api, as_role, role, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    answer = await api.request(method, path, headers=await as_role(role), **kwargs)
    assert answer.status_code == 403
    assert "não pode: configure" in answer.json()["detail"]


@pytest.mark.parametrize(("method", "path", "body"), CONFIG_WRITES[:6])
@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
async def test_configurers_may(api, as_role, role, method, path, body):
    answer = await api.request(method, path, headers=await as_role(role), json=body)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ATTENDANT, Role.AGENCY])
async def test_only_admins_manage_users(api, as_role, role):
    answer = await api.get("/api/v1/users", headers=await as_role(role))
    assert answer.status_code == 403
    body = {"username": "nova", "role": "attendant", "password": "12345678"}
    answer = await api.post("/api/v1/users", headers=await as_role(role), json=body)
    assert answer.status_code == 403


async def test_admin_creates_a_user_who_can_sign_in(api, as_role):
    body = {"username": "nova", "role": "attendant", "password": "12345678"}
    answer = await api.post("/api/v1/users", headers=await as_role(Role.ADMIN), json=body)
    assert answer.status_code == 201
    assert "password" not in answer.text and "hash" not in answer.text
    token = await api.post("/api/v1/auth/token", data={"username": "nova", "password": "12345678"})
    assert token.status_code == 200


async def test_agency_user_needs_an_agency(api, as_role):
    body = {"username": "escr", "role": "agency", "password": "12345678"}
    answer = await api.post("/api/v1/users", headers=await as_role(Role.ADMIN), json=body)
    assert answer.status_code == 422
    assert "agency_id" in answer.text


SECRET = "a-test-secret-of-at-least-32-bytes-long"


def _forged(**claims) -> dict[str, str]:
    """A token signed with the app's own key: only its claims are wrong."""
    import jwt

    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


async def test_a_token_without_exp_or_sub_is_401(api, users):
    from models import clock

    later = int(clock.timestamp()) + 600
    for claims in ({"sub": str(users[Role.ADMIN].id)}, {"exp": later}):
        answer = await api.get("/api/v1/auth/me", headers=_forged(**claims))
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "sub", ["abc", "1.5", "-1", "0", " 1", "١", str(2**31), str(10**40), ["1"], 1, None, {}]
)
async def test_an_odd_sub_is_401_not_500(api, users, sub):
    from models import clock

    headers = _forged(sub=sub, exp=int(clock.timestamp()) + 600)
    answer = await api.get("/api/v1/auth/me", headers=headers)
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["detail"] == "token inválido"
