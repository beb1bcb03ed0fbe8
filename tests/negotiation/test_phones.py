"""One phone rule: a number stored from any written form is found by a caller ID in E.164 and by
a Telegram shared contact without the `+` (the store and the look-up agree)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import CustomerPhone
from negotiation.errors import InvalidInput
from negotiation.identify import customer_by_phone
from negotiation.importing import import_customers
from negotiation.phones import is_mobile, lookup_phone, store_phone
from tests.factories import make_customer

# Area codes from several states, DDD 55 (which looks like the country code) among them.
DDDS = ("11", "19", "21", "31", "55", "61", "69", "85", "99")

mobiles = st.builds(lambda d: "9" + d, st.from_regex(r"[1-9][0-9]{7}", fullmatch=True))
landlines = st.from_regex(r"[2-5][0-9]{7}", fullmatch=True)


def _written(ddd: str, local: str) -> list[str]:
    """The ways people and systems write one number."""
    head, tail = local[:-4], local[-4:]
    return [
        f"({ddd}) {head}-{tail}",
        f"+55 ({ddd}) {head}-{tail}",
        f"+55{ddd}{local}",
        f"55{ddd}{local}",
        f"55 {ddd} {head} {tail}",
        f"0{ddd} {head}-{tail}",
        f"0 21 {ddd} {head}-{tail}",  # trunk 0 and a carrier code
        f"0055 {ddd} {head} {tail}",
        f"{ddd}.{head}.{tail}",
        f"{ddd}{local}",
    ]


@given(ddd=st.sampled_from(DDDS), local=st.one_of(mobiles, landlines))
def test_every_written_form_is_stored_and_looked_up_as_the_same_key(ddd, local):
    e164 = f"+55{ddd}{local}"
    for text in _written(ddd, local):
        assert store_phone(text) == e164, text
        assert lookup_phone(text) == e164, text
    assert lookup_phone(e164) == e164  # a Twilio caller ID or SMS From
    assert lookup_phone(e164[1:]) == e164  # a Telegram shared contact
    assert is_mobile(e164) == (len(local) == 9)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("0800 123 4567", "DDD 80"),  # toll-free: not a subscriber's line
        ("(19) 7888-7777", "sem o 9"),  # libphonenumber still knows 8-digit 7xxx mobiles
        ("0300 123 4567", "DDD 30"),  # shared cost
        ("4004-1234", "DDD e 8 dígitos"),  # a company's national number
        ("+44 20 7946 0958", "+55"),
    ],
)
def test_what_is_not_a_subscribers_landline_or_mobile_is_refused(text, why):
    with pytest.raises(InvalidInput, match=re.escape(why)):
        store_phone(text)


def test_a_look_up_never_refuses_it_answers_none():
    assert lookup_phone(None) is None
    assert lookup_phone("") is None
    assert lookup_phone("+1 212 555 0100") is None
    assert lookup_phone("não sei") is None
    # Not a number the metadata knows, but Brazilian and of a phone's length: still a key.
    assert lookup_phone("+55 20 98888-7777") == "+5520988887777"


async def test_an_imported_number_is_found_by_caller_id_and_by_shared_contact(each_db):
    report = await import_customers(
        [
            {
                "external_id": "C1",
                "name": "Maria",
                "document": "529.982.247-25",
                "phones": "0 21 19 98888-7777; 019 3232-1234",
            }
        ]
    )
    assert report.rejected == [] and report.created == 1
    labels = dict(await CustomerPhone.all().values_list("number", "label"))
    assert labels == {"+5519988887777": "mobile", "+551932321234": "landline"}
    for seen in ("+5519988887777", "5519988887777", "(19) 98888-7777", "+551932321234"):
        found = await customer_by_phone(seen)
        assert found is not None and found.external_id == "C1", seen
    await make_customer(external_id="C2")
    assert await customer_by_phone("+5519977776666") is None
