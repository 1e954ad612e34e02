"""The server under test and how to test it: built once per run from the options
(`options.target_from`), then set for the session (`configure`) before pytest imports the suite's
modules, which build their schemas and Hypothesis settings from it at import.

An xdist worker gets it from the controller as data (`as_data`), already checked and probed.
Only the standard library at import: the plugin imports this in every pytest session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rooms_spec import Spec


@dataclass(frozen=True)
class Target:
    """Where the server is, the spec it must keep, and the run's budget."""

    base_url: str
    spec: Spec = field(compare=False, repr=False)
    headers: dict[str, str]
    max_examples: int
    seed: int
    request_timeout: float
    fail_fast: bool
    concurrency: int = 1
    """How many checks run at once (`pool.py`)."""
    reports: tuple[str, ...] = ()
    """The report formats asked for: any of html, junit, har, ndjson."""
    report_dir: str = ""
    """Where reports and saved failures go (an absolute path)."""
    race_clients: int = 4
    """How many clients race at once in the concurrency layer (0: the layer is off)."""
    race_seconds: float = 2.0
    """How long they race."""
    exclusive: bool = False
    """The user says the target is the suite's alone during the run (`test_exclusive.py`)."""

    def url(self, path: str) -> str:
        return self.base_url + path

    def as_data(self) -> dict[str, Any]:
        """What an xdist worker needs to rebuild it (execnet carries plain data only)."""
        return {
            "base_url": self.base_url,
            "spec": str(self.spec.path),
            "headers": dict(self.headers),
            "max_examples": self.max_examples,
            "seed": self.seed,
            "request_timeout": self.request_timeout,
            "fail_fast": self.fail_fast,
            "concurrency": self.concurrency,
            "reports": list(self.reports),
            "report_dir": self.report_dir,
            "race_clients": self.race_clients,
            "race_seconds": self.race_seconds,
            "exclusive": self.exclusive,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Target:
        """The controller's target; its spec was validated there, so it is only read here."""
        from rooms_spec import load_spec

        spec = load_spec(Path(data["spec"]), validate=False)
        return cls(**{**data, "spec": spec, "reports": tuple(data["reports"])})


_current: Target | None = None


def configure(target: Target | None) -> None:
    global _current
    _current = target


def configured() -> Target | None:
    """The session's target, or None when the session does not run the suite."""
    return _current


def current() -> Target:
    """The session's target; only the suite's modules ask, and only when one was given."""
    if _current is None:
        raise RuntimeError("no target: run the suite with --base-url URL")
    return _current
