"""Microsoft Graph connector: GDAP relationships (rule K4), the tenant sign-in proof (K11) and
the partner billing reconciliation export (B6).

Build the client with `build_graph_client(settings)` and the proof with
`build_sign_in_proof(settings)`; in sandbox mode both talk to the local sandbox
(`python -m connectors.partner_center.sandbox`), which serves Graph's GDAP endpoints and
an Entra ID sign-in double beside Partner Center's. Raw JSON never leaves this package.
"""

from connectors.graph.auth import MsalGraphTokenProvider, SandboxGraphTokenProvider
from connectors.graph.billing_types import (
    BillingManifest,
    BillingOperation,
    BlobDownloadFailed,
    ExportFailed,
    ExportNotReady,
    ManifestBlob,
    ReconciliationLineItem,
    UsageLineItem,
)
from connectors.graph.client import GraphClient, build_graph_client, build_sign_in_proof
from connectors.graph.errors import (
    AccessDenied,
    Conflict,
    GraphError,
    InvalidRequest,
    NotFound,
    ReauthenticationRequired,
    ServiceUnavailable,
    Throttled,
)
from connectors.graph.gdap import approval_url
from connectors.graph.signin import (
    ProvenTenant,
    SignInCancelled,
    SignInError,
    SignInFailed,
    SignInProof,
    SignInRejected,
    SignInUnavailable,
    TenantMismatch,
)
from connectors.graph.types import (
    GLOBAL_ADMINISTRATOR,
    AccessAssignment,
    Relationship,
    RelationshipRequest,
)

__all__ = [
    "GLOBAL_ADMINISTRATOR", "AccessAssignment", "AccessDenied", "BillingManifest",
    "BillingOperation", "BlobDownloadFailed", "Conflict", "ExportFailed", "ExportNotReady",
    "GraphClient", "ManifestBlob", "ReconciliationLineItem", "UsageLineItem",
    "GraphError", "InvalidRequest", "MsalGraphTokenProvider", "NotFound", "ProvenTenant",
    "ReauthenticationRequired", "Relationship", "RelationshipRequest",
    "SandboxGraphTokenProvider", "ServiceUnavailable", "SignInCancelled", "SignInError",
    "SignInFailed", "SignInProof", "SignInRejected", "SignInUnavailable", "TenantMismatch",
    "Throttled", "approval_url", "build_graph_client", "build_sign_in_proof",
]
