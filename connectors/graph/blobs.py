"""Reading an export's blobs: gzip JSON Lines files in Azure Blob Storage, via a SAS URL.

The blob store is not Graph: the URL carries its own credential (the manifest's SAS token),
so no bearer token is sent, and the URL is never logged whole (the SAS is a secret). Every
request has a (connect, read) timeout; no answer, 429 and 5xx are retried like Graph calls,
but only before the first line is handed out: a file that breaks off midway is an error,
never a silently shorter list. Files are decompressed and parsed as they stream, so memory
stays flat however large a partition is.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from connectors.graph.billing_types import BlobDownloadFailed
from connectors.graph.errors import GraphError, ServiceUnavailable, Throttled, retry_after
from connectors.graph.retry import RetryPolicy

log = logging.getLogger("connectors.graph")
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 64 * 1024


def _where(url: str) -> str:
    """The URL without its query: the SAS token must not reach logs or messages."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _error(response: requests.Response, url: str) -> GraphError:
    """A typed error for a refused blob read; Azure names its reason in x-ms-error-code."""
    code = response.headers.get("x-ms-error-code") or None
    status = response.status_code
    kind: type[GraphError] = Throttled if status == 429 else \
        ServiceUnavailable if status >= 500 else BlobDownloadFailed
    hint = " (the SAS token expired or was refused: export the data again)" \
        if status == 403 else ""
    return kind(f"Reading {_where(url)} failed: HTTP {status} {code or ''}{hint}".strip(),
                http_status=status, code=code, retry_after=retry_after(response))


class _Lines:
    """Turns decompressed bytes into JSON Lines records, across chunk boundaries."""

    def __init__(self, where: str) -> None:
        self.where, self.pending, self.number = where, b"", 0

    def feed(self, data: bytes) -> Iterator[dict[str, Any]]:
        self.pending += data
        *complete, self.pending = self.pending.split(b"\n")
        for raw in complete:
            yield from self._parse(raw)

    def close(self) -> Iterator[dict[str, Any]]:
        yield from self._parse(self.pending)
        self.pending = b""

    def _parse(self, raw: bytes) -> Iterator[dict[str, Any]]:
        self.number += 1
        if not raw.strip():
            return
        try:
            record = json.loads(raw)
        except ValueError as exc:
            raise BlobDownloadFailed(
                f"{self.where}: line {self.number} is not JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise BlobDownloadFailed(f"{self.where}: line {self.number} is not a JSON object")
        yield record


def _decompressed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Gunzip a stream (several gzip members allowed); plain text passes through, in case
    the store already removed a Content-Encoding: gzip on the way."""
    first = next(chunks, b"")
    if not first.startswith(GZIP_MAGIC):
        yield first
        yield from chunks
        return
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for chunk in _chained(first, chunks):
        data = chunk
        while data:
            yield inflater.decompress(data)
            data = inflater.unused_data if inflater.eof else b""
            if inflater.eof:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    yield inflater.flush()


def _chained(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


class BlobReader:
    """GETs SAS URLs with a timeout and bounded retries; yields each file's records."""

    def __init__(self, session: requests.Session, *, timeout: tuple[float, float],
                 retry: RetryPolicy) -> None:
        self._session, self._timeout, self._retry = session, timeout, retry

    def records(self, url: str) -> Iterator[dict[str, Any]]:
        """Every JSON object of one gzip JSON Lines blob, in file order, streamed."""
        where = _where(url)
        response = self._open(url)
        lines = _Lines(where)
        try:
            for data in _decompressed(response.iter_content(CHUNK)):
                yield from lines.feed(data)
            yield from lines.close()
        except (requests.RequestException, zlib.error) as exc:
            raise BlobDownloadFailed(f"{where} broke off while reading "
                                     f"({type(exc).__name__}): export the data again",
                                     retryable=True) from exc
        finally:
            response.close()

    def _open(self, url: str) -> requests.Response:
        """The streaming response, after retrying silence, 429 and 5xx."""
        attempt = 1
        while True:
            try:
                return self._attempt(url, attempt)
            except GraphError as error:
                if not self._retry.should_retry(error, attempt):
                    raise
                self._retry.wait(error, attempt)
                attempt += 1

    def _attempt(self, url: str, attempt: int) -> requests.Response:
        try:
            # No Authorization header: the SAS in the URL is the credential.
            response = self._session.get(url, stream=True, timeout=self._timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            log.warning("blob %s: no answer (%s), attempt %d", _where(url),
                        type(exc).__name__, attempt)
            raise ServiceUnavailable(f"No answer from {_where(url)} "
                                     f"({type(exc).__name__})") from exc
        log.info("blob %s -> %d, attempt %d", _where(url), response.status_code, attempt)
        if response.status_code == 200:
            return response
        response.close()
        raise _error(response, url)
