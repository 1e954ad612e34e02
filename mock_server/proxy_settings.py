"""What `--proxy` and its options say, checked without importing the proxy (and httpx): the
mock without `--proxy` never loads them, so its start stays fast."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_ANSWER_BYTES = 10 * 1024 * 1024
DEFAULT_POOL = 100


class ProxyError(ValueError):
    """A `--proxy` URL the proxy cannot use; the message is one line."""


@dataclass(frozen=True)
class ProxySettings:
    """What `--proxy` and its options say (see `rooms-mock --help`)."""

    url: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES
    errors: bool = False
    fallback: bool = False
    record_dir: Path | None = None
    pool: int = DEFAULT_POOL


def check_backend_url(text: str) -> str:
    """The backend's base URL (`https://staging.example.com/api/v1`) without a trailing `/`,
    or a ProxyError."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProxyError(f"--proxy {text!r}: give an http:// or https:// URL with a host")
    if parts.query or parts.fragment:
        raise ProxyError(f"--proxy {text!r}: give a base URL without a query or a fragment")
    return text.rstrip("/")
