"""The document de synthèse in Telegram: drafted, edited, reviewed, delivered, kept or not.

The counsellor, from the card in the conclusion phase, generates a draft from
the stored material, sends back an edited DOCX/ODT, shows a version to the
person, reads their comments and delivers the agreed version as final. The
person reads the version to review, comments on it or agrees to it, then
receives the final document and is asked, on its own, whether the
organisation may keep a copy for a year.

``presses`` (the ``sy:`` table and its grammar), ``counsellor`` (the
counsellor's presses), ``screens`` (what the counsellor reads), ``review``
(the person's presses and their synthesis), ``typed`` (the comment and the
edited file the flow waits for), ``building`` (the files, built in a
thread), ``delivery`` (the final document and the answer on keeping it),
``notices`` (what the outbox sends), ``words`` (why storage says no),
``commands`` (``/synthese``). The files themselves: ``material`` (what a
draft is made of, read as the counsellor), ``word_file`` and ``pdf_file``
(the draft written), ``edited_file`` (an edited DOCX/ODT read back),
``files`` (the four in one place), ``record`` (the PDF of the person's
answer on keeping a copy).

Every id in callback data is re-checked by ``storage.synthesis``; every
message that is not a direct reply goes through the outbox, rendered from the
database when it is sent (a version replaced in the meantime is not sent).
"""

from __future__ import annotations

from bot.features.synthesis import counsellor as counsellor  # registers the counsellor's presses
from bot.features.synthesis import notices as notices  # registers the outbox kinds
from bot.features.synthesis import review as review  # registers the person's presses
from bot.features.synthesis import words as words  # registers the refusal words
from bot.features.synthesis.commands import COMMANDS
from bot.features.synthesis.presses import PRESSES
from bot.features.synthesis.typed import TEXT_FLOWS, stray_file_text
from bot.kit.feature import Feature

FEATURE = Feature(
    name="synthesis",
    commands=COMMANDS,
    presses=(PRESSES,),
    flows=TEXT_FLOWS,
    stray_file=stray_file_text,
)
