"""Ask the target for one page of rooms before anything else, once per run: a target the suite
cannot test (unreachable, a TLS error, no answer in time, a base URL that is not the API's, no
credentials) stops the run with one line, not with a failure for every check."""

from __future__ import annotations

import httpx

from .target import Target


class TargetError(Exception):
    """The target cannot be tested; the message is one line."""


def probe(target: Target) -> None:
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
    except (httpx.HTTPError, httpx.InvalidURL) as error:
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
