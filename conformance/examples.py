"""The examples the specs carry: the seed pages' own requests and responses.

They live in each ``openapi.yaml`` as OpenAPI media-type ``examples``, so the
same documents serve tools (schemathesis, Prism) and the kit's tests.

>>> sorted({(e.provider, e.operation) for e in iter_examples("pivot")})[0]
('pivot', 'capture')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .specs import PROVIDERS, load_spec

__all__ = ["Example", "iter_examples"]


@dataclass(frozen=True)
class Example:
    """One example body; ``status`` is ``None`` for a request or a delivery.

    A delivery (an OpenAPI ``webhooks`` example: a Midtrans notification, a Pivot
    callback) has ``webhook`` set; ``server_key`` is the made-up key its
    ``signature_key`` was computed with (``x-server-key``), when it has one.
    """

    provider: str
    operation: str
    label: str
    status: int | None
    body: Any
    webhook: bool = False
    server_key: str | None = None
    #: ``observed`` for an example of observed-only behaviour (``x-profile``).
    profile: str | None = None


def iter_examples(provider: str | None = None) -> Iterator[Example]:
    """Every example of *provider* (or of all providers): requests, answers, then deliveries."""
    for name in PROVIDERS if provider is None else (provider,):
        spec = load_spec(name)
        for item in spec.openapi.get("paths", {}).values():
            for raw in item.values():
                if not isinstance(raw, Mapping) or "operationId" not in raw:
                    continue
                op = raw["operationId"]
                for label, body in _examples(raw.get("requestBody")):
                    yield Example(name, op, f"request {label}", None, body)
                for code, resp in raw.get("responses", {}).items():
                    for label, body in _examples(resp):
                        yield Example(name, op, f"{code} {label}", int(code), body)
        for item in spec.openapi.get("webhooks", {}).values():
            post = item.get("post", {})
            media = (post.get("requestBody") or {}).get("content", {}).get("application/json", {})
            for label, example in media.get("examples", {}).items():
                if "value" in example:
                    yield Example(
                        name, post["operationId"], f"delivery {label}", None, example["value"],
                        webhook=True, server_key=example.get("x-server-key"),
                        profile=example.get("x-profile"),
                    )  # fmt: skip


def _examples(holder: Mapping[str, Any] | None) -> Iterator[tuple[str, Any]]:
    media = (holder or {}).get("content", {}).get("application/json", {})
    for label, example in media.get("examples", {}).items():
        if "value" in example:
            yield label, example["value"]
