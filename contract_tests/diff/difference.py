"""What a check finds between two specs, before the rule table judges it.

Checks only say which rule a difference falls under and what changed; the
level and the consequence for clients come from `rules.RULES`, in one place,
so a check cannot give a rule another level than the table does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Difference:
    rule: str  # an id from `rules.RULES`
    operation: str  # "GET /rooms/{id}", or the path for a path added or removed
    location: str  # "#/paths/~1rooms/get/...": where in the new spec (the old, if it went)
    what: str  # "query parameter `limit` was removed"
