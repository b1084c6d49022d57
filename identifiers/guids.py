"""An Azure or Entra ID GUID: an Azure subscription (K12, O7), a tenant (K4, K11), a
security group's object ID (K4's GDAP access).

Policy, the one definition every check uses:
- Written as Microsoft writes it: 32 hexadecimal digits grouped 8-4-4-4-12 by hyphens,
  e.g. 3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d. No braces, no "urn:uuid:" prefix and no
  hyphen-less form: Partner Center and Graph take the id as it goes into their URLs.
- Case carries no meaning (Azure and Entra compare ids without regard to it): capitals are
  as good as lower case, and an id is kept and compared in lower case (`compact`).
- Whitespace around a pasted id (a trailing line break too) is no part of it and is
  trimmed; nothing else is allowed around or inside it.
- No version or variant digit is checked: ids Microsoft hands out are taken as they come.
"""

from __future__ import annotations

import re

# The written form, for a schema to document (OpenAPI's "pattern"); checks use is_valid.
PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
EXAMPLE = "3f2c9a7e-5b1d-4e8a-9c6f-0d7e1a2b3c4d"
_GUID = re.compile(PATTERN)


def compact(text: str | None) -> str:
    """The id as kept and compared: trimmed, in lower case ("" for none)."""
    return (text or "").strip().lower()


def is_valid(text: str | None) -> bool:
    """`text` names a GUID, in any case, spaces around it aside."""
    return _GUID.fullmatch((text or "").strip()) is not None
