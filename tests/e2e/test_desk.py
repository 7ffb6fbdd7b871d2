"""The counsellor's desk in real headless Chromium, against the real bot process.

Paul answers his dossier through the bot; Claire opens her desk the way
Telegram opens a Mini App (signed init data in the URL fragment), finds Paul
by name, reads the answer he typed, schedules a session from the page, and
Paul receives the notice in the chat; she moves his phase to the conclusion
(he is told), writes a "to write" passage of his synthesis in the page, and
the new version reaches him when she shows it. A forged signature gets nowhere.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from tests.e2e.answering import TYPED_TEXT, answer, is_question_or_end, is_recap
from tests.e2e.browser import artefacts, chromium, require_browser
from tests.e2e.conftest import COUNSELLOR_ID, TOKEN, assert_clean_log, start_polling
from tests.e2e.harness import BotEnvironment, BotProcess, wait_until
from tests.e2e.people import onboard
from tests.fakebotapi import FakeBotApi, FakeUser

# Telegram's dark theme parameters, as its apps pass them.
WRITTEN = "Paul veut reprendre un atelier d'ébénisterie : nous en avons parlé le 3 décembre."
THEME = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signed_init_data(telegram_id: int, token: str = TOKEN) -> str:
    """Init data as Telegram signs it (https://core.telegram.org/bots/webapps)."""
    import hashlib
    import hmac
    from urllib.parse import urlencode

    user = json.dumps({"id": telegram_id, "first_name": "Claire", "language_code": "fr"})
    fields = {"user": user, "auth_date": str(int(datetime.now(UTC).timestamp())), "query_id": "q1"}
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields, quote_via=quote)


def mini_app_url(base: str, init_data: str) -> str:
    """What Telegram opens: the page, with the init data and the theme in the fragment."""
    return f"{base}/#tgWebAppData={quote(init_data)}&tgWebAppThemeParams={quote(json.dumps(THEME))}"


def answers_dossier(paul: FakeUser) -> None:
    paul.send_command("menu")
    menu = paul.wait_for_reply()
    paul.press(menu.button("dossier auto-bilan").data or "", menu.message_id)
    paul.wait_for_reply(lambda m: "Commencer" in str(m.reply_markup))
    paul.press_button("Commencer")
    question = paul.wait_for_reply(is_question_or_end)
    for _step in range(200):
        if is_recap(question):
            break
        question = answer(paul, question)
    recap = paul.wait_for_reply(lambda m: "Envoyer" in str(m.reply_markup))
    paul.press(next(d for d in recap.callback_data if d.endswith(":s")), recap.message_id)
    paul.wait_for_reply(lambda m: "C'est envoyé" in m.content)


def draft_in_chat(api: FakeBotApi, bid: int) -> None:
    """The counsellor's card, "📝 Synthesis", "Generate a draft": version 1 and its files."""
    claire = api.user(COUNSELLOR_ID, "Claire")
    claire.send_command("beneficiaires")
    listing = claire.wait_for_reply(lambda m: f"c:{bid}" in m.callback_data)
    claire.press(f"c:{bid}", listing.message_id)
    card = claire.wait_for_reply(lambda m: "Questionnaires" in m.content)
    claire.press(card.button("📝 Synthèse").data or "", card.message_id)
    screen = claire.wait_for_reply(lambda m: "Pas encore de brouillon" in m.content)
    claire.press(screen.button("Générer un brouillon").data or "", screen.message_id)
    claire.wait_for_reply(lambda m: "Version 1 (brouillon généré" in m.content, timeout=60)


