"""The words qualscore writes, one catalogue per language.

Each language is a module here (``zh.py``, ``en.py``) holding plain dictionaries
of messages: ``WORDS`` (the reports' and explanations' words and sentences),
``STATS`` (what a statistic is called) and ``WORKING`` (the words of a worked
sum or spread). A message is a ``str.format`` string: ``say("zh", "lost_points",
lost="2")`` is ``失 2 分``. Adding a language means adding a module with the same
keys and the same fields (``tests/test_catalogue.py`` holds every catalogue to
that) and naming it in :data:`LANGUAGES`. Code outside this package never chooses
words by language itself; it names a message and lets the catalogue speak.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from qualscore.catalogue import en, zh

__all__ = ["LANGUAGES", "catalogue", "say", "stat_word", "words", "working_words"]

LANGUAGES: dict[str, ModuleType] = {"zh": zh, "en": en}
"""The catalogues by language code; a rule set's ``language`` is one of these."""

_FALLBACK = "en"


def catalogue(language: str) -> ModuleType:
    """The catalogue of ``language`` (English when there is none)."""
    return LANGUAGES.get(language, LANGUAGES[_FALLBACK])


def words(language: str) -> dict[str, str]:
    """The reports' words for ``language``: message key -> text."""
    return catalogue(language).WORDS  # type: ignore[no-any-return]


def working_words(language: str) -> dict[str, str]:
    """The words of a worked sum, spread or count in ``language``."""
    return catalogue(language).WORKING  # type: ignore[no-any-return]


def stat_word(language: str, stat: str) -> str:
    """What the statistic ``stat`` (``mean``, ``cv`` ...) is called in ``language``."""
    return catalogue(language).STATS[stat]  # type: ignore[no-any-return]


def say(language: str, key: str, /, **fields: Any) -> str:
    """The message ``key`` in ``language`` with its fields filled in.

    Raises:
        KeyError: no message ``key`` (a programming error: every key is in every
            catalogue), or a field the message names was not given.
    """
    text = words(language)[key]
    return text.format(**fields) if fields else text
