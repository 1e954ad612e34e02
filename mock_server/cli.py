"""`rooms-mock`: serve the stateful Rooms API mock (also `python -m mock_server`)."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import socket
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rooms_spec import SpecError
from rooms_spec.json_text import as_json

from .app import MockServer, MockSettings
from .connections import (
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_REQUEST_TIMEOUT_S,
    ConnectionLimits,
    LimitedHttpProtocol,
    allow_open_files,
    limited_protocol,
)
from .faults import FaultError
from .fixtures import FixtureError, default_fixtures_path
from .journal import DEFAULT_SIZE as DEFAULT_JOURNAL_SIZE
from .journal import MAX_SIZE as MAX_JOURNAL_SIZE
from .prefer import MAX_DELAY_MS
from .proxy_settings import (
    DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_POOL,
    DEFAULT_TIMEOUT_S,
    ProxyError,
    ProxySettings,
)
from .stores import DEFAULT_PREFIX, MEMORY, StoreError, is_shared
from .workers import reuse_port_sockets, run_workers

PROG = "rooms-mock"
if TYPE_CHECKING:
    import uvicorn

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
MAX_WORKERS = 64


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (`rooms-mock: error: ...`) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see {PROG} --help)\n")


def version() -> str:
    try:
        return metadata.version("rooms-api-kit")
    except metadata.PackageNotFoundError:  # run from a clone that was never installed
        return "unknown"


def parser() -> argparse.ArgumentParser:
    cli = Parser(
        prog=PROG,
        description="A stateful mock of the Rooms API, validated against openapi.yaml.",
        epilog="Frontend controls: POST /_mock/reset restores the fixtures; a "
        "'Prefer: code=404', 'Prefer: example=NAME' or 'Prefer: delay=MS' header "
        "forces a documented response or a delay for one request.",
    )
    cli.add_argument("--version", action="version", version=f"{PROG} {version()}")
    cli.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    cli.add_argument(
        "--port",
        type=whole_number(0, 65535),
        default=4010,
        help="port to listen on, 0 for any free one (default: 4010)",
    )
    cli.add_argument(
        "--fixtures",
        default=str(default_fixtures_path()),
        metavar="PATH",
        help="a fixture file, or a directory of *.json fixture files, loaded at start "
        "and on reset; 'none' starts empty (default: the bundled fixtures/)",
    )
    cli.add_argument(
        "--seed",
        type=whole_number(0, 2**64 - 1),
        metavar="N",
        help="deterministic ids and timestamps (for snapshot tests); reset restarts them",
    )
    cli.add_argument(
        "--latency",
        type=whole_number(0, MAX_DELAY_MS),
        default=0,
        metavar="MS",
        help="add this many milliseconds to every API answer (default: 0)",
    )
    cli.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="an origin browsers may call from; repeat for several (default: any origin; "
        "a credentialed request gets its own origin back)",
    )
    cli.add_argument(
        "--strict",
        action="store_true",
        help="validate every response against the spec; a response that breaks it "
        "becomes a 500 listing why",
    )
    cli.add_argument(
        "--max-rooms",
        type=whole_number(1, 10**9),
        default=10_000,
        metavar="N",
        help="how many rooms may exist; past it, create answers 409 (default: 10000)",
    )
    cli.add_argument(
        "--max-body-bytes",
        type=whole_number(1, 2**31),
        default=64 * 1024,
        metavar="N",
        help="larger request bodies get 413, read no further (default: 65536)",
    )
    cli.add_argument(
        "--max-connections",
        type=whole_number(1, 1_000_000),
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help="connections (and requests in flight) at once; a connection past it gets a 503 "
        f"problem and is closed (default: {DEFAULT_MAX_CONNECTIONS})",
    )
    cli.add_argument(
        "--keep-alive-timeout",
        type=whole_number(1, 3600),
        default=DEFAULT_KEEP_ALIVE_S,
        metavar="SECONDS",
        help="close a connection that sends nothing for this long, before its first request "
        f"or between requests (default: {DEFAULT_KEEP_ALIVE_S})",
    )
    cli.add_argument(
        "--request-timeout",
        type=whole_number(1, 3600),
        default=DEFAULT_REQUEST_TIMEOUT_S,
        metavar="SECONDS",
        help="a request must arrive whole, head and body, this long after its first byte; "
        f"else a 408 problem and the connection is closed (default: {DEFAULT_REQUEST_TIMEOUT_S})",
    )
    cli.add_argument(
        "--store",
        type=store_url,
        default=MEMORY,
        metavar="memory|redis://HOST:PORT/DB",
        help="where the rooms live: in this process (memory, the default and the fastest), "
        "or on a Redis server that every worker, and every mock with the same --redis-prefix, "
        "shares",
    )
    cli.add_argument(
        "--redis-prefix",
        type=key_prefix,
        default=DEFAULT_PREFIX,
        metavar="PREFIX",
        help="with --store redis://: the prefix of every key the mock writes, so several mocks "
        f"can share one Redis database (default: {DEFAULT_PREFIX})",
    )
    cli.add_argument(
        "--workers",
        type=whole_number(1, MAX_WORKERS),
        default=1,
        metavar="N",
        help="serve from N processes on the one port; needs --store redis:// (with the memory "
        "store each would keep rooms of its own) (default: 1)",
    )
    cli.add_argument(
        "--spec", metavar="PATH", help="the OpenAPI spec to serve (default: the bundled one)"
    )
    cli.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        help="server log level; debug logs every request with its status, time and "
        "violations (default: info)",
    )
    cli.add_argument(
        "--access-log", action="store_true", help="log every request (off by default: it is slow)"
    )
    cli.add_argument(
        "--journal-size",
        type=whole_number(0, MAX_JOURNAL_SIZE),
        default=DEFAULT_JOURNAL_SIZE,
        metavar="N",
        help="how many requests GET /_mock/requests and POST /_mock/verify remember (with "
        "--store redis://, every worker's); 0 turns the journal off "
        f"(default: {DEFAULT_JOURNAL_SIZE})",
    )
    cli.add_argument(
        "--faults",
        metavar="PATH",
        help='fault rules to load at start (a JSON file: {"rules": [...]}, as POST '
        "/_mock/faults takes them); a reset restores them; with --store redis:// the rules "
        "are every worker's, loaded once",
    )
    cli.add_argument(
        "--watch",
        action="store_true",
        help="reload the fixture files (and the --spec file) when they change; a bad "
        "file keeps the running state and logs why",
    )
    proxy = cli.add_argument_group(
        "proxy mode", "the mock in front of a real backend, judging its traffic against the spec"
    )
    proxy.add_argument(
        "--proxy",
        metavar="URL",
        help="forward every API request to the backend at URL (with its base path, e.g. "
        "https://staging.example.com/api/v1) and check request and answer against the contract",
    )
    proxy.add_argument(
        "--proxy-timeout",
        type=seconds(0.01, 3600),
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help="a backend answer must be whole this long after the request; else a 504 problem "
        f"(default: {DEFAULT_TIMEOUT_S:g})",
    )
    proxy.add_argument(
        "--proxy-max-bytes",
        type=whole_number(1, 2**31),
        default=DEFAULT_MAX_ANSWER_BYTES,
        metavar="N",
        help=f"a larger backend answer is a 502 problem (default: {DEFAULT_MAX_ANSWER_BYTES})",
    )
    proxy.add_argument(
        "--proxy-pool",
        type=whole_number(1, 10_000),
        default=DEFAULT_POOL,
        metavar="N",
        help=f"connections to the backend at once (default: {DEFAULT_POOL})",
    )
    proxy.add_argument(
        "--proxy-errors",
        action="store_true",
        help="answer a backend answer that breaks the contract with a 502 problem listing why, "
        "and refuse a request that breaks it with the mock's own 400 before the backend",
    )
    proxy.add_argument(
        "--fail-on-violations",
        action="store_true",
        help="exit with code 1 on stop when any contract violation was seen (for CI)",
    )
    proxy.add_argument(
        "--fallback",
        choices=("mock",),
        help="'mock': an operation the backend does not serve yet (404 for the route, 405, 501) "
        "is answered by the in-process mock",
    )
    proxy.add_argument(
        "--record",
        metavar="DIR",
        help="write the rooms of valid backend answers to DIR/recorded.json on stop (a fixture "
        "file for --fixtures)",
    )
    proxy.add_argument(
        "--allowed-host",
        action="append",
        metavar="NAME",
        help="a Host name requests may give besides localhost, 127.0.0.1, [::1] and --host "
        "(repeat for several); others get a 421 problem",
    )
    return cli


PROXY_ONLY = (
    "proxy_errors",
    "fail_on_violations",
    "fallback",
    "record",
    "allowed_host",
)


def seconds(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number of seconds from `low` to `high` (`0.5`, `10`)."""

    def convert(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f'"{text}" is not a number of seconds') from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not from {low:g} to {high:g}")
        return value

    return convert


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, or a one-line error."""

    def convert(text: str) -> int:
        digits = text.strip()
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 20):
            raise argparse.ArgumentTypeError(f'"{text}" is not a whole number')
        value = int(digits)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not from {low} to {high}")
        return value

    return convert


def store_url(text: str) -> str:
    """An argparse type: `memory`, or a Redis URL (checked when the mock connects)."""
    if text == MEMORY or is_shared(text):
        return text
    raise argparse.ArgumentTypeError(f'"{text}" is neither memory nor a redis:// URL')


def key_prefix(text: str) -> str:
    if not text or not text.isprintable() or len(text) > 100:
        raise argparse.ArgumentTypeError(f"{as_json(text)} is not 1 to 100 printable characters")
    return text


def proxy_settings(args: argparse.Namespace) -> ProxySettings | None:
    if args.proxy is None:
        given = [name for name in PROXY_ONLY if getattr(args, name) not in (None, False)]
        if given:
            raise ProxyError(f"--{given[0].replace('_', '-')} needs --proxy URL")
        return None
    return ProxySettings(
        url=args.proxy,
        timeout_s=args.proxy_timeout,
        max_answer_bytes=args.proxy_max_bytes,
        errors=args.proxy_errors,
        fallback=args.fallback == "mock",
        record_dir=record_folder(args.record) if args.record else None,
        pool=args.proxy_pool,
    )


def record_folder(text: str) -> Path:
    """`--record DIR`: a folder, or one to be made on stop; a file there is a ProxyError."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise ProxyError(f"--record {text}: not a folder")
    return path


