"""``bilan-bot sandbox`` driven in a real terminal (pexpect): chat, then leave cleanly."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect

BIN = str(Path(sys.executable).with_name("bilan-bot"))


def spawn(*args: str) -> pexpect.spawn:
    child = pexpect.spawn(BIN, ["sandbox", *args], encoding="utf-8", timeout=40)
    child.expect("/quit pour sortir")
    return child


def test_beneficiary_consents_and_starts_the_dossier() -> None:
    child = spawn()
    child.expect("Acceptez-vous")
    child.expect("> ")
    child.sendline("1")
    child.expect("consentement est enregistré")
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
