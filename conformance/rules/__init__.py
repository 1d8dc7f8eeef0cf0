"""Named rules beside the schema-driven ones; importing this package registers them all."""

from ._base import Context, Failure, Rule, all_rules, rule, rules_for
from . import common, midtrans, pivot  # noqa: E402,F401  (registration side effect)

__all__ = ["Context", "Failure", "Rule", "all_rules", "rule", "rules_for"]
