"""Cassettes in vcrpy's own format, read and written through vcrpy's serializers.

A cassette is ``{"version": 1, "interactions": [{"request": {...}, "response": {...}}]}``,
exactly as vcrpy and pytest-recording write it. The kit adds one key per
interaction, ``scenario`` (the scenario id it was recorded for), ``delivery`` on
a notification or callback the provider POSTed to the kit's receiver (see
:mod:`._deliveries`), and one on the first interaction, ``capture-conformance``
(the provider, where and when it was recorded: :attr:`Cassette.metadata`);
vcrpy ignores them all on load. A top-level
``metadata`` mapping (what older kits wrote) is still read, but never written
for the kit's own key: pytest-recording cannot load a cassette that has one.

>>> import httpx
>>> item = Interaction.from_httpx(
...     httpx.Request("GET", "https://api.sandbox.midtrans.com/v2/t-1/status"),
...     httpx.Response(200, json={"status_code": "200"}), scenario="midtrans.status-read")
>>> again = loads(dumps(Cassette([item])), "mem.yaml").interactions[0]
>>> again.method, again.path, again.status, again.scenario, again.response_body()
('GET', '/v2/t-1/status', 200, 'midtrans.status-read', b'{"status_code":"200"}')
>>> meta = {"capture-conformance": {"provider": "midtrans"}}
>>> text = dumps(Cassette([item], metadata=meta))
>>> "metadata" in yaml.safe_load(text), loads(text).metadata == meta
(False, True)
"""

from __future__ import annotations

import copy
import functools
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx
import yaml
from vcr.filters import decode_response
from vcr.request import Request
from vcr.serialize import CASSETTE_FORMAT_VERSION
from vcr.serializers import compat, jsonserializer, yamlserializer

from .._files import write_atomic
from ..errors import InputError
from ._fast_yaml import (
    DELIVERY_KEY,
    METADATA_KEY,
    SCENARIO_KEY,
    bound_aliases,
    fast_yaml,
    may_alias,
)

__all__ = [
    "BodyError",
    "Cassette",
    "Interaction",
    "body_bytes",
    "dumps",
    "load_cassette",
    "loads",
    "save_cassette",
]

#: Tag of the calls the suite makes before its first case (credentials preflight).
PREFLIGHT = "preflight"


class BodyError(ValueError):
    """A body that cannot be decoded (a broken gzip stream, an unknown content-encoding)."""


