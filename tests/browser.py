"""Headless Chromium (Debian's chromium + chromium-driver) for the browser test, the screenshot script and the
page-ready benchmark: a desktop window or a phone screen, and the checks a user's eye makes."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DESKTOP = (1400, 1000)
PHONE = (390, 844)  # a phone's CSS pixels; headless windows are at least 500 wide, so it is emulated

T = TypeVar("T")


def available() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def chromium(size: tuple[int, int] = DESKTOP, *, phone: bool = False):
    """A headless Chromium with its own throw-away profile (removed by `close`)."""
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--lang=zh-CN", f"--window-size={DESKTOP[0] if phone else size[0]},"
                                                  f"{DESKTOP[1] if phone else size[1]}"):
        options.add_argument(arg)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.profile_dir = profile
    if phone:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": size[0], "height": size[1], "deviceScaleFactor": 2, "mobile": True})
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    return driver


def close(driver) -> None:
    driver.quit()
    shutil.rmtree(getattr(driver, "profile_dir", ""), ignore_errors=True)


def wait(condition: Callable[[], T], timeout: float = 30, what: str = "") -> T:
    """The condition's first truthy value; lookups that fail while the page renders count as not yet."""
    from selenium.common.exceptions import WebDriverException  # noqa: PLC0415

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (WebDriverException, LookupError, StopIteration) as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what or condition}: {last!r}")


# English a Chinese page may show: the names of file formats it offers.
ALLOWED_LATIN = {"Markdown", "CSV", "PNG", "Excel", "XLSX"}

_VISIBLE_LABELS = """
const out = [];
document.querySelectorAll('[title], [aria-label], [placeholder]').forEach((e) => {
  if (!e.checkVisibility()) return;
  for (const a of ['title', 'aria-label', 'placeholder']) { const v = e.getAttribute(a); if (v) out.push(v); }
});
return out;"""


def english_words(driver) -> list[str]:
    """Latin words of three letters or more in the page's text and in its visible elements' tooltips, labels
    and placeholders (file format names aside)."""
    texts = [driver.execute_script("return document.body.innerText"), *driver.execute_script(_VISIBLE_LABELS)]
    return [w for t in texts for w in re.findall(r"[A-Za-z]{3,}", t) if w not in ALLOWED_LATIN]


def in_view(driver, element) -> bool:
    """The element's top part is on screen and inside every scrolled box around it."""
    return driver.execute_script("""
const el = arguments[0], r = el.getBoundingClientRect();
const top = r.top, bottom = Math.min(r.bottom, r.top + 60);
if (top < 0 || bottom > window.innerHeight) return false;
for (let p = el.parentElement; p; p = p.parentElement) {
  const s = getComputedStyle(p);
  if (!/(auto|scroll|hidden)/.test(s.overflowY)) continue;
  const b = p.getBoundingClientRect();
  if (top < b.top - 1 || bottom > b.bottom + 1) return false;
}
return true;""", element)
