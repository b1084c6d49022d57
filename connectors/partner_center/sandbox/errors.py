"""Partner Center error answers produced by the sandbox, in the three documented shapes."""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    """A Partner Center error answer: status, code and body shape.

    Classic ApiFault bodies carry a numeric code; new-style bodies (agreements, validation)
    carry `errorName` and `isRetryable`; 429 answers carry the throttle body.
    """

    def __init__(self, status: int, code: int | None, description: str, *,
                 error_name: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status, self.code, self.description = status, code, description
        self.error_name = error_name
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body in the documented shape for this error."""
        if self.status == 429:
            return {"statusCode": 429, "message": self.description}
        if self.error_name:
            return {"code": self.code, "message": self.description,
                    "description": self.description, "errorName": self.error_name,
                    "isRetryable": self.status >= 500, "parameters": {},
                    "errorMessageExtended": f"InternalErrorCode={self.code}"}
        return {"code": self.code, "description": self.description, "data": [],
                "source": "PartnerFD"}


def not_found(code: int, what: str) -> SandboxError:
    """404 with a classic body."""
    return SandboxError(404, code, f"{what} was not found.")


def bad_request(code: int, description: str) -> SandboxError:
    """400 with a classic body."""
    return SandboxError(400, code, description)


def forbidden(code: int, description: str) -> SandboxError:
    """403 with a classic body."""
    return SandboxError(403, code, description)
