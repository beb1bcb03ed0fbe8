"""Offers for every customer of the demo base: the service against the bare engine.

Issue 2 sets no speed target; this records where the time of an offer goes. The baseline,
measured in the same run, is the pure engine over bills and conditions already in memory;
the service adds loading them from the database (SQLite here).

    .venv/bin/python bench/bench_offers.py
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from models import Customer
from models.clock import today_in
from negotiation.engine import negotiate
from negotiation.offers import applicable_conditions, offers_for_customer, open_bills
from negotiation.terms import condition_terms
from quita.db import database
from quita.demo import load_demo
from quita.settings import Settings


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite://{Path(folder) / 'bench.db'}")
        async with database(settings.database_url):
            await load_demo(settings)
            today = today_in(settings.timezone)
            ids = await Customer.all().values_list("id", flat=True)

            bills = {i: await open_bills(i) for i in ids}
            conditions = [(c, condition_terms(c, c.options)) for c in await applicable_conditions()]
            start = time.perf_counter()
            engine_offers = sum(
                len(negotiate(bills[i], terms, today).offers)
                for i in ids
                for _, terms in conditions
            )
            engine = time.perf_counter() - start

            start = time.perf_counter()
            service_offers = 0
            for i in ids:
                service_offers += len(await offers_for_customer(i, today))
            service = time.perf_counter() - start

    n = len(ids)
    print(f"customers: {n}, offers: engine {engine_offers}, service {service_offers}")
    print(f"baseline (engine, data in memory): {engine * 1000 / n:.3f} ms per customer")
    print(f"service (database + engine):       {service * 1000 / n:.3f} ms per customer")


if __name__ == "__main__":
    asyncio.run(main())
