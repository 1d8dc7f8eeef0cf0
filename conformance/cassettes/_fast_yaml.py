"""A fast reading of vcrpy's YAML cassettes, for the cassettes it can read exactly.

vcrpy's loader (PyYAML, with libyaml when available) builds Python objects in
Python and takes about 0.2 ms per interaction; yaml-rs parses the same text
about 15 times faster. yaml-rs reads YAML 1.2 and ignores tags, where vcrpy's
loader reads YAML 1.1 and builds ``!!binary`` bytes, so :func:`fast_yaml` only
answers for text without tags whose string fields all came out as strings;
anything else is for vcrpy's loader (which also words the errors).

Aliases (``*name``, repeating an ``&name`` anchor) can make a few kilobytes of
text stand for gigabytes (an alias bomb). yaml-rs copies each alias, so text
with an anchor is left to vcrpy's loader, which shares the node instead; then
:func:`expanded_size` measures the document as the kit will walk it, alias by
alias, without expanding anything, so that a caller can refuse it.

>>> fast_yaml("{version: 1, interactions: []}")
{'version': 1, 'interactions': []}
>>> fast_yaml("{body: !!binary AAEC, interactions: []}") is None
True
>>> fast_yaml("{a: &x [1, 2], b: *x, interactions: []}") is None
True
>>> expanded_size([["lol"] * 10] * 10, limit=1000)  # 10 x (1 + 10 x (1 + 3)), and the outer list
411
>>> expanded_size([["lol"] * 10] * 10, limit=100) is None
True
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError

try:  # an accelerator: without it, every cassette goes through vcrpy's own loader
    import yaml_rs
except ImportError:  # pragma: no cover
    yaml_rs = None  # type: ignore[assignment]

__all__ = [
    "DELIVERY_KEY",
    "METADATA_KEY",
    "SCENARIO_KEY",
    "RecursiveAlias",
    "bound_aliases",
    "expanded_size",
    "fast_yaml",
    "may_alias",
]

#: The interaction key the kit tags with a scenario id; vcrpy ignores it.
SCENARIO_KEY = "scenario"
#: The interaction key that marks a delivery (a notification or callback the provider
#: POSTed to the kit's receiver) and says how its signature was kept; vcrpy ignores it.
DELIVERY_KEY = "delivery"
#: What the kit knows of a cassette (provider, where and when it was recorded), kept
#: under this key on the cassette's first interaction, which vcrpy ignores too. (Older
#: kits wrote it in vcrpy's top-level ``metadata`` mapping, which pytest-recording cannot
#: load; that is still read.)
METADATA_KEY = "capture-conformance"


#: What aliases may add to a cassette, as nodes plus characters (vcrpy's writer uses
#: them for an object it meets twice; a legitimate cassette needs little of this).
_ALIAS_ALLOWANCE = 16 * 2**20

#: What may stand before a YAML tag (``!!binary``) or anchor (``&id001``) at the start of a node.
_BEFORE_NODE = frozenset(" \t\r\n[{,:-")


def _starts_a_node(text: str, char: str) -> bool:
    """Whether *char* may start a node of *text* (a tag, an anchor); a literal scan is fastest."""
    at = text.find(char)
    while at != -1:
        if at == 0 or text[at - 1] in _BEFORE_NODE:
            return True
        at = text.find(char, at + 1)
    return False


def may_alias(text: str) -> bool:
    """Whether *text* may hold a YAML alias: only a node with an ``&`` anchor can be repeated."""
    return _starts_a_node(text, "&")


def fast_yaml(text: str) -> Any:
    """The cassette parsed by yaml-rs, or ``None`` when vcrpy's loader must read it."""
    if yaml_rs is None or _starts_a_node(text, "!") or may_alias(text):
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # yaml_rs.YAMLDecodeError and friends: vcrpy's loader says what
        return None
    return data if _plain(data) else None


class RecursiveAlias(ValueError):
    """A document that contains itself through an alias (``&a [*a]``)."""


def expanded_size(data: Any, *, limit: int) -> int | None:
    """The size of *data* read as a tree, each alias counted again in full; ``None`` past *limit*.

    A node counts 1, a string or bytes also its length. Each distinct list or
    mapping is measured once (by identity), so the time taken follows the text,
    not its expansion. :class:`RecursiveAlias` for a document that contains itself.
    """
    sizes: dict[int, int] = {}  # by id(); -1 while the node's own children are measured
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:  # depth first, without recursion: a document may nest deeply
        node, measured = stack.pop()
        if not isinstance(node, dict | list | tuple):
            continue
        key = id(node)
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else list(node)
        if measured:
            total = 1 + sum(_size(child, sizes) for child in children)
            if total > limit:
                return None
            sizes[key] = total
            continue
        if key in sizes:
            continue
        sizes[key] = -1
        stack.append((node, True))
        for child in children:
            if isinstance(child, dict | list | tuple):
                if sizes.get(id(child)) == -1:
                    raise RecursiveAlias("a node contains itself through an alias")
                stack.append((child, False))
    return _size(data, sizes)


def _size(node: Any, sizes: dict[int, int]) -> int:
    if isinstance(node, dict | list | tuple):
        return sizes[id(node)]
    if isinstance(node, str | bytes):
        return 1 + len(node)
    return 1


def _plain(data: Any) -> bool:
    """Whether every field the kit reads has the type vcrpy's loader would give it."""
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        return False
    for raw in data["interactions"]:
        request = raw.get("request") if isinstance(raw, dict) else None
        response = raw.get("response") if isinstance(raw, dict) else None
        if not isinstance(request, dict) or not isinstance(response, dict):
            return False
        status, body = response.get("status"), response.get("body")
        strings = [
            request.get("method"),
            request.get("uri"),
            request.get("body") or "",
            raw.get(SCENARIO_KEY) or "",
            status.get("message") or "" if isinstance(status, dict) else None,
            body.get("string") or "" if isinstance(body, dict) else None,
        ]
        for headers in (request.get("headers") or {}, response.get("headers") or {}):
            if not isinstance(headers, dict):
                return False
            for values in headers.values():
                strings += values if isinstance(values, list) else [values]
        if not all(isinstance(value, str) for value in strings):
            return False
    return True


def bound_aliases(data: Any, text: str, name: str) -> None:
    """Refuse a document whose aliases make it much larger than its text (an alias bomb).

    Without aliases a document is about as large as its text; a cassette whose
    aliases add more than :data:`_ALIAS_ALLOWANCE` is refused before anything
    walks it, so that no check, diff or replay expands it in memory.
    """
    limit = 2 * len(text) + _ALIAS_ALLOWANCE
    try:
        size = expanded_size(data, limit=limit)
    except RecursiveAlias:
        raise InputError(f"{name}: a YAML alias repeats a node that contains it") from None
    if size is None:
        raise InputError(
            f"{name}: its YAML aliases (*name) make {len(text)} characters of text stand for "
            f"more than {limit:,} nodes and characters; refusing to read it (an alias bomb?)"
        )
