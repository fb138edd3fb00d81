"""The error raised for every non-2xx answer."""

from typing import Any, Optional


def error_message(body: Any) -> Optional[str]:
    """The server's message from any of berth's error envelopes."""
    if isinstance(body, str):
        return body or None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, str):
        return error
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return error["message"]
    detail = body.get("detail")
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list):
        parts = []
        for d in detail:
            if isinstance(d, dict):
                loc = ".".join(str(x) for x in d.get("loc", []))
                parts.append(": ".join(p for p in (loc, str(d.get("msg", ""))) if p))
        return "; ".join(parts) or None
    return None


class BerthError(Exception):
    """A non-2xx answer.

    ``body`` is the surface's own envelope: ``{"error": ...}`` on the platform and template-platform
    APIs, ``{"detail": ...}`` on the agent deployments API, and
    ``{"type": "error", "error": {"type", "message"}}`` on the scheduled deployments API.
    """

    def __init__(self, status: int, body: Any, method: str, path: str):
        self.status = status
        self.body = body
        self.method = method
        self.path = path
        self.server_message = error_message(body)
        super().__init__(f"{method} {path}: {status} {self.server_message or 'request failed'}")

    @property
    def type(self) -> Optional[str]:
        """``error.type`` of the scheduled deployments API, e.g. ``not_found_error``."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error.get("type") if isinstance(error, dict) else None
