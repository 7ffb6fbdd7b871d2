"""Debian's headless Chromium, driven by Selenium through the system chromedriver.

No download ever: the driver's path is given, so Selenium Manager stays idle.
``REQUIRE_BROWSER=1`` (set by ``scripts/test``) turns a missing browser into a
failure instead of a skip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def require_browser() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail("chromium and chromium-driver are not installed (apt-get install them)")
    pytest.skip("chromium is not installed (apt-get install chromium chromium-driver)")


def artefacts() -> Path:
    """Where screenshots are kept: ``DESK_ARTEFACTS``, else a folder in the temp dir."""
    folder = Path(
        os.environ.get("DESK_ARTEFACTS") or Path(tempfile.gettempdir()) / "desk-artefacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="desk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--lang=fr-FR",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