class Interaction:
    """One recorded request and its answer, as vcrpy holds them.

    *request* is a :class:`vcr.request.Request` (or vcrpy's mapping of one, turned
    into a Request on first use of :attr:`request`); *response* is vcrpy's mapping
    ``{"status": {"code", "message"}, "headers": {name: [values]}, "body": {"string": bytes}}``.
    *delivery* marks a delivery: the request is the provider's POST to the receiver.
    """

    def __init__(
        self, request: Any, response: dict[str, Any], scenario: str | None = None,
        delivery: dict[str, Any] | None = None,
    ):  # fmt: skip
        self._request = None if isinstance(request, dict) else request
        self._raw: dict[str, Any] | None = request if isinstance(request, dict) else None
        self.response, self.scenario, self.delivery = response, scenario, delivery
        self._split: tuple[str, SplitResult] | None = None

    def __repr__(self) -> str:
        return f"Interaction({self.method} {self.uri} -> {self.status}, scenario={self.scenario!r})"

    @property
    def request(self) -> Any:
        """The :class:`vcr.request.Request` (what the scrubber edits and the writer writes)."""
        if self._request is None:
            self._request, self._raw = Request(**(self._raw or {})), None
        return self._request

    @classmethod
    def from_httpx(
        cls, request: httpx.Request, response: httpx.Response, *, scenario: str | None = None
    ) -> Interaction:
        """Capture an exchange; the response body is kept decoded (no content-encoding)."""
        headers: dict[str, list[str]] = {}
        for name, value in response.headers.multi_items():
            headers.setdefault(name, []).append(value)
        answer = {
            "status": {"code": response.status_code, "message": response.reason_phrase},
            "headers": headers,
            "body": {"string": response.content},
        }
        for name in [n for n in headers if n.lower() == "content-encoding"]:
            del headers[name]  # response.content is decoded already
        body = request.read() or None
        return cls(
            Request(request.method, str(request.url), body, request.headers), answer, scenario
        )

    # -- what the checks read (straight from vcrpy's mapping while there is no Request) ----
    def _field(self, name: str) -> Any:
        return self._raw.get(name) if self._raw is not None else getattr(self.request, name)

    @property
    def method(self) -> str:
        return str(self._field("method")).upper()

    @property
    def uri(self) -> str:
        return str(self._field("uri"))

    def _parts(self) -> SplitResult:
        uri = self.uri
        if self._split is None or self._split[0] != uri:
            self._split = (uri, urlsplit(uri))
        return self._split[1]

    @property
    def host(self) -> str:
        return (self._parts().hostname or "").rstrip(".").lower()

    @property
    def path(self) -> str:
        return self._parts().path

    @property
    def status(self) -> int:
        return int(self.response["status"]["code"])

    def request_headers(self) -> list[tuple[str, str]]:
        """Name and value of each request header (the first value, as vcrpy replays it)."""
        if self._raw is None:
            return [(str(n), str(v)) for n, v in self.request.headers.items()]
        headers = self._raw.get("headers") or {}
        return [(str(n), str(_list(v)[0]) if _list(v) else "") for n, v in headers.items()]

    def request_body(self) -> bytes:
        return body_bytes(self._field("body"))

    def response_body(self) -> bytes:
        """The response body, decompressed when a content-encoding says so."""
        return body_bytes(self.decoded_response()["body"]["string"])

    def decoded_response(self) -> dict[str, Any]:
        """vcrpy's response mapping with its body decompressed (``decode_response``)."""
        if not any(n.lower() == "content-encoding" for n in self.response.get("headers") or {}):
            return self.response
        try:
            decoded: dict[str, Any] = decode_response(self.response)
        except (zlib.error, OSError, EOFError, TypeError) as exc:
            why = f"the response body does not decode as its content-encoding: {exc}"
            raise BodyError(why) from None
        if any(n.lower() == "content-encoding" for n in decoded["headers"]):
            encoding = _header(decoded["headers"], "content-encoding")
            raise BodyError(f"the response body has an unknown content-encoding {encoding!r}")
        return decoded

    def to_httpx(self) -> tuple[httpx.Request, httpx.Response]:
        """The exchange as httpx objects (what the validator and the suite take)."""
        request = self.httpx_request()
        return request, self.httpx_response(request)

    def httpx_request(self) -> httpx.Request:
        """The recorded request as httpx builds it (headers and body as recorded)."""
        return httpx.Request(
            self.method, _url(self.uri), headers=self.request_headers(), content=self.request_body()
        )

    def httpx_response(self, request: httpx.Request) -> httpx.Response:
        """The recorded answer to *request*, body decoded (:class:`BodyError` if it cannot be)."""
        answer = self.decoded_response()
        headers = [(str(n), str(v)) for n, vs in answer["headers"].items() for v in _list(vs)]
        content = body_bytes(answer["body"]["string"])
        return httpx.Response(self.status, headers=headers, content=content, request=request)


@dataclass
class Cassette:
    """The interactions of one cassette file, in recorded order."""

    interactions: list[Interaction]
    path: str = "<memory>"
    #: ``{"capture-conformance": {...}}`` and any other tool's top-level vcrpy metadata.
    metadata: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self.interactions)

    def __len__(self) -> int:
        return len(self.interactions)


