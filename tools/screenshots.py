"""Screenshots of every page in both languages, on a desktop, a projector and a phone.

    .venv/bin/python tools/screenshots.py [--db data/burden.duckdb] [--out screenshots]

Starts a fresh server on a free loopback port and saves PNGs to look at.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from burden import settings  # noqa: E402
from burden.web import frame  # noqa: E402
from tests.browser_util import launch_chromium, streamlit_server, wait_for_app  # noqa: E402

PAGES = {url: "/" if index == 0 else f"/{url}" for index, (_, url, _, _) in enumerate(frame.PAGES)}
VIEWS = {
    "province": "",
    "zhuji": "&region=330681&from=2023-01&to=2024-03",
}
# name -> (width, height, extra query)
SCREENS = {"desktop": (1440, 2400, ""), "meeting": (1920, 1080, "&mode=meeting"), "phone": (390, 4200, "")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(settings.db_path()))
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--pages", nargs="*", default=list(PAGES), help="url paths, e.g. overview regions")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with streamlit_server(Path(args.db), out / "server.log") as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        for page_name in args.pages:
            path = PAGES[page_name]
            for view_name, query in VIEWS.items():
                for lang in ("zh", "en"):
                    for screen, (width, height, extra) in SCREENS.items():
                        page = browser.new_page(viewport={"width": width, "height": height})
                        page.goto(f"{base}{path}?lang={lang}{query}{extra}")
                        wait_for_app(page)
                        page.wait_for_timeout(1500)  # let plotly finish drawing
                        name = out / f"{page_name}-{view_name}-{lang}-{screen}.png"
                        page.screenshot(path=str(name))
                        print(name)
                        page.close()
        browser.close()


if __name__ == "__main__":
    main()
