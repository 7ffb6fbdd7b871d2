"""France Travail's ROME 4.0, as a compact extract shipped with the package.

Source : France Travail, ROME 4.0 (version 60, 2025), Licence Ouverte 2.0. The extract
`rome_extract.json.gz` is built by `scripts/build_rome_extract.py`; its `attribution`
must be shown wherever ROME content is.

    rome = load_rome()                     # read once, then cached
    rome.search_appellations("infirmiere")
    rome.skills("J1506"); rome.mobilities("J1506"); rome.pistes("SEA")
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import resources

from dialogues.rome.model import Appellation, Rome, Sheet, Skill, WorkContext
from dialogues.rome.pistes import DomainPistes, PistesPage, ScoredSheet

EXTRACT_NAME = "rome_extract.json.gz"
SUPPORTED_FORMAT = 1


@cache
def load_rome() -> Rome:
    """Load the shipped extract (about a tenth of a second), once per process."""
    raw = resources.files(__package__).joinpath(EXTRACT_NAME).read_bytes()
    data = json.loads(gzip.decompress(raw))
    if data.get("format") != SUPPORTED_FORMAT:
        raise ValueError("unsupported ROME extract format; rebuild it with the script")
    return Rome(data)


__all__ = [
    "Appellation",
    "DomainPistes",
    "PistesPage",
    "Rome",
    "ScoredSheet",
    "Sheet",
    "Skill",
    "WorkContext",
    "load_rome",
]
