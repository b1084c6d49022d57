"""Customer agreements: the append-only, hash-chained ledger of Microsoft Customer Agreement
acceptances (K5) and their attestations to Partner Center."""
