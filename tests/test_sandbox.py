"""``bilan-bot sandbox`` driven in a real terminal (pexpect): chat, then leave cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect

from bot.sandbox import plain

BIN = str(Path(sys.executable).with_name("bilan-bot"))


def spawn(*args: str) -> pexpect.spawn:
    child = pexpect.spawn(BIN, ["sandbox", *args], encoding="utf-8", timeout=40)
    child.expect("/quit pour sortir")
    return child


def consent(child: pexpect.spawn) -> None:
    """As the invited beneficiary: accept, and see it recorded."""
    child.expect("Acceptez-vous")
    child.expect("> ")
    child.sendline("1")
    child.expect("consentement est enregistré")


def test_beneficiary_consents_and_starts_the_dossier() -> None:
    child = spawn()
    consent(child)
    child.expect(r"\[1\] 📋 Mon dossier auto-bilan")
    child.expect("> ")
    child.sendline("1")
    child.expect(r"\[1\] Commencer")
    child.expect("> ")
    child.sendline("1")
    child.expect("Partie 1 sur 12")
    child.expect("> ")
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_counsellor_invites_and_ctrl_c_leaves_nothing_behind() -> None:
    child = spawn("--as", "counsellor")
    child.expect("> ")
    child.sendline("/invite Paul Durand")
    child.expect(r"t\.me/bilan_sandbox_bot\?start=")
    child.expect("> ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    leftovers = pexpect.run("pgrep -f 'bot.cli run'", encoding="utf-8")
    assert "bot.cli run" not in leftovers


def test_a_note_full_of_markup_characters_shows_as_typed() -> None:
    child = spawn()
    try:
        consent(child)
        child.expect("> ")
        child.sendline("/journal")
        child.expect(r"\[1\] ✍️ Nouvelle note")
        child.expect("> ")
        child.sendline("1")
        child.expect("Écrivez votre note")
        child.expect("> ")
        child.sendline("Note <b>& 1 < 2 &amp;")
        child.expect("Enregistrée dans votre journal")
        child.expect_exact("Note <b>& 1 < 2 &amp;")
        child.expect("> ")
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_an_export_shows_its_files_without_another_line_typed() -> None:
    """The PDF takes seconds to lay out: the chat waits for it while the bot says
    it is sending a file, and shows both files before the next prompt."""
    child = spawn()
    try:
        consent(child)
        child.expect("> ")
        child.sendline("/mesdonnees")
        child.expect(r"\[2\] 📦 Une copie de mes données")
        child.expect("> ")
        child.sendline("2")
        child.expect(r"\[document mes-donnees-\d{4}-\d{2}-\d{2}\.pdf, \d+ octets\]", timeout=60)
        child.expect(r"\[document mes-donnees-\d{4}-\d{2}-\d{2}\.json, \d+ octets\]")
        child.expect(r"\[1\] ⬅️ Retour")
        child.expect("> ")
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_bold_comes_from_the_entities_in_utf16_units() -> None:
    text = "🎒 Sac : <b> reste"
    entities = [
        {"type": "bold", "offset": 0, "length": 8},
        {"type": "italic", "offset": 9, "length": 3},
    ]
    assert plain(text, entities, colour=False) == text
    assert plain(text, entities, colour=True) == "\033[1m🎒 Sac :\033[0m <b> reste"
