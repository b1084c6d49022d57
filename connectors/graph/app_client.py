"""The app's Graph client and sign-in proof, each built once per app from its settings.

Tests and workers may place their own in app.extensions["graph"] / ["sign_in_proof"] (for
example ones routed to the sandbox); everything else asks `get_graph_client()` and
`get_sign_in_proof()`.
"""

from __future__ import annotations

from flask import current_app

from connectors.graph.client import GraphClient, build_graph_client, build_sign_in_proof
from connectors.graph.signin import SignInProof

KEY = "graph"
SIGN_IN_KEY = "sign_in_proof"


def get_graph_client() -> GraphClient:
    """The Graph client for the current app, built on first use."""
    client = current_app.extensions.get(KEY)
    if client is None:
        client = current_app.extensions[KEY] = build_graph_client(current_app.config)
    return client


def get_sign_in_proof() -> SignInProof:
    """The tenant sign-in proof for the current app, built on first use."""
    proof = current_app.extensions.get(SIGN_IN_KEY)
    if proof is None:
        proof = current_app.extensions[SIGN_IN_KEY] = build_sign_in_proof(current_app.config)
    return proof
