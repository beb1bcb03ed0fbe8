"""Schemathesis over the whole OpenAPI: whatever the documents allow (and what they refuse)
never gets a 5xx, and the admin API answers exactly as documented (status and body). The
webhooks and the payment page answer their callers, not the document, so only the first holds
for them.

Hypothesis runs in a worker thread; every request goes back to the test's event loop, where
the database and the app live, through an in-process client."""

from __future__ import annotations

import asyncio
import os

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from models import clock
from models.enums import Role
from quita.app import create_app
from quita.settings import Settings
from tests.admin.conftest import PASSWORD
from tests.factories import make_condition, make_customer, make_receivable

EXAMPLES = int(os.environ.get("QUITA_FUZZ_EXAMPLES", "6"))
DOCUMENTED = [not_a_server_error, response_schema_conformance, status_code_conformance]


def _httpx_kwargs(kwargs: dict) -> dict:
    # The requests-style arguments schemathesis builds, as httpx names them.
    data = kwargs.pop("data", None)
    if isinstance(data, (bytes, str)):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    kwargs.pop("auth", None)
    return {
        k: v
        for k, v in kwargs.items()
        if k in {"method", "url", "headers", "params", "json", "content", "data", "files"}
    }


async def test_every_operation_answers_as_documented(db, users):
    # Something for the small ids hypothesis tries first to find: a debtor with a bill due.
    customer = await make_customer()
    await make_receivable(customer, clock.now().date(), "150.00")
    await make_condition()
    app = create_app(
        Settings(database_url=db, secret_key="a-test-secret-of-at-least-32-bytes-long")
    )
    schema = schemathesis.openapi.from_dict(app.openapi())
    loop = asyncio.get_running_loop()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        token = await client.post(
            "/api/v1/auth/token", data={"username": Role.ADMIN.value, "password": PASSWORD}
        )
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        failures: list[str] = []

        def fuzz(operation) -> None:
            api = operation.path.startswith("/api/v1/")
            checks = DOCUMENTED if api else [not_a_server_error]

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(
                case=operation.as_strategy(schemathesis.GenerationMode.POSITIVE)
                | operation.as_strategy(schemathesis.GenerationMode.NEGATIVE)
            )
            def run(case) -> None:
                kwargs = _httpx_kwargs(
                    case.as_transport_kwargs(base_url="http://test", headers=bearer)
                )
                response = asyncio.run_coroutine_threadsafe(client.request(**kwargs), loop).result()
                case.validate_response(response, checks=checks)

            try:
                run()
            except (
                Exception,
                BaseExceptionGroup,
            ) as error:  # one line per operation, then the next one
                failures.append(f"{operation.method.upper()} {operation.path}: {error}")

        for result in schema.get_all_operations():
            operation = result.ok()
            await asyncio.to_thread(fuzz, operation)
    assert not failures, "\n\n".join(failures)
