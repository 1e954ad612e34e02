"""`rooms-contract replay FAILURE --base-url URL`: repeat a saved failure against any server and
say whether it still happens (exit 1) or not (exit 0); 2 when it cannot be tried (a bad file
or option, an unreachable target), with one line on stderr.

A failure a behaviour check found is repeated by running that check again on the example it
drew (its arguments are in the file): the same requests in the same order, each room the check
creates in place of the one it created then, judged by the same code. A failure Schemathesis
found is repeated step by step: the rooms the steps need are created first, every id a create
returned then is replaced in the later steps by the id it returns now, and the answer to the
step that broke the rule is judged again against the rules it broke (`judge.py`). Either way
the steps are printed as curl lines with the status each got then and now, and the rooms the
replay created are deleted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, NoReturn

PROG = "rooms-contract replay"
DROPPED = {
    "host",
    "content-length",
    "connection",
    "accept-encoding",
    "user-agent",
    "accept",
    "x-schemathesis-testcaseid",
}


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def parser() -> Parser:
    from .options import OPTIONS, path

    cli = Parser(
        prog=PROG,
        description="Repeat a failure rooms-contract saved against a server: exit 1 if it "
        "still happens, 0 if not, 2 if it cannot be tried.",
    )
    cli.add_argument("failure", type=path, metavar="FAILURE", help="a saved failure (.json)")
    kept = ("--base-url", "--header", "--spec", "--request-timeout")
    for option in (option for option in OPTIONS if option.flag in kept):
        flags = [option.short, option.flag] if option.short else [option.flag]
        cli.add_argument(*flags, required=option.required_by_command, **option.arguments())
    return cli


@dataclass
class Replayed:
    """What the replay sent, step by step, and the ids it mapped."""

    lines: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)

    def map(self, text: str) -> str:
        for old, new in self.ids.items():
            text = text.replace(old, new)
        return text


def main(argv: list[str] | None = None) -> int:
    from .failure import FailureFileError, load
    from .options import OptionError, target_from
    from .probe import TargetError, probe

    try:
        args = parser().parse_args(argv)
        document, violation = load(args.failure)
        values = {
            **vars(args),
            "seed": document.get("seed", 0),
            "max_examples": 1,
            "concurrency": 1,
            "report": (),
            "report_dir": None,
        }
        target = target_from(values, fail_fast=True)
        assert target is not None  # --base-url is required
        target = probe(target)
    except UsageError as problem:
        return _error(f"{problem} (see {PROG} --help)")
    except (FailureFileError, OptionError, TargetError) as problem:
        return _error(str(problem))
    rules = ", ".join(rule.id for rule in violation.rules)
    print(f"{PROG}: {args.failure}: [{rules}] against {target.base_url}")
    if violation.broken:
        print(f"  then: {violation.broken}")
    try:
        if violation.layer == "behaviour" and violation.arguments is not None:
            still, lines = _rerun(target, violation)
        else:
            still, lines = _steps(target, document, violation)
    except _NoAnswer as problem:
        return _error(str(problem))
    for line in lines:
        print(line)
    if still:
        print(f"{PROG}: the failure still happens")
        return 1
    print(f"{PROG}: the failure no longer happens")
    return 0


class _NoAnswer(Exception):
    """The target stopped answering during the replay."""


def _error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


# --- a behaviour check, run again on its example ---------------------------------------------


def _rerun(target: Any, violation: Any) -> tuple[bool, list[str]]:
    import importlib

    import httpx

    from .client import LEDGER, ApiClient
    from .failure import decode
    from .render import render
    from .target import configure
    from .violation import ContractViolation, Violation, find

    configure(target)
    module = importlib.import_module("contract_tests.suite.test_behaviour")
    name = violation.test.rpartition("::")[2]
    test = getattr(module, name, None)
    inner = getattr(getattr(test, "hypothesis", None), "inner_test", None)
    if inner is None:
        raise _NoAnswer(f"this suite has no behaviour check {name!r} to run again")
    check = getattr(inner, "__wrapped__", inner)
    client = ApiClient(target, LEDGER, shared=False)
    lines = [f"  running {name} again on the example it drew:"]
    found: Violation | None = None
    try:
        check(api=client, **decode(violation.arguments))
    except httpx.HTTPError as error:
        raise _NoAnswer(f"the target did not answer: {type(error).__name__}: {error}") from None
    except BaseException as error:
        raised = find(error, ContractViolation)
        if raised is None:
            raise
        found = raised.violation
    finally:
        client.close()
    recorded = list(violation.steps)
    ids = _created_pairs(recorded, client.history)
    lines += [f"  room {old} then is {new} now" for old, new in ids.items()]
    if found is None:
        return False, lines + list(_step_lines(recorded, client.history))
    if not set(found.rules) & set(violation.rules):
        lines.append("  it now breaks another rule instead:")
    lines += ["  " + line for line in render(found).splitlines()]
    return True, lines


def _created_pairs(recorded: list[Any], sent: list[Any]) -> dict[str, str]:
    """The ids the recorded creates returned, paired in order with those the replay's return."""
    from .journal import created_id

    then = [room for room in map(created_id, recorded) if room]
    now = [room for room in map(created_id, sent) if room]
    return dict(zip(then, now, strict=False))


