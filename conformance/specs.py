"""Load the contracts in ``specs/``: OpenAPI documents, JSON Schemas, sources.

The specs ship inside the wheel as ``conformance/specs`` and are read through
:mod:`importlib.resources`. In a source checkout they are the ``specs/``
folder beside the package. Either can be replaced by a folder of your own:
pass ``specs_dir=`` or set ``CAPTURE_CONFORMANCE_SPECS``.

>>> spec = load_spec("midtrans")
>>> spec.operation("capture").method, spec.operation("capture").path
('POST', '/v2/capture')
>>> spec.match("POST", "/v2/payments/e03c2066-9e5b-454c-add6-c7c85b0b9d6b/capture") is None
True
>>> spec.webhook("notification").request_schema.rsplit("/", 1)[-1]
'notification.json'
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml

from ._constants import PROFILES, PROVIDERS
from .errors import SpecError, UsageError
from .violations import Source

__all__ = [
    "BASE_URI",
    "DOC_URLS",
    "ENV_VAR",
    "PROFILES",
    "PROVIDERS",
    "Operation",
    "Parameter",
    "Spec",
    "load_spec",
    "specs_root",
]

ENV_VAR = "CAPTURE_CONFORMANCE_SPECS"
#: Schemas are registered under this never-resolvable base, so no reference
#: can ever be fetched over the network.
BASE_URI = "https://capture-conformance.invalid/specs/"
_METHODS = ("get", "post", "put", "patch", "delete")


def check_choice(kind: str, value: str, choices: tuple[str, ...]) -> str:
    """Return *value* if it is one of *choices*, else raise :class:`UsageError`."""
    if value not in choices:
        raise UsageError(f"unknown {kind} {value!r}; choose one of: {', '.join(choices)}")
    return value


def specs_root(specs_dir: str | os.PathLike[str] | None = None) -> Traversable:
    """The folder holding ``midtrans/`` and ``pivot/``.

    Precedence: the *specs_dir* argument, then ``$CAPTURE_CONFORMANCE_SPECS``,
    then the copy inside the installed package, then ``specs/`` of a checkout.
    """
    chosen = specs_dir if specs_dir is not None else os.environ.get(ENV_VAR)
    if chosen:
        root = Path(chosen)
        if not root.is_dir():
            raise SpecError(f"specs directory {str(root)!r} does not exist")
        return root
    packaged = files("conformance").joinpath("specs")
    if packaged.is_dir():
        return packaged
    # Editable installs and checkouts: the wheel's force-include is not applied.
    return Path(__file__).resolve().parent.parent / "specs"


#: libyaml's loader when PyYAML was built with it (about 10x faster), else the pure one.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML safely, with libyaml when available."""
    return yaml.load(text, Loader=_YAML_LOADER)


@dataclass(frozen=True)
class Parameter:
    """A path, query or header parameter of an operation; *schema* is a schema URI."""

    name: str
    location: str
    required: bool
    schema: str


@dataclass(frozen=True)
class Operation:
    """One operation of an OpenAPI document, named by its ``operationId``."""

    name: str
    method: str
    path: str
    request_schema: str | None
    responses: Mapping[str, str]
    parameters: tuple[Parameter, ...]
    pattern: re.Pattern[str] = field(repr=False, compare=False)

    def response_schema(self, status: int) -> str | None:
        """The schema URI for *status*: the exact code, then ``4XX``-style, then ``default``."""
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in self.responses:
                return self.responses[key]
        return None


