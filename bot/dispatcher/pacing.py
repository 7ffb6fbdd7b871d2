"""The dispatcher's pace: Telegram's limits overall and per chat, and its flood pauses."""

from __future__ import annotations

import asyncio
from collections import deque

from bot.dispatcher.config import DispatcherConfig

# A send that took longer than this was probably held back on its way out.
HELD_SEND = 1.0


class Pacing:
    """Waits for a send's turn; the state lives on the dispatcher (set in its ``__init__``)."""

    config: DispatcherConfig
    _pace_lock: asyncio.Lock
    _send_starts: deque[float]
    _outstanding: dict[int, float]
    _paused_until: float
    _chat_last: dict[int, float]

    async def _await_chat_turn(self, chat_id: int) -> None:
        """Called holding the chat's lock: wait until its last send is ``per_chat_interval`` old."""
        last = self._chat_last.get(chat_id)
        if last is not None:
            wait = last + self.config.per_chat_interval - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)
        if len(self._chat_last) > 10_000:
            horizon = asyncio.get_running_loop().time() - self.config.per_chat_interval
            self._chat_last = {c: t for c, t in self._chat_last.items() if t > horizon}

    async def _await_send_turn(self) -> None:
        """Wait for this send's turn in the overall pace, and for any flood pause.

        Two rules, on the moments sends really start, one send at a time: no
        more than ``overall_rate`` starts in any sliding second (the way
        Telegram counts), and at least ``1 / (overall_rate + 0.5)`` seconds
        between two starts, so they are spread over the second rather than
        sent in a burst. Anchoring the window on real start times means a late timer
        or a stall neither lowers the rate for good nor causes a catch-up
        burst afterwards.
        """
        loop = asyncio.get_running_loop()
        per_second = max(1, int(self.config.overall_rate))
        spacing = 1.0 / (self.config.overall_rate + 0.5)
        async with self._pace_lock:
            starts = self._send_starts
            while True:
                now = loop.time()
                while starts and starts[0] <= now - 1.0:
                    starts.popleft()
                ready = self._paused_until
                if starts:
                    ready = max(ready, starts[-1] + spacing)
                if len(starts) >= per_second:
                    ready = max(ready, starts[0] + 1.0)
                if self._outstanding and now - min(self._outstanding.values()) > HELD_SEND:
                    # Something holds sends back: adding more would only make
                    # the burst bigger when it lets them go.
                    ready = max(ready, now + 0.1)
                if now >= ready:
                    break
                await asyncio.sleep(ready - now)
            starts.append(now)

    def _count_burst(self, since: float, at: float) -> None:
        """Sends granted since ``since`` were held back and left together at ``at``.

        After a 429, PTB's rate limiter holds every request, then lets them
        all go at once. Counted at their grant times they would leave
        Telegram's window before they really entered it, and the pace would
        overflow it again right after the burst: count them when they left.
        """
        starts = self._send_starts
        held = 0
        while starts and starts[-1] >= since:
            starts.pop()
            held += 1
        starts.extend([at] * held)

    def _pause_sends(self, seconds: float) -> None:
        now = asyncio.get_running_loop().time()
        self._paused_until = max(self._paused_until, now + seconds)
