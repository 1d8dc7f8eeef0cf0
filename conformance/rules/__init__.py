"""Named rules beside the schema-driven ones; importing this package registers them all."""

from . import common, midtrans, notifications, pivot  # noqa: F401  (registration side effect)
from ._base import Context, Expectations, Failure, Rule, all_rules, rule, rules_for
from ._known import known_rules

__all__ = [
    "Context",
    "Expectations",
    "Failure",
    "Rule",
    "all_rules",
    "known_rules",
    "rule",
    "rules_for",
]
