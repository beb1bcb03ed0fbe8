"""Customer search on 200,000 customers (each with one mobile phone): the median time of a
search by CPF digits, formatted CPF, CPF prefix, name fragment (accents off) and phone, against
a primary-key lookup of one customer from the same run. Prints one JSON line.

    .venv/bin/python bench/bench_customer_search.py                 # SQLite, a temporary file
    .venv/bin/python bench/bench_customer_search.py --database postgres://postgres@127.0.0.1:5432/postgres

On PostgreSQL a throwaway database is created on that server and dropped at the end.
Each timed search is the whole service call: the exact matches, the count, the page of 20
and its phones and open debts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import connections

from models import Customer, CustomerPhone
from negotiation.customer_search import search_customers
from quita.db import database

COUNT = 200_000
BATCH = 5_000
FIRST = ["João", "Maria", "José", "Ana", "Antônio", "Francisca", "Luís", "Conceição", "Márcio"]
FIRST += ["Paulo", "Luíza", "Sebastião", "Fábio", "Cláudia", "André", "Lúcia", "Érica", "Caio"]
LAST = ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Lima", "Gonçalves", "Araújo"]
LAST += ["Conceição", "Magalhães", "Ribeiro", "Simões", "Brandão", "Fernandes", "Müller"]


def _cpf(n: int) -> str:
    # Unique 11 digits (the column only checks the length; validity is the importer's job).
    return f"{n + 10_000_000_000:011d}"


def _phone(n: int) -> str:
    return f"+55199{n + 10_000_000:08d}"


async def _fill(rng: random.Random) -> None:
    for start in range(0, COUNT, BATCH):
        numbers = range(start, min(start + BATCH, COUNT))
        await Customer.bulk_create(
            [
                Customer(
                    external_id=f"X{n}",
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)} {n}",
                    document=_cpf(n),
                    city="Campinas",
                    state="SP",
                )
                for n in numbers
            ]
        )
        ids = await Customer.filter(external_id__in=[f"X{n}" for n in numbers]).values_list(
            "id", "external_id"
        )
        await CustomerPhone.bulk_create(
            [CustomerPhone(customer_id=cid, number=_phone(int(ext[1:]))) for cid, ext in ids]
        )


async def _median_ms(run: Callable[[int], Awaitable[object]], times: int) -> float:
    await run(0)  # warm-up
    spent = []
    for n in range(times):
        start = time.perf_counter()
        await run(n)
        spent.append(time.perf_counter() - start)
    return round(statistics.median(spent) * 1000, 2)


async def _bench(url: str, times: int) -> dict[str, object]:
    rng = random.Random(17)
    async with database(url):
        start = time.perf_counter()
        await _fill(rng)
        fill_s = round(time.perf_counter() - start, 1)
        await connections.get("default").execute_script("ANALYZE")  # as autovacuum would
        picks = [rng.randrange(COUNT) for _ in range(times + 1)]
        first_id = await Customer.filter(external_id="X0").first().values_list("id", flat=True)

        async def found(q: str) -> int:
            return (await search_customers(q)).total

        async def pk(n: int) -> None:
            await Customer.get(id=first_id + picks[n])

        async def cpf(n: int) -> None:
            assert await found(_cpf(picks[n])) == 1

        async def cpf_formatted(n: int) -> None:
            d = _cpf(picks[n])
            assert await found(f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}") == 1

        async def cpf_prefix(n: int) -> None:
            assert await found(_cpf(picks[n])[:8]) >= 1

        async def name_fragment(n: int) -> None:
            assert await found(["conceicao", "magalhaes silva", "muller", "erica"][n % 4]) > 0

        async def phone(n: int) -> None:
            e164 = _phone(picks[n])
            assert await found(f"({e164[3:5]}) {e164[5:10]}-{e164[10:]}") == 1

        figures = {
            name: await _median_ms(fn, times)
            for name, fn in [
                ("pk_lookup_ms", pk),
                ("cpf_digits_ms", cpf),
                ("cpf_formatted_ms", cpf_formatted),
                ("cpf_prefix_ms", cpf_prefix),
                ("name_fragment_ms", name_fragment),
                ("phone_ms", phone),
            ]
        }
    return {"fill_s": fill_s, **figures}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--times", type=int, default=30, help="runs of each search")
    args = parser.parse_args()
    if not args.database:
        with tempfile.TemporaryDirectory() as folder:
            figures = await _bench(f"sqlite://{Path(folder) / 'bench.db'}", args.times)
        backend = "sqlite"
    else:
        name = f"quita_bench_{uuid.uuid4().hex[:8]}"
        server = args.database.replace("postgres://", "postgresql://", 1)
        admin = await asyncpg.connect(server)
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = urlunsplit(urlsplit(args.database)._replace(path=f"/{name}"))
            figures = await _bench(url, args.times)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()
        backend = "postgres"
    print(
        json.dumps({"bench": "customer_search", "backend": backend, "customers": COUNT, **figures})
    )


if __name__ == "__main__":
    asyncio.run(main())