def load_cassette(path: str | Path) -> Cassette:
    """Read a vcrpy / pytest-recording cassette (YAML, or JSON for ``*.json``).

    Raises :class:`InputError` (one line) for an unreadable file, malformed YAML
    or JSON, or a document that is not a cassette.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"cassette {name!r} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"cassette {name!r} is a directory, not a file") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a text file; a cassette is YAML or JSON") from None
    except OSError as exc:
        raise InputError(f"cannot read cassette {name!r}: {exc.strerror}") from None
    return loads(text, name)


def loads(text: str, name: str = "<memory>") -> Cassette:
    """Parse cassette *text*; *name* (a path) picks the serializer and labels errors."""
    try:
        data = fast_yaml(text) if _serializer(name) is yamlserializer else None
        if data is None:
            data = _serializer(name).deserialize(text)
            if _serializer(name) is yamlserializer and may_alias(text):
                bound_aliases(data, text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{name}: malformed YAML{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{name}: malformed YAML: {exc}") from None
    except ValueError as exc:
        raise InputError(f"{name}: malformed JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        found = f"keys {sorted(map(str, data))}" if isinstance(data, dict) else type(data).__name__
        raise InputError(
            f"{name}: not a vcrpy cassette: expected a mapping with 'version: 1' and an "
            f"'interactions' list; found {found}"
        )
    return Cassette(
        [_interaction(raw, name, n) for n, raw in enumerate(data["interactions"])],
        name,
        _metadata(data),
    )


def _metadata(data: dict[str, Any]) -> dict[str, Any]:
    """vcrpy's top-level ``metadata`` (older kits), the kit's own key from the first
    interaction that carries it (this kit) taking precedence."""
    found = data.get("metadata")
    metadata = dict(found) if isinstance(found, dict) else {}
    for raw in data["interactions"]:
        ours = raw.get(METADATA_KEY) if isinstance(raw, dict) else None
        if isinstance(ours, dict):
            metadata[METADATA_KEY] = ours
            break
    return metadata


def dumps(cassette: Cassette, name: str = "<memory>.yaml") -> str:
    """The cassette as vcrpy writes it (its serializer and dict layout), plus scenario tags."""
    interactions = []
    for item in cassette.interactions:
        raw = {
            "request": compat.convert_to_unicode(item.request._to_dict()),
            "response": compat.convert_to_unicode(copy.deepcopy(item.response)),
        }
        if item.scenario is not None:
            raw[SCENARIO_KEY] = item.scenario
        if item.delivery is not None:
            raw[DELIVERY_KEY] = copy.deepcopy(item.delivery)
        interactions.append(raw)
    data: dict[str, Any] = {"version": CASSETTE_FORMAT_VERSION, "interactions": interactions}
    metadata = dict(cassette.metadata)
    ours = metadata.pop(METADATA_KEY, None)
    if ours and interactions:  # not top-level: pytest-recording cannot load that
        interactions[0][METADATA_KEY] = copy.deepcopy(ours)
    if metadata:  # another tool's vcrpy metadata, kept where it was
        data["metadata"] = metadata
    try:
        text: str = _serializer(name).serialize(data)
    except (TypeError, ValueError) as exc:  # vcrpy's JSON serializer and binary bodies
        raise InputError(f"cannot write {name}: {exc}; a .yaml cassette keeps any body") from None
    return text


def save_cassette(path: str | Path, text: str) -> None:
    """Write cassette *text* at once, creating folders (:func:`conformance._files.write_atomic`).

    :class:`InputError` when the file cannot be written; a cassette that was
    there is then left byte for byte.
    """
    write_atomic(path, text, what="cassette")


@functools.lru_cache(maxsize=1024)
def _url(uri: str) -> httpx.URL:
    # httpx checks every character of a URL it parses (~30 us); cassettes repeat
    # the same few URLs (tokens, captures) again and again. URLs are immutable.
    return httpx.URL(uri)


def _serializer(name: str) -> Any:
    return jsonserializer if name.lower().endswith(".json") else yamlserializer


def _interaction(raw: Any, name: str, index: int) -> Interaction:
    where = f"{name}: interaction {index}"
    if not isinstance(raw, dict):
        raise InputError(f"{where} is {type(raw).__name__}, not a mapping")
    request, response = raw.get("request"), raw.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict):
        raise InputError(f"{where} needs a 'request' and a 'response' mapping")
    if not isinstance(request.get("method"), str) or not isinstance(request.get("uri"), str):
        raise InputError(f"{where}: the request needs a method and a uri")
    if "status_code" in response:  # vcrpy's pre-8 httpx layout, as its httpx stub reads it
        response = {
            "status": {"code": response["status_code"], "message": ""},
            "headers": response.get("headers") or {},
            "body": {"string": response.get("content")},
        }
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        raise InputError(f"{where}: the response needs a status code, e.g. status: {{code: 200}}")
    headers = request.get("headers") or {}
    if not isinstance(headers, dict) or not isinstance(response.get("headers") or {}, dict):
        raise InputError(f"{where}: headers must be a mapping of name to values")
    body = response.get("body")
    response = {
        **response,
        "headers": dict(response.get("headers") or {}),
        "body": {"string": body.get("string") if isinstance(body, dict) else body},
    }
    scenario, delivery = raw.get(SCENARIO_KEY), raw.get(DELIVERY_KEY)
    return Interaction(
        {k: request.get(k) for k in ("method", "uri", "body")} | {"headers": headers},
        compat.convert_to_bytes(response),
        scenario if isinstance(scenario, str) else None,
        delivery if isinstance(delivery, dict) else None,
    )


def body_bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if hasattr(value, "read"):  # vcrpy keeps file-like request bodies as BytesIO
        return body_bytes(value.read())
    if isinstance(value, Sequence):  # ... and iterator bodies as lists of chunks
        return b"".join(body_bytes(part) for part in value)
    return str(value).encode("utf-8")


def _list(values: Any) -> list[Any]:
    return list(values) if isinstance(values, list | tuple) else [values]


def _header(headers: dict[str, Any], name: str) -> str:
    for key, values in headers.items():
        if key.lower() == name:
            return ", ".join(map(str, _list(values)))
    return ""
