"""Ask the target for one page of rooms before anything else, once per run: a target the suite
cannot test (unreachable, a TLS error, no answer in time, a base URL that is not the API's, no
credentials) stops the run with one line, not with a failure for every check.

The probe also times the target, to choose how many checks run at once when --concurrency is
not given. Across a network the run waits on answers, and checks side by side (`pool.py`) cut
its time by the number of threads; against a server on this machine it waits on nothing but
its own CPU (Hypothesis drawing examples), where threads only take turns for the GIL and cost
about a sixth more time. So: one check at a time when the target answers within `LOCAL_S`.
"""

from __future__ import annotations

import time
from dataclasses import replace

import httpx

from .options import AUTO, DEFAULT_CONCURRENCY
from .target import Target

LOCAL_S = 0.005
TIMED = 3  # requests timed on one connection, after the first (which also connects)


class TargetError(Exception):
    """The target cannot be tested; the message is one line."""


def probe(target: Target) -> Target:
    """The target, checked, with its concurrency chosen if it was left to the probe."""
    url = target.url("/rooms")
    try:
        with httpx.Client(headers=target.headers, timeout=target.request_timeout) as client:
            response = client.get(url, params={"limit": 1})
            if target.concurrency == AUTO and response.status_code == 200:
                answer_s = min(_timed(client, url) for _ in range(TIMED))
                local = answer_s <= LOCAL_S
                return replace(target, concurrency=1 if local else DEFAULT_CONCURRENCY)
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
    if target.concurrency == AUTO:
        return replace(target, concurrency=DEFAULT_CONCURRENCY)
    return target


def _timed(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    client.get(url, params={"limit": 1})
    return time.perf_counter() - started


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return " ".join(text.split())
