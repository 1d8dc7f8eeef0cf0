"""Quirks that bend a whole answer, not a field: its media type, or its JSON text.

They apply to a success answer of either simulator, after its body is built.

>>> bend("duplicate-key", {"status_code": "200"}).body
b'{"status_code":null,"status_code":"200"}'
>>> bend(None, {"status_code": "200"})
{'status_code': '200'}
"""

from __future__ import annotations

import json
from typing import TypeVar

from starlette.responses import Response

__all__ = ["ANSWER_QUIRKS", "bend"]

T = TypeVar("T")

#: Quirk name -> what it does to the answer (the quirk catalogue's description).
ANSWER_QUIRKS = {
    "content-type": "the JSON answer is served as text/html",
    "duplicate-key": "the answer repeats its first name",
}


def bend(quirk: str | None, answer: T) -> T | Response:
    """*answer* (a JSON body or a :class:`Response` holding one) as *quirk* bends it."""
    if quirk not in ANSWER_QUIRKS:
        return answer
    if isinstance(answer, Response):
        raw, status = bytes(answer.body), answer.status_code
    else:
        raw, status = json.dumps(answer, separators=(",", ":")).encode(), 200
    if quirk == "content-type":
        return Response(raw, status, media_type="text/html")
    text = raw.decode()
    first = next(iter(json.loads(text)))
    # The stale value comes first: the last one is what a parser keeps and judges.
    repeated = "{" + json.dumps(first) + ":null," + text[1:]
    return Response(repeated.encode(), status, media_type="application/json")
