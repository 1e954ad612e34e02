"""The Schemathesis schema of the target: the spec, the target's URL and headers, the run's
budget, and a hook that notes every room Schemathesis creates so the suite can delete it."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

import orjson
import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from .client import LEDGER
from .target import Target, current


def schemathesis_config(target: Target) -> SchemathesisConfig:
    settings: dict[str, Any] = {
        "generation": {
            "mode": "all",
            "max-examples": target.max_examples,
            "database": "none",
            "no-shrink": target.fail_fast,
        },
        # Links come from the spec only: inferred ones may read list output, whose content
        # depends on server state, and make the state machine flaky.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
    }
    if target.seed is not None:
        settings["seed"] = target.seed
    return SchemathesisConfig.from_dict(settings)


@cache
def suite_schema() -> OpenApiSchema:
    """The session target's schema, loaded once for all the suite's modules."""
    return load_schema(current())


def load_schema(target: Target) -> OpenApiSchema:
    schema = schemathesis.openapi.from_path(target.spec, config=schemathesis_config(target))
    schema.config.update(
        base_url=target.base_url,
        headers=dict(target.headers),
        request_timeout=target.request_timeout,
    )
    schema.hooks.register_hook_with_name(record_rooms, "after_call")
    return schema


def record_rooms(context: HookContext, case: Case, response: Response) -> None:
    """Keep the ledger of created rooms current for every request Schemathesis sends."""
    request_url = response.request.url or ""
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        body = None
    LEDGER.record(case.method.upper(), urlsplit(request_url).path, response.status_code, body)
