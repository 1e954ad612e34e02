"""`rooms-mock`'s options: documented in --help, mapped to settings, refused when wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mock_server.cli import parser, settings_from
from tests.support.servers import mock_process

OPTIONS = [
    "--host", "--port", "--fixtures", "--seed", "--latency", "--cors-origin", "--strict",
    "--max-rooms", "--max-body-bytes", "--spec", "--log-level", "--access-log",
]  # fmt: skip


def test_help_explains_every_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for option in OPTIONS:
        assert option in result.stdout
    assert "127.0.0.1" in result.stdout and "Prefer" in result.stdout


def test_options_become_settings() -> None:
    args = parser().parse_args(
        ["--fixtures", "none", "--seed", "3", "--latency", "20", "--cors-origin", "http://a.test",
         "--cors-origin", "http://b.test", "--strict", "--max-rooms", "5", "--spec", "x.yaml"]
    )  # fmt: skip
    settings = settings_from(args)
    assert settings.fixtures is None
    assert (settings.seed, settings.latency_ms, settings.max_rooms) == (3, 20, 5)
    assert settings.cors_origins == ("http://a.test", "http://b.test")
    assert settings.strict and settings.spec_path == Path("x.yaml")


def test_defaults_bind_loopback_with_the_bundled_fixtures() -> None:
    args = parser().parse_args([])
    settings = settings_from(args)
    assert (args.host, args.port) == ("127.0.0.1", 4010)
    assert settings.fixtures is not None and settings.fixtures.is_dir()
    assert settings.cors_origins == ("*",) and not settings.strict


@pytest.mark.parametrize(
    "argv", [["--latency", "-5"], ["--max-rooms", "0"], ["--port", "x"], ["--log-level", "loud"]]
)
def test_bad_options_exit_2_with_a_usage_line(
    argv: list[str], capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(argv)
    assert exit_info.value.code == 2
    assert "rooms-mock: error:" in capsys.readouterr().err


def _loaded(pid: int, library: str) -> bool:
    """Whether the process has mapped `library`'s compiled extension (it was imported)."""
    return library in Path(f"/proc/{pid}/maps").read_text()


def test_the_validator_that_explains_a_bad_body_loads_with_the_first_one() -> None:
    """A mock that sees valid bodies only never imports openapi-schema-validator (and the
    pydantic it pulls in, a fifth of the start); the first bad body gets every message."""
    with mock_process("--fixtures", "none") as mock, httpx.Client(base_url=mock.base_url) as http:
        assert http.post("/rooms", json={"name": "ok"}).status_code == 201
        assert http.get("/rooms").status_code == 200
        assert not _loaded(mock.process.pid, "pydantic_core")
        bad = http.post("/rooms", json={"name": "", "config": {"max_participants": 0}})
        assert bad.status_code == 400
        pointers = {error["pointer"] for error in bad.json()["errors"]}
        assert pointers == {"/name", "/config/max_participants"}, bad.json()
        assert _loaded(mock.process.pid, "pydantic_core")