@dataclass(frozen=True)
class Spec:
    """Everything ``specs/<provider>/`` holds, parsed."""

    provider: str
    root: Traversable
    openapi: Mapping[str, Any]
    schemas: Mapping[str, Any]
    sources: Mapping[str, Source]
    operations: Mapping[str, Operation]
    #: The OpenAPI ``webhooks``: what the provider POSTs to the merchant, by ``operationId``.
    #: Their ``path`` is the webhook's key in the document (the URL is the merchant's).
    webhooks: Mapping[str, Operation] = field(default_factory=dict)

    def operation(self, name: str) -> Operation:
        """The operation called *name*; :class:`UsageError` lists the valid names."""
        found = self.operations.get(name)
        if found is None:
            check_choice(f"{self.provider} operation", name, tuple(self.operations))
        return self.operations[name]

    def webhook(self, name: str) -> Operation:
        """The webhook (a delivery to the merchant) whose ``operationId`` is *name*."""
        found = self.webhooks.get(name)
        if found is None:
            check_choice(f"{self.provider} webhook", name, tuple(self.webhooks))
        return self.webhooks[name]

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation serving *method* and *path*, with its path parameters."""
        for op in self.operations.values():
            found = op.pattern.fullmatch(path)
            if found and op.method == method.upper():
                return op, found.groupdict()
        return None

    def source(self, source_id: str | None) -> Source | None:
        return None if source_id is None else self.sources.get(source_id)

    def catalogue(self, name: str) -> list[dict[str, Any]]:
        """The entries (``const``, ``description``, ``x-*``) of catalogue ``$defs/<name>``."""
        defs = self.schemas[self.schema_uri("catalogue.json")].get("$defs", {})
        if name not in defs:
            raise SpecError(f"{self.provider} catalogue has no {name!r}; it has {sorted(defs)}")
        return list(defs[name]["oneOf"])

    def catalogue_values(self, name: str) -> list[Any]:
        return [entry["const"] for entry in self.catalogue(name)]

    def schema_uri(self, name: str) -> str:
        return f"{BASE_URI}{self.provider}/schemas/{name}"


_MIDTRANS_CAPTURE = "https://docs.midtrans.com/reference/capture-transaction-card"
_PIVOT_DOCS = "https://pivot-payment.gitbook.io/pivot-docs/api-references"
_PIVOT_SESSION = f"{_PIVOT_DOCS}/api-lists/payments/payment-session/create-payment-session"
_MIDTRANS_NOTIFICATION = "https://docs.midtrans.com/docs/https-notification-webhooks"
_PIVOT_CALLBACK = f"{_PIVOT_DOCS}/api-lists/payments/payment-callback"
_PIVOT_AUTH = f"{_PIVOT_DOCS}/api-information/authentication"
#: The public documentation page each source reference comes from, by the start of its
#: ``ref`` (the seed pages, and the sections of provider-facts.md that name their pages).
#: The one place this mapping lives: sources.json entries keep their ``ref`` as written.
DOC_URLS: tuple[tuple[str, str], ...] = (
    ("seeds/000_54fc17d24e4c3c83.txt", f"{_PIVOT_DOCS}/api-lists/payments/capture"),
    ("seeds/001_f7368d281d2f7060.txt", _MIDTRANS_CAPTURE),
    ("provider-facts.md#midtrans-core-api", _MIDTRANS_CAPTURE),
    ("provider-facts.md#midtrans-http-notification", _MIDTRANS_NOTIFICATION),
    ("provider-facts.md#pivot-hosts-and-authentication", _PIVOT_AUTH),
    ("provider-facts.md#pivot-errors", f"{_PIVOT_DOCS}/api-information/response"),
    ("provider-facts.md#pivot-payment-session-lifecycle", _PIVOT_SESSION),
    ("provider-facts.md#pivot-payment-callback", _PIVOT_CALLBACK),
    ("provider-facts.md#pivot-request", f"{_PIVOT_DOCS}/api-lists/payments/capture"),
    ("provider-facts.md#pivot-success", f"{_PIVOT_DOCS}/api-lists/payments/capture"),
    ("provider-facts.md#pivot", f"{_PIVOT_DOCS}/api-lists/payments/capture"),
    ("RFC 8259", "https://www.rfc-editor.org/rfc/rfc8259#section-4"),
)  # fmt: skip


def doc_url(ref: str) -> str:
    """The public documentation URL of a source *ref*, or ``""`` when none is known.

    >>> doc_url("provider-facts.md#pivot-errors-documented-envelope")
    'https://pivot-payment.gitbook.io/pivot-docs/api-references/api-information/response'
    >>> doc_url("somewhere else")
    ''
    """
    return next((url for prefix, url in DOC_URLS if ref.startswith(prefix)), "")


@functools.cache
def load_spec(provider: str, specs_dir: str | None = None) -> Spec:
    """Parse ``specs/<provider>`` once; later calls return the same object."""
    check_choice("provider", provider, PROVIDERS)
    root = specs_root(specs_dir)
    folder = root.joinpath(provider)
    try:
        openapi = load_yaml(folder.joinpath("openapi.yaml").read_text(encoding="utf-8"))
        raw_sources = json.loads(folder.joinpath("sources.json").read_text(encoding="utf-8"))
        schemas: dict[str, Any] = {}
        for name, entry in _schema_files(folder):
            schemas[f"{BASE_URI}{provider}/schemas/{name}"] = json.loads(
                entry.read_text(encoding="utf-8")
            )
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read specs for {provider} in {str(folder)!r}: {exc}") from exc
    sources = {
        key: Source(
            id=key, kind=val["kind"], ref=val["ref"], quote=val["quote"], url=doc_url(val["ref"])
        )
        for key, val in raw_sources.items()
    }
    doc_uri = f"{BASE_URI}{provider}/openapi.yaml"
    operations = _operations(openapi, doc_uri, "paths", schemas)
    webhooks = _operations(openapi, doc_uri, "webhooks", schemas)
    return Spec(provider, root, openapi, schemas, sources, operations, webhooks)


def _operations(
    openapi: Mapping[str, Any], doc_uri: str, section: str, schemas: dict[str, Any]
) -> dict[str, Operation]:
    """The operations of one OpenAPI *section* (``paths`` or ``webhooks``), by name."""
    found: dict[str, Operation] = {}
    for path, item in openapi.get(section, {}).items():
        shared = item.get("parameters", [])
        for method in _METHODS:
            if method in item:
                op = _operation(openapi, doc_uri, path, method, item[method], shared, schemas)
                found[op.name] = op
    return found


def _schema_files(folder: Traversable) -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(folder.joinpath("schemas").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            yield entry.name, entry


def _operation(
    openapi: Mapping[str, Any],
    doc_uri: str,
    path: str,
    method: str,
    raw: Mapping[str, Any],
    shared: list[Any],
    schemas: dict[str, Any],
) -> Operation:
    name = raw.get("operationId") or f"{method} {path}"

    def register(schema: Mapping[str, Any], label: str) -> str:
        ref = schema.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#") and len(schema) == 1:
            return urljoin(doc_uri, ref)
        # An inline schema (or one in components) becomes a resource of its own,
        # beside openapi.yaml so that its relative references still resolve.
        uri = urljoin(doc_uri, f"{name}.{label}.json")
        schemas[uri] = _deref(openapi, schema)
        return uri

    def schema_of(holder: Mapping[str, Any] | None, label: str) -> str | None:
        holder = _deref(openapi, holder or {})
        content = holder.get("content", {}).get("application/json")
        if not content or "schema" not in content:
            return None
        return register(content["schema"], label)

    responses = {
        str(code): uri
        for code, resp in raw.get("responses", {}).items()
        if (uri := schema_of(resp, str(code))) is not None
    }
    parameters = []
    for raw_param in [*shared, *raw.get("parameters", [])]:
        param = _deref(openapi, raw_param)
        location = param["in"]
        parameters.append(
            Parameter(
                name=param["name"],
                location=location,
                required=bool(param.get("required", location == "path")),
                schema=register(param.get("schema", {}), f"{location}.{param['name']}"),
            )
        )
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return Operation(
        name=name,
        method=method.upper(),
        path=path,
        request_schema=schema_of(raw.get("requestBody"), "request"),
        responses=responses,
        parameters=tuple(parameters),
        pattern=re.compile(regex),
    )


def _deref(openapi: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local ``#/components/...`` references inside the OpenAPI document."""
    seen = 0
    while isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and seen < 32:
        target: Any = openapi
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node
