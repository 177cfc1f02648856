"""Every language's catalogue says the same messages with the same fields, and
nothing outside the catalogue chooses words by language."""

from __future__ import annotations

import re
import string
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT
from qualscore.catalogue import LANGUAGES, say, stat_word, words
from qualscore.scoring.words import plural, points_text

SRC = ROOT / "src" / "qualscore"


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


_CHOOSING = ("if zh", "zh else", 'language == "zh"', '== "zh"', '"zh" if')
"""What code that chooses words by language itself looks like."""

def _engine_files() -> list[Path]:
    """Every module of the package but the catalogues: they name messages, the catalogue
    says them."""
    return sorted(p for p in SRC.rglob("*.py") if SRC / "catalogue" not in p.parents)


def _choosing(text: str) -> list[tuple[int, str]]:
    return [
        (n, pattern)
        for n, line in enumerate(text.splitlines(), 1)
        for pattern in _CHOOSING
        if pattern in line
    ]


def test_a_language_test_in_code_is_found() -> None:
    """Each way of choosing words by language is found, on its line; plain code is not."""
    text = 'a = "是" if zh else "yes"\nb = language == "zh"\nc = "zh" if x else "en"\nd = 1\n'
    assert _choosing(text) == [(1, "if zh"), (1, "zh else"), (2, 'language == "zh"'),
                               (2, '== "zh"'), (3, '"zh" if')]  # fmt: skip
    assert _choosing('say(language, "colon")\nzh_words = 1\n') == []


def test_no_code_outside_the_catalogue_chooses_words_by_language() -> None:
    """No module outside the catalogue tests the language to choose its words: not the
    engine's explanations, the reports, the command line, nor the loaders."""
    files = _engine_files()
    assert SRC / "scoring" / "explain.py" in files and SRC / "report" / "html.py" in files
    assert not [p for p in files if "catalogue" in p.parts]
    found = [
        f"{path.relative_to(SRC)}:{n}: {pattern}"
        for path in files
        for n, pattern in _choosing(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_every_message_the_code_names_is_in_the_catalogue() -> None:
    """Every message key a module names literally (``say(language, "key")``) is a message."""
    named = re.compile(r"""say\(\s*[\w.]+,\s*["']([a-z_]+)["']""")
    keys = {
        key for path in _engine_files() for key in named.findall(path.read_text(encoding="utf-8"))
    }
    assert len(keys) > 50
    assert sorted(keys - set(words("en"))) == []


def test_a_count_chooses_its_words_by_its_number() -> None:
    """``plural`` says ``1 unit`` but ``0 units`` and ``2 units``; 中文 the number alone."""
    assert [plural("en", "units", n) for n in (0, 1, 2)] == ["0 units", "1 unit", "2 units"]
    assert plural("en", "units", Decimal("1.0")) == "1 unit"
    assert [plural("zh", "units", n) for n in (1, Decimal("3"))] == ["1", "3"]


def test_an_amount_of_points_is_said_in_its_language() -> None:
    """``points_text`` says ``1 point``, ``0.5 points`` and ``2 points``, and ``2 分`` in 中文."""
    assert [points_text(Decimal(v)) for v in ("1", "0.5", "2.00")] == [
        "1 point",
        "0.5 points",
        "2 points",
    ]
    assert points_text(Decimal("2"), "zh") == "2 分"
