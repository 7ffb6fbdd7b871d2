"""The Telegram side of the bilan companion: handlers, dispatcher, command line.

python-telegram-bot 22 gives durations such as ``RetryAfter.retry_after`` as
whole seconds, warns (``PTBDeprecationWarning``, at every flood-control answer)
that its next major release gives them as ``datetime.timedelta``, and offers
the new form now behind ``PTB_TIMEDELTA``. The bot reads the new form (see
``bot.dispatcher``), so it turns it on before python-telegram-bot is used: the
next release changes nothing for the dispatcher, and the warning is gone.
"""

import os

os.environ["PTB_TIMEDELTA"] = "true"
