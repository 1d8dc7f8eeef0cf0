"""(being written) scenarios cases."""

from __future__ import annotations

from typing import Any


def cases(provider: str, options: Any) -> list[Any]:
    return []
