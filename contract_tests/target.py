"""The server under test and how to talk to it, as the command line or pytest options give it.

The plugin sets the target once per session (`configure`), before pytest imports the suite's
modules, so those modules can build their schemas and Hypothesis settings from it at import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_REQUEST_TIMEOUT_S = 10.0


class TargetError(Exception):
    """The target cannot be tested: unreachable, a TLS error, a timeout, a wrong base URL."""


@dataclass(frozen=True)
class Target:
    """Where the server is and how the suite should test it."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    spec_path: Path | None = None  # None: the bundled spec
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT_S
    fail_fast: bool = False

    @property
    def spec(self) -> Path:
        from mock_server.spec import default_spec_path  # imports the mock's app: only when asked

        return self.spec_path or default_spec_path()

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


_current: Target | None = None


def configure(target: Target | None) -> None:
    global _current
    _current = target


def current() -> Target:
    """The session's target; only the suite's modules ask, and only when one was given."""
    if _current is None:
        raise RuntimeError("no target: run the suite with --base-url URL")
    return _current


def parse_header(text: str) -> tuple[str, str]:
    """`'Name: value'` as given to -H/--header, or a ValueError that says what is wrong."""
    name, colon, value = text.partition(":")
    if not colon or not name.strip() or name != name.strip():
        raise ValueError(f"not a header {text!r}: use 'Name: value'")
    return name, value.strip()


def check_base_url(url: str) -> str:
    """An absolute http(s) URL, without a trailing slash, or a ValueError."""
    parsed = httpx.URL(url) if "://" in url else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"not an http(s) URL {url!r}: give e.g. http://127.0.0.1:4010/api/v1")
    return url.rstrip("/")


def probe(target: Target) -> None:
    """Ask the server for one page of rooms; raise TargetError, in one line, unless it answers."""
    url = target.url("/rooms")
    try:
        response = httpx.get(
            url, params={"limit": 1}, headers=target.headers, timeout=target.request_timeout
        )
    except httpx.TimeoutException:
        raise TargetError(f"{url}: no answer within {target.request_timeout:g} s") from None
    except httpx.ConnectError as error:
        reason = _reason(error)
        kind = "TLS error" if "SSL" in reason or "certificate" in reason else "cannot connect"
        raise TargetError(f"{url}: {kind}: {reason}") from None
    except httpx.HTTPError as error:
        raise TargetError(f"{url}: {type(error).__name__}: {_reason(error)}") from None
    if response.status_code in (401, 403):
        raise TargetError(
            f"{url} answered {response.status_code}: pass credentials with -H 'Name: value'"
        )
    if response.status_code == 404:
        raise TargetError(f"{url} answered 404: does --base-url end with the API's base path?")


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())
