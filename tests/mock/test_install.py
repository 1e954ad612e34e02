"""The mock runs with only its own dependencies: no Schemathesis, Hypothesis or pytest.

A frontend developer installs `rooms-api-kit` without the `[contract]` extra; this
runs the mock in a Python where importing any of the suite's packages fails.
"""

from __future__ import annotations

import subprocess
import sys

from tests.support.servers import PROJECT_ROOT

# httpx stays: Connexion imports Starlette's test client, which needs it (Connexion depends on it).
SUITE_ONLY = ("schemathesis", "hypothesis", "pytest", "_pytest", "xdist")

PROGRAM = f"""
import asyncio, importlib.abc, json, sys

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {SUITE_ONLY!r}:
            raise ImportError(f"{{name}} is not installed (the [contract] extra)")
        return None

sys.meta_path.insert(0, Refuse())
from mock_server import MockServer, MockSettings
from mock_server.cli import parser

async def call(app, method, path, body=b""):
    scope = {{"type": "http", "method": method, "path": path, "query_string": b"",
              "headers": [(b"content-type", b"application/json")], "root_path": ""}}
    sent = []
    async def receive():
        return {{"type": "http.request", "body": body, "more_body": False}}
    async def send(message):
        sent.append(message)
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

app = MockServer(MockSettings(strict=True))
created = asyncio.run(call(app, "POST", "/api/v1/rooms", b'{{"name": "A"}}'))
listed = asyncio.run(call(app, "GET", "/api/v1/rooms"))
ui = asyncio.run(call(app, "GET", "/api/v1/openapi.json"))
parser().parse_args([])
print(json.dumps([created[0], json.loads(listed[1])["total"], ui[0]]))
"""


def test_the_mock_serves_without_the_contract_suites_packages() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[201, 5, 200]"
