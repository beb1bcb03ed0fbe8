"""One permission table for the API and the console: every route under /api/v1 and /console
needs its resource's permission (negotiation.permissions.RESOURCES), or is public or for any
signed-in user by name (admin/deps.py)."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from admin.deps import (
    PUBLIC_ROUTES,
    SIGNED_IN_ROUTES,
    declared_permission,
    resource_of,
)
from models.enums import Role
from negotiation.permissions import RESOURCES, Permission, allows
from quita.app import create_app
from quita.settings import Settings

READS = {"GET", "HEAD"}


def routes() -> list[tuple[str, str, Permission | None]]:
    """(method, path, permission) of every route under /api/v1 and /console."""
    app = create_app(Settings(database_url="sqlite://:memory:", secret_key="k" * 40))
    found = []
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path
        if not isinstance(route, APIRoute):
            continue
        if not (path.startswith("/api/v1") or path == "/console" or path.startswith("/console/")):
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path, declared_permission(route.dependant)))
    return found


ROUTES = routes()


def test_the_walk_finds_both_sides():
    paths = {path for _, path, _ in ROUTES}
    assert "/api/v1/conditions" in paths and "/console/conditions" in paths
    assert len(ROUTES) > 150


def test_every_route_declares_its_resource_permission():
    wrong = []
    for method, path, permission in ROUTES:
        if (method, path) in PUBLIC_ROUTES or (method, path) in SIGNED_IN_ROUTES:
            continue
        resource = resource_of(path)
        if resource is None:
            wrong.append(f"{method} {path}: no resource in admin.deps.ROUTE_RESOURCES")
            continue
        access = RESOURCES[resource]
        if permission is None:
            wrong.append(f"{method} {path}: declares no permission")
        elif method in READS and permission != access.read:
            wrong.append(
                f"{method} {path}: needs {permission}, {resource} is read with {access.read}"
            )
        elif method not in READS and permission not in access.write:
            wrong.append(f"{method} {path}: needs {permission}, not one of {resource}'s writes")
    assert wrong == []


def test_the_api_and_the_console_read_each_resource_with_the_same_permission():
    reads: dict[str, dict[str, set]] = {}
    for method, path, permission in ROUTES:
        if method in READS and (resource := resource_of(path)):
            side = "api" if path.startswith("/api/") else "console"
            reads.setdefault(resource, {}).setdefault(side, set()).add(permission)
    both = {r: sides for r, sides in reads.items() if len(sides) == 2}
    assert {"conditions", "rules", "catalog", "contact_windows", "users"} <= set(both)
    for resource, sides in both.items():
        assert sides["api"] == sides["console"], resource


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/conditions",
        "/api/v1/conditions/{condition_id}",
        "/api/v1/rules",
        "/api/v1/agencies",
        "/api/v1/agencies/{item_id}",
        "/api/v1/contact-windows",
        "/api/v1/holidays",
        "/api/v1/message-templates",
        "/api/v1/message-templates/variables",
        "/api/v1/users",
    ],
)
def test_attendants_and_agencies_do_not_read_the_configuration(path):
    (permission,) = {p for m, q, p in ROUTES if m == "GET" and q == path}
    assert permission is not None
    assert not allows(Role.ATTENDANT, permission) and not allows(Role.AGENCY, permission)


async def test_the_api_refuses_configuration_to_attendants_and_agencies(api, as_role, users):
    for role in (Role.ATTENDANT, Role.AGENCY):
        headers = await as_role(role)
        for path in ("/api/v1/conditions", "/api/v1/rules", "/api/v1/agencies"):
            assert (await api.get(path, headers=headers)).status_code == 403, (role, path)
        # What recording a result picks from stays readable.
        assert (await api.get("/api/v1/result-types", headers=headers)).status_code == 200
    supervisor = await as_role(Role.SUPERVISOR)
    assert (await api.get("/api/v1/agencies", headers=supervisor)).status_code == 200
