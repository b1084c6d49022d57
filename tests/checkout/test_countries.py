"""Country names map to exactly one ISO code; the K10 seed matches Microsoft's list (seed 004)."""

import re
from pathlib import Path

import pycountry
import pytest

from config.countries import (
    NAME_ALIASES,
    country_name,
    load_country_list,
    load_country_rows,
    to_alpha2,
)

ROOT = Path(__file__).resolve().parents[2]
# Seed 004 is a source document kept beside the repository, in ../shared/seeds (CI has it).
SEEDS_DIR = next((d for d in (ROOT.parent / "shared" / "seeds", ROOT / "docs" / "seeds")
                  if any(d.glob("004_*.txt"))), None)
K10 = "k10_reservation_blocked_markets"
TABLE_HEADER = "A to Gi Gr to Pal Pap to Z\n"


def seed_table_lines() -> list[str]:
    assert SEEDS_DIR is not None
    text = next(SEEDS_DIR.glob("004_*.txt")).read_text(encoding="utf-8")
    start = text.index(TABLE_HEADER) + len(TABLE_HEADER)
    return text[start:text.index("\n\n", start)].splitlines()


def split_row(row: str, names: set[str]) -> list[str] | None:
    """Split a row of the seed's three-column table into known names (spaces are ambiguous)."""
    if not row:
        return []
    for end in range(len(row), 0, -1):
        head = row[:end]
        if head in names and (end == len(row) or row[end] == " "):
            rest = split_row(row[end + 1:], names)
            if rest is not None:
                return [head, *rest]
    return None


def test_the_k10_seed_lists_exactly_the_markets_of_seed_004():
    if SEEDS_DIR is None:
        pytest.skip("the shared seed documents are not on this machine")
    names = {row["name"] for row in load_country_rows(K10)}
    found = []
    for row in seed_table_lines():
        parts = split_row(row, names)
        assert parts is not None, f"seed row not covered by the K10 data: {row!r}"
        found += parts
    assert sorted(found) == sorted(names)
    assert len(found) == len(set(found)) == 109


def test_every_k10_name_maps_to_exactly_the_code_stored_for_it():
    for row in load_country_rows(K10):
        assert to_alpha2(row["name"]) == row["code"], row["name"]
        assert re.fullmatch(r"[A-Z]{2}", row["code"])


def test_aliases_never_contradict_an_exact_pycountry_match():
    for name, code in NAME_ALIASES.items():
        match = pycountry.countries.get(name=name)
        assert match is None or match.alpha_2 == code, name


def test_greenland_is_blocked_and_germany_is_not():
    blocked = load_country_list(K10)
    assert "GL" in blocked
    assert "DE" not in blocked


@pytest.mark.parametrize(("name", "code"), [
    ("Kosovo", "XK"), ("Bonaire", "BQ"), ("Saba", "BQ"), ("Sint Eustatius", "BQ"),
    ("Svalbard", "SJ"), ("Jan Mayen", "SJ"), ("Congo (DRC)", "CD"), ("Congo", "CG"),
    ("Swaziland", "SZ"), ("Turkey", "TR"), ("Germany", "DE"), ("de", "DE"),
    ("Sint Maarten", "SX"), ("Saint Martin", "MF"), ("Vatican City", "VA"),
])
def test_maps_names_microsoft_uses_to_iso_codes(name, code):
    assert to_alpha2(name) == code


def test_refuses_to_guess_an_unknown_name():
    with pytest.raises(LookupError):
        to_alpha2("Atlantis")


def test_gives_display_names_for_codes_including_kosovo():
    assert country_name("XK") == "Kosovo"
    assert country_name("de") == "Germany"
