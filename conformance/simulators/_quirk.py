"""What a quirk is: one deliberate non-conformance a simulator can switch on."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KINDS", "Quirk"]

#: ``response``: the simulator's answers deviate; ``delivery``: what it POSTs to the merchant.
KINDS = ("response", "delivery")


@dataclass(frozen=True)
class Quirk:
    provider: str
    name: str
    description: str
    detected_by: str
    kind: str = "response"
