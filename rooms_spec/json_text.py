"""Values shown in messages as JSON (`true`, `null`, `"text"`), the language of the bodies
and specs they come from, rather than as Python reprs (`True`, `None`, `'text'`)."""

from __future__ import annotations

import json
from typing import Any


def as_json(value: Any, limit: int = 60) -> str:
    """A value as JSON text, cut to `limit` characters, for a message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
