"""Every use the suite makes of Schemathesis beyond its documented top-level API, in one place.

Read against Schemathesis 4.32.5. Its internals move between minor releases (the 3.x to 4.x
change renamed most of them), so after an upgrade this is the one file to read again, against
the installed source:

- `schemathesis.config.SchemathesisConfig.from_dict`: the run's generation settings;
- `schemathesis.specs.openapi.schemas.OpenApiSchema`: the type `openapi.from_path` returns;
- `schema.hooks.register_hook_with_name` (the schema's own hooks) and
  `schemathesis.hooks.GLOBAL_HOOK_DISPATCHER`: `Case.call` sends `before_call` to the global
  dispatcher only (`generation/case.py`), so that one hook is registered there, once;
  `after_validate` gets one `CheckResult` (`name`, `failure`) per check that ran on a response;
- `Case.call_and_validate(session=...)` and `APIStateMachine.get_call_kwargs`: without a
  session `transport/requests.py` opens a new connection for every request;
- `schemathesis.generation.meta.TestPhase`: which phase generated a case;
- `schemathesis.core.failures.FailureGroup`: what a failed `call_and_validate` or state machine
  raises, each failure with its `code` and, for a custom check, the `exception` it raised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import schemathesis
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.meta import TestPhase
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from schemathesis.specs.openapi.schemas import OpenApiSchema

from .target import Target
from .violation import find

Schema = OpenApiSchema


def config_for(target: Target) -> SchemathesisConfig:
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
        "seed": target.seed,
    }
    return SchemathesisConfig.from_dict(settings)


@dataclass(frozen=True)
class Hooks:
    """The suite's hooks: each is called as Schemathesis calls a hook of its name."""

    after_call: Callable[..., None]
    map_path_parameters: Callable[..., Any]
    before_call: Callable[..., None]
    after_validate: Callable[..., None]


def load_schema(target: Target, hooks: Hooks) -> OpenApiSchema:
    """The target's schema: its spec, URL, headers, timeout and budget, with the suite's hooks."""
    schema = schemathesis.openapi.from_path(target.spec.path, config=config_for(target))
    schema.config.update(
        base_url=target.base_url,
        headers=dict(target.headers),
        request_timeout=target.request_timeout,
    )
    schema.hooks.register_hook_with_name(hooks.after_call, "after_call")
    schema.hooks.register_hook_with_name(hooks.map_path_parameters, "map_path_parameters")
    schema.hooks.register_hook_with_name(hooks.after_validate, "after_validate")
    if hooks.before_call not in GLOBAL_HOOK_DISPATCHER.get_all_by_name("before_call"):
        GLOBAL_HOOK_DISPATCHER.register_hook_with_name(hooks.before_call, "before_call")
    return schema


def is_stateful(case: Case) -> bool:
    """The case comes from the stateful phase (its ids may come from links)."""
    return case.meta is not None and case.meta.phase.name == TestPhase.STATEFUL


@dataclass(frozen=True)
class Found:
    """A failure Schemathesis found: each check's failure code with, for a custom check, what
    it raised; Schemathesis' own account of it (checks, response, curl); the group itself."""

    failures: tuple[tuple[str, BaseException | None], ...]
    account: str
    group: BaseException


def found_in(error: BaseException) -> Found | None:
    """The Schemathesis failure in `error`, also inside the groups Hypothesis raises for a
    failure it could not repeat."""
    group = find(error, FailureGroup)
    if group is None:
        return None
    failures = tuple(
        (failure.code, getattr(failure, "exception", None)) for failure in group.exceptions
    )
    return Found(failures, group.message.strip(), group)
