"""identifiers.guids: the one reading of an Azure or Entra ID GUID (a subscription, a
tenant, a group's object ID) that every check shares; each caller words its own refusal."""

import pytest

from identifiers import guids

GUID = "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d"


@pytest.mark.parametrize("text", [
    GUID, GUID.upper(), "3F2c9A7e-5b1D-4e8a-9C6f-0d7E1a2b3c4D", f"  {GUID.upper()}\t",
    GUID + "\n",
    "3f15978e-005c-b763-bb78-2a8fab289c58"])  # no version digit: Microsoft's ids as they come
def test_a_guid_in_any_case_with_whitespace_around_it_is_a_guid(text):
    assert guids.is_valid(text)
    assert guids.compact(text) == text.strip().lower()


@pytest.mark.parametrize("text", [
    "", "   ", None, "my-subscription", GUID[:-1], GUID + "0", GUID + ".",
    "{" + GUID + "}", "urn:uuid:" + GUID, GUID.replace("-", ""),
    "3f2c9a7e5b1d-4e8a-9c6f-0d7e-1a2b3c4d", GUID.replace("a", "g"),
    GUID.replace("3", "\u0663"),  # an Arabic-Indic three: a digit, not a hexadecimal one
    f"{GUID} {GUID}"])
def test_anything_else_is_not_a_guid(text):
    assert not guids.is_valid(text)


def test_the_example_given_in_refusals_is_a_guid():
    assert guids.is_valid(guids.EXAMPLE)
