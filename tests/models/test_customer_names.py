"""How every channel greets a debtor: the first given name, never a title."""

from __future__ import annotations

import pytest

from models import Customer


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("MARIA DA SILVA", "Maria"),
        ("Dr. Josué Almeida Souza", "Josué"),
        ("Dra. Ana Paula Lima", "Ana"),
        ("Sr. João Pereira", "João"),
        ("Sra. Lúcia Gomes", "Lúcia"),
        ("Srta. Beatriz Costa", "Beatriz"),
        ("Prof. Carlos Mendes", "Carlos"),
        ("PROFA CARLA DIAS", "Carla"),
        ("dr joão", "João"),
        ("Doutor Pedro Alves", "Pedro"),
        ("Drummond Andrade", "Drummond"),  # a name that starts like a title is kept
        ("Srinivasan Rao", "Srinivasan"),
    ],
)
def test_first_name_skips_titles(name: str, first: str) -> None:
    assert Customer(name=name).first_name == first
