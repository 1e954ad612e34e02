"""The spec layer is plain Python: importing it loads no HTTP framework and no test tool."""

from __future__ import annotations

import subprocess
import sys

from tests.support.servers import PROJECT_ROOT

FRAMEWORKS = ("starlette", "connexion", "uvicorn", "httpx", "schemathesis", "hypothesis", "pytest")


def test_the_spec_layer_loads_no_http_framework() -> None:
    code = (
        "import sys, rooms_spec, rooms_spec.validators, rooms_spec.fast_check\n"
        "spec = rooms_spec.load_spec()\n"
        "rooms_spec.validators.Validators(spec).request_body('createRoom').violations({})\n"
        f"print(sorted(set({FRAMEWORKS!r}) & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
