"""Report file names from entity names: safe, within 255 bytes, one per entity, order-free."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from qualscore.batch.names import MAX_NAME_BYTES, STEM_BYTES, Planned, key, plan, stem
from qualscore.errors import SourceError
from qualscore.source.files import Inputs, check_output


def test_a_plain_name_is_its_own_file_name() -> None:
    """A name with nothing unsafe in it is the file name, unchanged and with no note."""
    assert plan(["如城街道", "city-b"], ".html") == {
        "如城街道": Planned("如城街道.html"),
        "city-b": Planned("city-b.html"),
    }


def test_unsafe_characters_and_leading_dots_are_replaced() -> None:
    """Separators, reserved characters and control characters become _; no hidden files."""
    assert stem("../up") == "_up"
    assert stem('a\\b:c*d?e"f<g>h|i') == "a_b_c_d_e_f_g_h_i"
    assert stem("bell\x07") == "bell_x07"
    assert stem("...") == "entity"
    assert stem("") == "entity"


def test_a_long_name_fits_in_255_bytes_with_its_hash() -> None:
    """100 Chinese characters (300 bytes) keep a prefix and a hash of the whole name."""
    name = "中" * 100
    asked = stem(name)
    assert len(asked.encode()) <= STEM_BYTES
    assert asked.startswith("中" * 60) and asked[-11] == "~"
    assert stem(name + "x") != asked  # a longer name with the same prefix differs
    worst = f"{asked}-999999.docx"
    assert len(f".{worst}.0123456789ab.tmp".encode()) <= MAX_NAME_BYTES
    assert plan([name], ".md")[name].note == "the name is too long for a file name"


def test_a_200_byte_name_is_kept_and_201_bytes_shortened() -> None:
    """The edge: a stem of exactly STEM_BYTES stays whole; one byte more gets the hash."""
    assert stem("a" * STEM_BYTES) == "a" * STEM_BYTES
    longer = stem("a" * (STEM_BYTES + 1))
    assert len(longer) == STEM_BYTES and "~" in longer


def test_a_multibyte_character_is_never_cut_in_half() -> None:
    """Shortening cuts at a character boundary: the stem is valid UTF-8."""
    for pad in range(4):
        asked = stem("x" * pad + "😀" * 80)
        asked.encode("utf-8")  # no lone half of a character
        assert len(asked.encode()) <= STEM_BYTES


def test_clashes_go_to_the_first_name_in_code_point_order() -> None:
    """'A' and 'a' (one file where case is ignored): 'A' keeps A.md, 'a' takes a-2.md."""
    got = plan(["a", "A", "a:b", "a/b"], ".md")
    assert got["A"] == Planned("A.md")
    assert got["a"] == Planned("a-2.md", "a.md is taken by entity 'A'")
    assert got["a/b"] == Planned("a_b.md")
    assert got["a:b"] == Planned("a_b-2.md", "a_b.md is taken by entity 'a/b'")


def test_the_plan_is_the_same_for_every_order_of_names() -> None:
    """Every permutation of clashing names gives the same file for each name."""
    names = ["A", "a", "a-2", "a:b", "a/b", "ａ"]
    first = plan(names, ".json")
    for order in itertools.permutations(names):
        assert plan(order, ".json") == first
    assert len({key(p.file) for p in first.values()}) == len(names)


def test_a_suffixed_name_never_takes_another_entitys_own_name() -> None:
    """An entity named 'a-2' keeps a-2.md; the clash of 'A' and 'a' moves on to a-3.md."""
    got = plan(["A", "a", "a-2"], ".md")
    assert got["a-2"] == Planned("a-2.md")
    assert got["a"].file == "a-3.md"


def test_a_taken_file_goes_to_no_entity() -> None:
    """A file the run must not write (an input, --out) is skipped, and the entity told why."""
    reserved = {"last.json": "an input", "last-2.json": "the --out file"}
    got = plan(["last"], ".json", taken=reserved.get)
    assert got["last"] == Planned("last-3.json", "last.json is an input")


def test_inputs_are_walked_once_for_many_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking many outputs against an input folder walks the folder once."""
    folder = tmp_path / "facts"
    folder.mkdir()
    for n in range(5):
        (folder / f"{n}.yaml").write_text("{}\n", encoding="utf-8")
    os.link(folder / "3.yaml", tmp_path / "hard.yaml")
    (tmp_path / "old.html").write_text("", encoding="utf-8")
    walks = []
    real_walk = os.walk

    def counting(*args: object, **kwargs: object) -> object:
        walks.append(args)
        return real_walk(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "walk", counting)
    inputs = Inputs([folder])
    for _ in range(10):
        check_output(tmp_path / "old.html", inputs)
    with pytest.raises(SourceError, match="an input"):
        check_output(tmp_path / "hard.yaml", inputs)
    assert len(walks) == 1
    assert inputs.owner(tmp_path / "new.html") is None
    assert list(inputs) == [folder]