def settings_from(args: argparse.Namespace) -> MockSettings:
    return MockSettings(
        spec_path=Path(args.spec) if args.spec else None,
        fixtures=None if args.fixtures.lower() == "none" else Path(args.fixtures),
        seed=args.seed,
        latency_ms=args.latency,
        cors_origins=tuple(args.cors_origin or ["*"]),
        strict=args.strict,
        max_rooms=args.max_rooms,
        max_body_bytes=args.max_body_bytes,
        journal_size=args.journal_size,
        faults_path=Path(args.faults) if args.faults else None,
        watch=args.watch,
        store=args.store,
        redis_prefix=args.redis_prefix,
        proxy=proxy_settings(args),
        allowed_hosts=tuple(args.allowed_host or ()),
    )


class Stopped(Exception):
    """SIGTERM, in proxy mode: the summary is still to print and the exit code to give."""


def _stopped(signum: int, frame: object) -> None:
    raise Stopped


def listen(host: str, port: int) -> socket.socket:
    """Bind the socket ourselves, so a busy port is a one-line error, not a log dump."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def uvicorn_config(server: MockServer, limits: ConnectionLimits, **options: Any) -> uvicorn.Config:
    """How uvicorn serves the mock, for `rooms-mock` and `testing.start_mock` alike;
    `options` (log_level, access_log, log_config) go to uvicorn.Config as they are."""
    import uvicorn

    return uvicorn.Config(
        server,
        **options,
        lifespan="on",
        # The cap and the timeouts live in the protocol (connections.py), not in
        # uvicorn's limit_concurrency, so a refusal is a problem+json 503.
        http=_protocol(server, limits),
        timeout_keep_alive=limits.keep_alive_s,
        # In-flight answers take milliseconds; a client still sending its body is cut off
        # after half a second, so SIGINT and SIGTERM stop the mock within a second.
        # uvicorn annotates this as an int, but waits for it with asyncio (a float is fine).
        timeout_graceful_shutdown=0.5,  # type: ignore[arg-type]
        # The mock trusts no proxy in front of it and never reads client addresses; the
        # proxy-header middleware would cost every request a lookup for nothing.
        proxy_headers=False,
        # A proxy passes the backend's Date and Server on; uvicorn would add its own beside.
        server_header=server.proxy is None,
        date_header=server.proxy is None,
    )


def _protocol(server: MockServer, limits: ConnectionLimits) -> type[LimitedHttpProtocol]:
    """The HTTP protocol: in proxy mode with the lane for the proxy's requests (lane.py;
    it stands aside for every request while uvicorn logs access, as with --access-log)."""
    protocol = limited_protocol(limits)
    if server.proxy is None:
        return protocol
    from .lane import lane_protocol

    return lane_protocol(protocol, server, server.settings.max_body_bytes)


def run_uvicorn(
    config: uvicorn.Config, sockets: list[socket.socket], started: Callable[[], None] = lambda: None
) -> None:
    """Serve until SIGINT or SIGTERM, calling `started` once uvicorn serves and holds both.

    Why not say "serving" first: between that line and uvicorn's handlers a Ctrl-C lands
    in asyncio's startup or an import's lock, which can swallow it (the mock then served on,
    deaf to the signal a test or a terminal had already sent).
    """
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and not self.should_exit:
                started()

    Server(config).run(sockets=sockets)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.workers > 1 and not is_shared(args.store):
        print(
            f"{PROG}: error: --workers {args.workers} needs --store redis://HOST:PORT/DB: with "
            "the memory store each worker would keep rooms of its own",
            file=sys.stderr,
        )
        return 2
    if args.workers > 1 and args.proxy is not None:
        print(
            f"{PROG}: error: --proxy runs in one process (its summary, --record and "
            "--fail-on-violations are that process's); leave out --workers",
            file=sys.stderr,
        )
        return 2
    try:
        server = MockServer(settings_from(args))
        if args.workers == 1:
            sockets = [listen(args.host, args.port)]
        else:
            sockets = reuse_port_sockets(args.host, args.port, args.workers)
    except (SpecError, FixtureError, FaultError, StoreError, ProxyError, OSError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    host, port = sockets[0].getsockname()[:2]
    if args.host not in ("0.0.0.0", "::", ""):
        server.allow_hosts([args.host if ":" not in args.host else f"[{args.host}]"])
    shown_host = f"[{host}]" if ":" in host else host
    base = f"http://{shown_host}:{port}{server.spec.base_path}"
    limits = ConnectionLimits(args.max_connections, args.keep_alive_timeout, args.request_timeout)
    config = uvicorn_config(server, limits, log_level=args.log_level, access_log=args.access_log)
    logging.basicConfig(level=args.log_level.upper(), format="rooms-mock: %(message)s")
    allow_open_files(limits)
    if server.proxy is not None:
        # httpx logs every URL it asks at INFO, httpcore every header at DEBUG (credentials
        # in clear): the proxy logs what matters itself, masked.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("httpcore").setLevel(logging.WARNING)
        # uvicorn raises a SIGTERM again once it has stopped; this handler then gets it.
        signal.signal(signal.SIGTERM, _stopped)
    proxying = f" in front of {server.proxy.backend}" if server.proxy is not None else ""
    try:
        # Inside the try: a Ctrl-C before uvicorn takes over the signals ends quietly too.
        where = "" if args.store == MEMORY else f" {server.store.describe()}"
        workers = f" in {args.workers} workers" if args.workers > 1 else ""
        line = (
            f"rooms-mock: serving the Rooms API at {base}{proxying} with "
            f"{server.started_with} room(s){where}{workers}; Swagger UI at {base}/ui/"
        )
        # What is built by now (the spec, its validators, the app, the fixtures) lives as
        # long as the process: out of the collector's sight, a full collection walks only
        # what came since (rooms, the journal), not the ~47,000 objects of the spec and
        # the libraries every time; and forked workers share those pages.
        gc.freeze()
        if args.workers > 1:

            def serve(sock: socket.socket, number: int) -> None:
                server.as_worker(number)
                run_uvicorn(config, [sock])

            return run_workers(sockets, serve, lambda: print(line, file=sys.stderr, flush=True))
        run_uvicorn(config, sockets, lambda: print(line, file=sys.stderr, flush=True))
    except (KeyboardInterrupt, Stopped):
        pass
    finally:
        for sock in sockets:
            sock.close()
    for line in server.finish():
        print(f"rooms-mock: {line}", file=sys.stderr, flush=True)
    seen = server.proxy.report.total_violations if server.proxy is not None else 0
    return 1 if args.fail_on_violations and seen else 0


if __name__ == "__main__":
    sys.exit(main())
