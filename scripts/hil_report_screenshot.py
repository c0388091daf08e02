#!/usr/bin/env python3
"""Photograph the HIL report (`make hil` writes hil-report/report.html) in Debian's Chromium,
for the documentation: `scripts/hil_report_screenshot.py [REPORT] [PNG]`."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.web_ui.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

REPORT = ROOT / "hil-report" / "report.html"
OUT = ROOT / "docs" / "hil-report.png"
VIEWPORT_WIDTH_PX = 1180
VIEWPORT_HEIGHT_PX = 900


def main(argv: list[str]) -> int:
    report = Path(argv[0]) if argv else REPORT
    out = Path(argv[1]) if len(argv) > 1 else OUT
    if not report.is_file():
        print(f"{report} is missing: run `make hil RIG=sim` first", file=sys.stderr)
        return 1
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(
                viewport={"width": VIEWPORT_WIDTH_PX, "height": VIEWPORT_HEIGHT_PX}
            )
            page.goto(report.resolve().as_uri())
            page.screenshot(path=str(out), full_page=True)
        finally:
            browser.close()
    # A page of text and flat plots loses nothing visible in 256 colours, and shrinks 5-fold.
    Image.open(out).convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE).save(
        out, optimize=True
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
