"""Every rule id the kit knows for a provider: schema ``x-rule`` annotations and named rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["known_rules"]


def known_rules(provider: str, profile: str) -> dict[str, bool]:
    """Every rule id of *provider*, mapped to whether it is checked in *profile*.

    The ids are the ``x-rule`` annotations of the provider's schemas and
    OpenAPI document, and the named rules registered in :mod:`conformance.rules`.
    """
    from .._schemas import for_profile
    from ..specs import load_spec
    from ._base import all_rules

    spec = load_spec(provider)
    documents: list[Any] = [dict(spec.schemas), spec.openapi]
    everywhere = set(_x_rules(documents))
    applying = set(_x_rules([for_profile(d, profile) for d in documents]))
    known = {rule_id: rule_id in applying for rule_id in everywhere}
    for named in all_rules():
        if named.provider == provider:
            applies = named.profile in ("documented", profile)
            known[named.id] = known.get(named.id, False) or applies
    return dict(sorted(known.items()))


def _x_rules(documents: Iterable[Any]) -> Iterable[str]:
    stack = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("x-rule"), str):
                yield node["x-rule"]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