def _step_lines(recorded: list[Any], sent: list[Any]) -> Iterator[str]:
    for index, step in enumerate(sent):
        then = recorded[index].status if index < len(recorded) else None
        was = f", then {then}" if then is not None else ""
        yield f"    {step.curl()}    # -> {step.status}{was}"


# --- a Schemathesis failure, step by step -----------------------------------------------------


def _steps(target: Any, document: dict[str, Any], violation: Any) -> tuple[bool, list[str]]:
    import httpx

    from .exchange import Exchange
    from .journal import created_id
    from .judge import JUDGES, Context, judge

    steps = [*violation.setup, *violation.steps]
    if not steps:
        raise _NoAnswer("the failure has no steps to repeat")
    culprit = len(violation.setup) + (
        violation.culprit if violation.culprit is not None else len(violation.steps) - 1
    )
    recorded_base = str(document.get("target", ""))
    replayed = Replayed()
    sent: list[Exchange] = []
    made: list[str] = []
    context = Context(target.spec, target.base_url)
    lines = [f"  repeating {len(steps)} step(s), the rooms they need created first:"]
    with httpx.Client(headers=target.headers, timeout=target.request_timeout) as http:
        try:
            for index, step in enumerate(steps[: culprit + 1]):
                exchange = _send(http, target, step, recorded_base, replayed)
                sent.append(exchange)
                marker = "  <- here" if index == culprit else ""
                lines.append(
                    f"    {exchange.curl()}    # -> {exchange.status}, then {step.status}{marker}"
                )
                then, now = created_id(step), created_id(exchange)
                if now is not None:
                    made.append(now)
                if then is not None and now is not None:
                    replayed.ids[then] = now
                    lines.append(f"  room {then} then is {now} now")
                elif then is not None:
                    lines.append(
                        f"  step {index + 1} created no room now: later ids stay as they were"
                    )
        except httpx.HTTPError as error:
            raise _NoAnswer(f"the target did not answer: {type(error).__name__}: {error}") from None
        finally:
            for room_id in made:
                with suppress(httpx.HTTPError):
                    http.delete(target.url(f"/rooms/{room_id}"))
    answer = sent[culprit]
    problems = []
    for rule in violation.rules:
        if rule not in JUDGES:
            problems.append(f"[{rule.id}] cannot be judged on one answer")
            continue
        problem = judge(context, rule, answer, sent[:culprit])
        if problem:
            problems.append(f"[{rule.id}] {problem}")
    lines.append("  response:")
    lines += ["    " + line for line in answer.response_text().splitlines()]
    lines += [f"  still broken: {problem}" for problem in problems]
    return bool(problems), lines


def _send(http: Any, target: Any, step: Any, recorded_base: str, replayed: Replayed) -> Any:
    import time

    from .exchange import Exchange, masked

    url = step.url
    if recorded_base and url.startswith(recorded_base):
        url = target.base_url + url[len(recorded_base) :]
    url = replayed.map(url)
    headers = {
        name: value
        for name, value in step.request_headers
        if name.lower() not in DROPPED
        and masked(name, value) == value  # credentials come from -H, not from the file
        and name.lower() not in {key.lower() for key in target.headers}
    }
    body = step.request_body
    if body is not None and replayed.ids:
        body = replayed.map(body.decode("utf-8", "surrogateescape")).encode(
            "utf-8", "surrogateescape"
        )
    started = time.time()
    response = http.request(step.method, url, content=body, headers=headers)
    return Exchange.of(response, {**target.headers, **headers}, body, started)


if __name__ == "__main__":
    sys.exit(main())
