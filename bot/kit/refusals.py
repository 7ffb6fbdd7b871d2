"""One way a refusal becomes words, for every feature.

Storage refuses with exceptions: :class:`~storage.actors.AccessDenied` (this
actor may not), and each feature's ``*Refused(reason)`` (the rules say no:
"not in review", "too long"). A feature registers, once, the sentence for
each of its refusal types (:func:`words_for`); the press table and the door
turn any refusal into those words with :func:`say`, in the person's language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.i18n import N_, Translate
from bot.kit.screens import Stale
from storage.actors import AccessDenied

E = TypeVar("E", bound=Exception)
Words = Callable[[E, Translate], str]

STALE = N_("This button is no longer active.")
DENIED = N_("This is not available to you.")

_WORDS: dict[type[Exception], Callable[[Exception, Translate], str]] = {}


class NotPossible(Exception):
    """What was pressed cannot be done now (a step agreed twice, a proposal ticked): the
    button is right, the rules of the moment say no. It reads "This change is not possible."."""


def words_for(kind: type[E]) -> Callable[[Words[E]], Words[E]]:
    """Decorator: the sentence a person reads when storage refuses with ``kind``."""

    def register(words: Words[E]) -> Words[E]:
        if kind in _WORDS:
            raise ValueError(f"words for {kind.__name__} are already registered")
        _WORDS[kind] = words  # type: ignore[assignment]
        return words

    return register


@words_for(NotPossible)
def _not_possible(_error: NotPossible, _: Translate) -> str:
    return _("This change is not possible.")


def is_refusal(error: BaseException) -> bool:
    """Whether ``error`` is a refusal the person should read (not a bug to report)."""
    return isinstance(error, Stale | AccessDenied) or _find(type(error)) is not None


def say(error: BaseException, _: Translate, denied: str = DENIED) -> str:
    """The words for a refusal: registered ones, else the feature's ``denied`` sentence."""
    if isinstance(error, Stale):
        return _(STALE)
    words = _find(type(error))
    if words is not None and isinstance(error, Exception):
        return words(error, _)
    return _(denied)


def _find(kind: type[BaseException]) -> Callable[[Exception, Translate], str] | None:
    for base in kind.__mro__:
        if base in _WORDS:
            return _WORDS[base]
    return None
