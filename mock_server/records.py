"""The journal and the fault rules as the controls reach them: one process's, or shared.

    memory store        LocalJournal, LocalRules: this process's Journal and Faults
    --store redis://    SharedJournal (shared_journal.py), SharedFaults (shared_faults.py):
                        every worker's, on Redis, under the store's prefix

The controls (`/_mock/requests`, `/_mock/verify`, `/_mock/faults`, `/_mock/reset`) see
only these interfaces, whose calls are coroutines (the shared ones answer over the
network; the local ones never suspend), and format what they get with the same code.
"""

from __future__ import annotations

from typing import Any, Protocol

from .faults import Faults, Rule
from .journal import Entry, Filters, Journal


class JournalRecords(Protocol):
    """The requests the API answered, as the controls read and clear them."""

    size: int

    @property
    def enabled(self) -> bool: ...

    @property
    def last_id(self) -> int:
        """The newest id known here (for the page's feed, which must not wait on a store)."""

    async def read(self, filters: Filters) -> tuple[list[Entry], int]:
        """The entries the filters admit, oldest first, and the newest id."""

    async def clear(self) -> int:
        """Forget every entry (ids go on counting); how many there were."""


class RuleRecords(Protocol):
    """The fault rules, as the controls list, add and remove them."""

    async def listing(self) -> dict[str, Any]: ...

    async def add(self, documents: list[dict[str, Any]]) -> list[Rule]:
        """Append valid rules, all or none; ValueError says why none."""

    async def remove(self, rule_id: str) -> bool: ...

    async def clear(self) -> int: ...

    async def reset(self) -> None:
        """Back to the rules given at start, with fresh counters."""


class LocalJournal:
    """This process's journal behind the interface."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.size = journal.size

    @property
    def enabled(self) -> bool:
        return self.journal.enabled

    @property
    def last_id(self) -> int:
        return self.journal.last_id

    async def read(self, filters: Filters) -> tuple[list[Entry], int]:
        return self.journal.select(filters), self.journal.last_id

    async def clear(self) -> int:
        return self.journal.clear()


class LocalRules:
    """This process's fault rules behind the interface."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults

    async def listing(self) -> dict[str, Any]:
        return self.faults.listing()

    async def add(self, documents: list[dict[str, Any]]) -> list[Rule]:
        added: list[Rule] = []
        try:
            for document in documents:
                added.append(self.faults.add(document))
        except ValueError:
            for rule in added:
                self.faults.remove(rule.id)
            raise
        return added

    async def remove(self, rule_id: str) -> bool:
        return self.faults.remove(rule_id)

    async def clear(self) -> int:
        return self.faults.clear()

    async def reset(self) -> None:
        self.faults.reset()
