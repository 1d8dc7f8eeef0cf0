"""The chrome every HTML page of the kit shares: the style, escaping, the document head.

One source for both pages (the ``--report-html`` report and ``cassettes diff
--format html``): the same fonts, tables, colours and ``<pre>`` blocks, inline,
so a page needs no network and no external asset.

>>> e('<a href="x">')
'&lt;a href=&quot;x&quot;&gt;'
>>> head("t & u", "h1").startswith("<!DOCTYPE html>")
True
"""

from __future__ import annotations

from html import escape

__all__ = ["STYLE", "e", "head"]

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;
color:#1d1f21;background:#fff}
h1{font-size:1.4rem}h2{font-size:1.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0 1rem}
th,td{border:1px solid #d0d0d0;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}
.passed{color:#17692b}.failed{color:#b3141b;font-weight:600}.error{color:#8a5a00;font-weight:600}
.skipped{color:#777}.verdict{font-weight:600}
.finding{border-left:4px solid #b3141b;margin:.6rem 0;padding:.2rem .8rem;background:#fcf7f7}
.finding.warning{border-color:#c98a00;background:#fdfaf2}
.evidence th{width:7rem;background:#faf5f5;font-weight:500}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,monospace}
code{font:13px ui-monospace,monospace}.filters{margin:1rem 0;padding:.5rem;background:#f6f6f6}
.filters label{margin-right:1.5rem}[hidden]{display:none!important}
"""


def e(text: object) -> str:
    """*text* (any value, as ``str``) escaped for HTML text and quoted attributes."""
    return escape(str(text), quote=True)


def head(title: str, heading: str, *, style: str = "") -> str:
    """The page up to the end of its ``<h1>``: *title* is escaped, *heading* is HTML.

    *style* is more CSS, after the shared :data:`STYLE`.
    """
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{e(title)}</title>",
            f"<style>{STYLE}{style}</style></head><body>",
            f"<h1>{heading}</h1>",
        ]
    )
