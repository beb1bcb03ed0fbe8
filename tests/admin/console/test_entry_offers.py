"""The console's entry page lists the entry's offers without dominated ones or duplicates."""

from __future__ import annotations

import re

from models.enums import Role
from tests.admin.test_entry_offers import entry as entry  # the fixture


async def test_the_entry_page_lists_no_dominated_offer_nor_duplicate(browser, sign_in, entry):
    await sign_in(Role.ATTENDANT)
    html = (await browser.get(f"/console/entries/{entry.id}")).text
    assert html.count(">Negociar</button>") == 3
    counts = re.findall(r'<td class="num">(\d+)x ', html)
    assert counts == ["1", "3", "6"]
    assert "Entrada (mín." not in html  # both plans with a down payment cost what 6x does
