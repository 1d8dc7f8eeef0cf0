"""PNG screenshots of both HTML pages, as headless Chromium renders them, for a person to look at.

Run: ``python benchmarks/screenshots.py [--out FOLDER] [--width N] [--height N]``
(default folder: ``capture-conformance-screenshots`` in the temporary folder). It
writes:

- ``report.html`` / ``report.png``: the ``--report-html`` page of a run of the
  scenarios against the Midtrans simulator with a quirk (exit 1);
- ``diff.html`` / ``diff.png``: the ``cassettes diff --format html`` page of the
  committed Midtrans recording against a tampered copy (an undocumented status,
  new fields, an HTML 502 answer, secrets planted in it).

The pages and the browser invocation are those of ``tests/test_html_browser.py``,
which checks what these pictures show. Without Chromium it says how to install
it and exits 0 (nothing to look at is not an error of the kit).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _browser_tests() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "test_html_browser", ROOT / "tests" / "test_html_browser.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    default = Path(tempfile.gettempdir()) / "capture-conformance-screenshots"
    parser.add_argument("--out", type=Path, default=default, help=f"the folder ({default})")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000, help="the window (not full page)")
    args = parser.parse_args()
    pages = _browser_tests()
    binary = pages.find_chromium()
    if binary is None:
        print(f"skipped: {pages.SKIP_REASON}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    report, _ = pages.failing_report_page(args.out)
    diff = pages.tampered_diff_page(args.out)  # beside tampered.yaml, the NEW recording
    for page in (report, diff):
        png = page.with_suffix(".png")
        pages.screenshot(binary, page, png, width=args.width, height=args.height)
        print(f"{png} ({png.stat().st_size // 1024} KiB) of {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
