"""Microsoft Entra built-in roles a GDAP relationship may carry (role template ids).

The ids are Microsoft's documented built-in role template ids; the names are the ones the
admin center shows. The default is least privilege for what this storefront and a CSP's
support work need: read the directory, assign the licenses it sells, open service
requests on the customer's behalf.
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b": "Directory Readers",
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a": "License Administrator",
    "f023fd81-a637-4b56-95fd-791ac0226033": "Service Support Administrator",
    "fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Global Reader",
    "b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
    "69091246-20e8-4a56-aa4d-066075b2a7a8": "Teams Administrator",
    "5d6b6bb7-de71-4623-b4af-96380a352509": "Security Reader",
}
DEFAULT_ROLES = ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
                 "f023fd81-a637-4b56-95fd-791ac0226033")


def name_of(role_id: str) -> str:
    """The role's name, or its id when it is not one we list."""
    return ROLES.get(role_id, role_id)
