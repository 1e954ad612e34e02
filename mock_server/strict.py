"""Strict mode: every response the mock sends is checked against the spec.

On in the project's own tests, so the mock can never drift from the spec: a
response with an undocumented status, content type, header or body is replaced
by a 500 problem that lists what is wrong (and logged). Answers forced by
`Prefer` are the mock's own, not the API's, and are not checked.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import Response

from rooms_spec import Operation, Spec
from rooms_spec.json_text import as_json
from rooms_spec.validators import Validators, Violation

from .responses import problem

logger = logging.getLogger("mock_server.strict")


def strict_response(
    spec: Spec, validators: Validators, operation: Operation, response: Response, path: str
) -> Response:
    """`response` when the spec documents it; otherwise a 500 problem listing why (logged)."""
    headers = Headers(raw=response.raw_headers)
    status = response.status_code
    body = bytes(response.body)
    violations = response_violations(spec, validators, operation, status, headers, body)
    if not violations:
        return response
    detail = (
        f"Strict mode: the {status} response of {operation.operation_id} "
        f"breaks the spec in {len(violations)} place(s)."
    )
    logger.error("%s %s", detail, "; ".join(str(violation) for violation in violations))
    return problem(500, detail, instance=path, errors=violations)


def response_violations(
    spec: Spec,
    validators: Validators,
    operation: Operation,
    status: int,
    headers: Headers,
    body: bytes,
) -> list[Violation]:
    """Everything in one response that the spec does not document."""
    documented = operation.responses.get(str(status)) or operation.responses.get("default")
    if documented is None:
        return [Violation("body", "", f"status {status} is not documented")]
    response = spec.resolve(documented)
    found = _header_violations(spec, validators, response, headers)
    content = response.get("content", {})
    content_type = headers.get("content-type")
    if not content:
        if body or content_type:
            found.append(Violation("body", "", f"a {status} response has no body and no type"))
        return found
    media_type = (content_type or "").split(";", 1)[0].strip()
    if media_type not in content:
        listed = ", ".join(content)
        found.append(
            Violation("header", "/Content-Type", f"{as_json(content_type)} is not {listed}")
        )
        return found
    try:
        # The standard library, not orjson: orjson reads integers past 64 bits as floats.
        value: Any = json.loads(body)
    except ValueError as error:
        return [*found, Violation("body", "", f"not JSON: {error}")]
    validator = validators.response(operation.operation_id, status, media_type)
    if validator is not None:
        found.extend(validator.violations(value))
    return found


def _header_violations(
    spec: Spec, validators: Validators, response: dict[str, Any], headers: Headers
) -> list[Violation]:
    found: list[Violation] = []
    for name, declared in response.get("headers", {}).items():
        header = spec.resolve(declared)
        if name not in headers:
            if header.get("required"):
                found.append(Violation("header", f"/{name}", f"the {name} header is missing"))
            continue
        validator = validators.compile(spec.resolve(header.get("schema", {})))
        found.extend(
            Violation("header", f"/{name}", violation.message)
            for violation in validator.violations(headers[name], "header")
        )
    return found