def desk_up(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/", timeout=5) as page:
            return bool(page.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def test_the_desk_in_chromium(api: FakeBotApi, environment: BotEnvironment) -> None:
    require_browser()
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # A click that loads a new page leaves the old page's elements stale for a moment:
    # waiting goes on through that, as through an element not there yet.
    between_pages = (NoSuchElementException, StaleElementReferenceException)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment.extra.update({"DESK_PORT": str(port), "DESK_HOST": "127.0.0.1"})
    bot = BotProcess(environment).start()
    try:
        start_polling(api, bot)
        paul = onboard(api, "Paul Durand", 5001)
        onboard(api, "Léa Moreau", 5002)
        answers_dossier(paul)
        wait_until(lambda: desk_up(base), timeout=30)
        shots = artefacts()

        with chromium() as browser:
            wait = WebDriverWait(browser, 30, ignored_exceptions=between_pages)
            browser.get(mini_app_url(base, signed_init_data(COUNSELLOR_ID)))
            wait.until(lambda b: b.current_url.endswith("/caseload"))
            assert "#tgWebAppData" not in browser.current_url
            rows = browser.find_elements(By.CSS_SELECTOR, "tr.person")
            names = [r.get_attribute("data-name") for r in rows]
            assert sorted(names) == ["Léa Moreau", "Paul Durand"]
            # Paul sent his dossier and Claire has not read it: he waits on her, first.
            assert names[0] == "Paul Durand"
            assert "questionnaire à lire" in rows[0].text
            # The theme Telegram passed is applied (dark background).
            background = browser.execute_script(
                "return getComputedStyle(document.body).backgroundColor"
            )
            assert background == "rgb(23, 33, 43)"
            browser.save_screenshot(str(shots / "caseload.png"))

            browser.find_element(By.ID, "search").send_keys("lea")
            wait.until(
                lambda b: (
                    not b.find_element(
                        By.CSS_SELECTOR, "tr[data-name='Paul Durand']"
                    ).is_displayed()
                )
            )
            assert browser.find_element(
                By.CSS_SELECTOR, "tr[data-name='Léa Moreau']"
            ).is_displayed()
            search = browser.find_element(By.ID, "search")
            search.clear()
            search.send_keys("paul")
            wait.until(lambda b: b.find_element(By.LINK_TEXT, "Paul Durand").is_displayed())
            browser.find_element(By.LINK_TEXT, "Paul Durand").click()

            wait.until(lambda b: b.find_elements(By.ID, "person-name"))
            assert browser.find_element(By.ID, "person-name").text == "Paul Durand"
            answers = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "dd.answer")]
            assert TYPED_TEXT in answers
            browser.save_screenshot(str(shots / "person.png"))

            zone = ZoneInfo("Europe/Paris")
            when = (datetime.now(zone) + timedelta(days=3)).replace(hour=14, minute=30)
            form = browser.find_element(By.ID, "schedule-form")
            for name, value in (("day", when.date().isoformat()), ("time", "14:30")):
                field = form.find_element(By.NAME, name)
                browser.execute_script("arguments[0].value = arguments[1]", field, value)
            form.find_element(By.NAME, "place").send_keys("12 rue des Lilas, Lyon")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait.until(lambda b: b.find_elements(By.ID, "notice"))
            assert "Séance programmée" in browser.find_element(By.ID, "notice").text

            notice = paul.wait_for_reply(lambda m: "Nouvelle séance avec" in m.content, timeout=30)
            assert "14 h 30" in notice.content or "14:30" in notice.content

            # After reading, Paul no longer waits on Claire.
            person_url = browser.current_url.split("?")[0]
            bid = int(person_url.rstrip("/").rsplit("/", 1)[1])
            browser.get(f"{base}/caseload")
            first = browser.find_elements(By.CSS_SELECTOR, "tr.person")[0]
            assert "à lire" not in first.text

            # The phase moves from the page, twice; Paul is told each time in the chat.
            for phase in ("investigation", "conclusion"):
                browser.get(person_url)
                browser.find_element(By.CSS_SELECTOR, f"#phase-form button[value={phase}]").click()
                wait.until(lambda b: b.find_elements(By.ID, "notice"))
                paul.wait_for_reply(
                    lambda m, p=phase: "fait évoluer votre bilan" in m.content and p in m.content,
                    timeout=30,
                )

            # Claire generates the draft in the chat, writes a passage in the page; the new
            # version reaches Paul when she shows it to him.
            draft_in_chat(api, bid)
            browser.get(f"{base}/people/{bid}/synthesis")
            passage = browser.find_element(By.CSS_SELECTOR, "#synthesis-form textarea")
            passage.send_keys(WRITTEN)
            browser.find_element(By.CSS_SELECTOR, "#synthesis-form button[type=submit]").click()
            wait.until(lambda b: b.find_elements(By.ID, "notice"))
            assert "Version 2" in browser.page_source and WRITTEN in browser.page_source
            browser.save_screenshot(str(shots / "synthesis.png"))
            browser.find_element(By.CSS_SELECTOR, "aside.comments button[type=submit]").click()
            wait.until(lambda b: "Montrée à la personne" in b.find_element(By.ID, "notice").text)
            review = paul.wait_for_reply(
                lambda m: m.document is not None and "version 2" in m.content, timeout=60
            )
            assert review.document is not None and review.document.startswith(b"%PDF")

        with chromium(390, 844) as phone:
            WebDriverWait(phone, 30)
            phone.get(mini_app_url(base, signed_init_data(COUNSELLOR_ID, token="1:forged")))
            WebDriverWait(phone, 30, ignored_exceptions=between_pages).until(
                lambda b: b.find_element(By.ID, "signin-refused").is_displayed()
            )
            assert phone.current_url.rstrip("/").endswith(str(port))
            phone.get(f"{base}/caseload")
            assert "Paul" not in phone.page_source
            # Signed in for real, the caseload fits a phone: one card per person.
            phone.get(mini_app_url(base, signed_init_data(COUNSELLOR_ID)))
            WebDriverWait(phone, 30).until(lambda b: b.current_url.endswith("/caseload"))
            width = phone.execute_script("return document.documentElement.scrollWidth")
            assert width <= phone.execute_script("return window.innerWidth")
            phone.save_screenshot(str(shots / "caseload-phone.png"))
    finally:
        bot.stop()
    assert_clean_log(bot.log())
