"""Every option of `rooms-mock` given a bad value: one line on stderr, exit 2, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mock_server.cli import main

NOT_OPENAPI = "title: not a spec\nitems: [1, 2]\n"

# option -> bad values; a callable gets tmp_path and gives the value.
BAD: dict[str, list[str | Callable[[Path], str]]] = {
    "--port": ["70000", "-1", "x", "4.5", "", "99999999999999999999999"],
    "--host": ["nohost.invalid", "300.1.1.1"],
    "--seed": ["x", "-3", "1e3"],
    "--latency": ["-5", "x", "60001"],
    "--max-rooms": ["0", "-1", "ten"],
    "--max-body-bytes": ["0", "x", str(2**40)],
    "--max-connections": ["0", "-1", "many", "1000001"],
    "--keep-alive-timeout": ["0", "1.5", "x", "3601"],
    "--request-timeout": ["0", "-2", "10s", "3601"],
    "--log-level": ["loud", "DEBUGGING"],
    "--cors-origin": [],  # any text is an origin
    "--spec": [
        "/nowhere/openapi.yaml",
        "/tmp",
        "/proc/self/mem",
        "README.md",
        lambda tmp: _write(tmp / "list.yaml", "- 1\n- 2\n"),
        lambda tmp: _write(tmp / "other.yaml", NOT_OPENAPI),
        lambda tmp: _write(tmp / "v2.yaml", "swagger: '2.0'\ninfo: {title: x, version: '1'}\n"),
    ],
    "--fixtures": [
        "/nowhere/rooms.json",
        "/proc/self/mem",
        "README.md",
        lambda tmp: _write(tmp / "rooms.json", '{"rooms": [{"id": "room_1"}]}'),
        lambda tmp: _write(tmp / "null.json", "null"),
    ],
    "--journal-size": ["-1", "x", "1000001", "1e3"],
    # A Redis that is not there (nothing listens on port 1) is the same one line.
    "--store": ["mysql://x", "memcache", "redis://127.0.0.1:1/0", "redis://127.0.0.1:1/x"],
    "--redis-prefix": ["", "a\nb"],
    "--workers": ["0", "65", "x", "2"],  # 2 with the memory store: each would keep its own rooms
    "--faults": [
        "/nowhere/faults.json",
        "/tmp",
        "README.md",
        lambda tmp: _write(tmp / "kind.json", '{"rules": [{"fault": "explode"}]}'),
        lambda tmp: _write(
            tmp / "op.json", '[{"match": {"operation": "x"}, "fault": "empty_reply"}]'
        ),
        lambda tmp: _write(tmp / "none.json", '{"rules": [{"match": {"method": "GET"}}]}'),
        lambda tmp: _write(
            tmp / "twice.json",
            '[{"id": "a", "next": 1, "fault": "empty_reply"}, {"id": "a", "fault": "empty_reply"}]',
        ),
        lambda tmp: _write(tmp / "object.json", '{"match": {}, "fault": "empty_reply"}'),
    ],
    "--proxy": ["ftp://example.com", "http://", "example.com/api/v1", "http://h/api?x=1"],
    "--proxy-timeout": ["0", "-1", "x", "3601"],
    "--proxy-max-bytes": ["0", "x", str(2**40)],
    "--proxy-pool": ["0", "x", "10001"],
    "--fallback": ["backend", ""],
    "--record": ["README.md"],  # a file, not a folder (and no --proxy)
    "--allowed-host": [],  # any text is a name (and no --proxy)
}
FLAGS_WITHOUT_VALUE = [
    "--strict",
    "--access-log",
    "--watch",
    "--proxy-errors",
    "--fail-on-violations",
]
CASES = [(option, value) for option, values in BAD.items() for value in values]
IDS = [f"{o}={v if isinstance(v, str) else f'made{i}'}" for i, (o, v) in enumerate(CASES)]


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("option", "value"), CASES, ids=IDS)
def test_a_bad_value_is_one_line_and_exit_2(
    option: str,
    value: str | Callable[[Path], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    given = value(tmp_path) if callable(value) else value
    code, err = run(["--port", "0", option, given], capsys)
    lines = err.splitlines()
    assert (code, len(lines)) == (2, 1), err
    assert lines[0].startswith("rooms-mock: error: "), err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["--nope"], ["--port"], ["--strict=yes"], ["extra"]])
def test_a_wrong_command_line_is_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(argv, capsys)
    assert (code, len(err.splitlines())) == (2, 1), err
    assert err.startswith("rooms-mock: error: ")


def test_every_option_has_bad_values_here() -> None:
    from mock_server.cli import parser

    options = {
        action.option_strings[-1]
        for action in parser()._actions
        if action.option_strings and action.dest not in ("help", "version")
    }
    assert options == set(BAD) | set(FLAGS_WITHOUT_VALUE)


def test_messages_speak_json_not_python(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["--port", "x"], capsys)
    assert code == 2 and '"x" is not a whole number' in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    assert out.startswith("rooms-mock ") and out.split()[1][0].isdigit()
