"""Who holds an outbox claim: so a restarted bot takes back its own claims at once.

A row the dispatcher had claimed when the process died stays ``claimed``
until its lease (2 minutes) runs out; only then may a dispatcher take it
again, because a claim whose holder may still be alive must never be stolen
(two live holders would both send). But a restarted bot *knows* that its own
previous run is gone, so it need not wait: every claim records its claimer,
and at start-up the dispatcher gives back, at once, the rows of claimers
that are provably dead.

A claimer is ``instance|pid|process-token``:

- ``instance`` is the machine (``BOT_INSTANCE``, by default the host name):
  a process id means something only on its own machine, so nothing is ever
  decided about another instance's claims; those wait out their lease.
- ``pid`` is the process that claimed. On our own machine a pid that no
  longer runs is a dead claimer. Our *own* pid with another process token is
  a dead claimer too: a process id is held by one process at a time, so it
  was a previous process that had it (a container restarted as pid 1).
- the process token is drawn once per process, and tells this process's own
  claims (another dispatcher in it, as in tests) from a dead one's.

So two bot processes running at once (PostgreSQL behind a webhook, or two on
one SQLite file) never take each other's live claims: on one machine each
sees the other's pid alive; on two machines each leaves the other's alone. A
pid reused by an unrelated program looks alive, and those rows simply wait
for their lease, as before. Two processes that share a host name *and* a
process-id namespace while not seeing each other's processes do not exist
on one machine; containers that share the host's name (host networking)
must each be given their own ``BOT_INSTANCE``.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SEPARATOR = "|"
INSTANCE_MAX = 100
# Drawn once per process: this process's own claims, whatever dispatcher made them.
PROCESS_TOKEN = secrets.token_hex(8)


@dataclass(frozen=True)
class Claimer:
    instance: str
    pid: int
    token: str

    @property
    def label(self) -> str:
        return SEPARATOR.join((self.instance, str(self.pid), self.token))

    @property
    def instance_prefix(self) -> str:
        """What every claimer of the same instance starts with."""
        return self.instance + SEPARATOR

    @classmethod
    def parse(cls, label: str) -> Claimer | None:
        instance, _, rest = label.rpartition(SEPARATOR)
        instance, _, pid = instance.rpartition(SEPARATOR)
        if not instance or not pid.isdigit() or not rest:
            return None
        return cls(instance, int(pid), rest)


def this_process(instance: str | None = None) -> Claimer:
    """This process as a claimer, under ``instance`` (the host name if not given)."""
    name = (instance or socket.gethostname() or "bilan-bot").replace(SEPARATOR, "_")
    return Claimer(name[:INSTANCE_MAX], os.getpid(), PROCESS_TOKEN)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 sends nothing)."""
    if pid <= 0:
        return True  # not a process id we can judge: leave its claims to their lease
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def previous_runs(
    me: Claimer, labels: Iterable[str], alive: Callable[[int], bool] = pid_alive
) -> list[str]:
    """Of these claimers, those of our instance that are surely gone (see the module doc)."""
    gone = []
    for label in labels:
        other = Claimer.parse(label)
        if other is None or other.instance != me.instance or other.token == me.token:
            continue
        if other.pid == me.pid or not alive(other.pid):
            gone.append(label)
    return gone
