"""Every language's catalogue says the same messages with the same fields, and
nothing outside the catalogue chooses words by language."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from qualscore.catalogue import LANGUAGES, say, stat_word, words

SRC = Path(__file__).resolve().parents[1] / "src" / "qualscore"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("table", ["WORDS", "STATS", "WORKING"])
def test_every_catalogue_has_the_same_keys_and_fields(table: str) -> None:
    english = getattr(LANGUAGES["en"], table)
    for code, module in LANGUAGES.items():
        messages = getattr(module, table)
        assert set(messages) == set(english), code
        for key, text in messages.items():
            assert _fields(text) == _fields(english[key]), (code, key)


def test_say_fills_in_the_fields() -> None:
    assert say("zh", "lost_points", lost="2") == "失 2 分"
    assert say("en", "lost_points", lost="2") == "lost 2"
    assert say("en", "score") == "score"


def test_an_unknown_language_reads_english() -> None:
    assert words("fr") is words("en")
    assert stat_word("fr", "mean") == "the mean"


def test_a_missing_message_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        say("zh", "no such message")
