"""A fast reading of vcrpy's YAML cassettes, for the cassettes it can read exactly.

vcrpy's loader (PyYAML, with libyaml when available) builds Python objects in
Python and takes about 0.2 ms per interaction; yaml-rs parses the same text
about 15 times faster. yaml-rs reads YAML 1.2 and ignores tags, where vcrpy's
loader reads YAML 1.1 and builds ``!!binary`` bytes, so :func:`fast_yaml` only
answers for text without tags whose string fields all came out as strings;
anything else is for vcrpy's loader (which also words the errors).

>>> fast_yaml("{version: 1, interactions: []}")
{'version': 1, 'interactions': []}
>>> fast_yaml("{body: !!binary AAEC, interactions: []}") is None
True
"""

from __future__ import annotations

from typing import Any

try:  # an accelerator: without it, every cassette goes through vcrpy's own loader
    import yaml_rs
except ImportError:  # pragma: no cover
    yaml_rs = None  # type: ignore[assignment]

__all__ = ["SCENARIO_KEY", "fast_yaml"]

#: The interaction key the kit tags with a scenario id; vcrpy ignores it.
SCENARIO_KEY = "scenario"


#: What may stand before a YAML tag (``!!binary``, ``!!python/...``) at the start of a node.
_BEFORE_TAG = frozenset(" \t\r\n[{,:-")


def _has_tag(text: str) -> bool:
    """Whether *text* may hold a YAML tag (a ``!`` starting a node); a literal scan is fastest."""
    at = text.find("!")
    while at != -1:
        if at == 0 or text[at - 1] in _BEFORE_TAG:
            return True
        at = text.find("!", at + 1)
    return False


def fast_yaml(text: str) -> Any:
    """The cassette parsed by yaml-rs, or ``None`` when vcrpy's loader must read it."""
    if yaml_rs is None or _has_tag(text):
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # yaml_rs.YAMLDecodeError and friends: vcrpy's loader says what
        return None
    return data if _plain(data) else None


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
