"""YAML safety: what a rule or facts file can contain, and what it can never do.

Only the safe, strict reader in ``qualscore.source.yamlfile`` is used. These tests cover
what tests/test_loader.py does not: the other dangerous tags, alias bombs
measured in time and memory, deep nesting and node counts, the size limit for
facts files and for what is not a regular file, control characters, empty
files, the other encodings, BOM/CRLF in facts files, and YAML 1.1's
surprises where a number or a string is declared.

Encodings: a file that is not UTF-8 is refused with a message naming what it
looks like (GBK, UTF-16, binary), never decoded by guessing.
"""

from __future__ import annotations

import os
import sys
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

import qualscore
from conftest import FIXTURES, ROOT
from qualscore.errors import FactsError, RuleSetError, SourceError
from qualscore.source import yamlfile as _yaml

GOOD_FACTS = (FIXTURES / "mini-facts.yaml").read_text(encoding="utf-8")
MANIFEST = "id: t\ntitle: T\nyear: 2024\nlanguage: en\n"


@pytest.fixture(scope="module")
def rules() -> qualscore.RuleSet:
    return qualscore.load_rules(FIXTURES / "mini")


def yaml_errors(text: str) -> list[str]:
    """The problems of YAML ``text`` read as a file named f.yaml."""
    with pytest.raises(SourceError) as info:
        _yaml.loads(text, "f.yaml")
    return [str(p) for p in info.value.problems]


def facts_errors(rules: qualscore.RuleSet, path: Path, data: bytes | str) -> list[str]:
    """The problems of a facts file holding ``data``, the folder shown as ''."""
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, path)
    return [str(p).replace(str(path.parent) + "/", "") for p in info.value.problems]


def rules_errors(tmp_path: Path, manifest: bytes | str) -> list[str]:
    """The problems of the mini rule set with its ruleset.yaml replaced, folder shown as 'r'."""
    import shutil

    root = tmp_path / "r"
    shutil.copytree(FIXTURES / "mini", root)
    data = manifest.encode("utf-8") if isinstance(manifest, str) else manifest
    (root / "ruleset.yaml").write_bytes(data)
    with pytest.raises(RuleSetError) as info:
        qualscore.load_rules(root)
    return [str(p).replace(str(root), "r") for p in info.value.problems]


# --- tags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!python/object/apply:os.system ['echo pwned']", "tag:yaml.org,2002:python/object/apply:os.system"),
        ("!!python/name:os.system", "tag:yaml.org,2002:python/name:os.system"),
        ("!!python/module:os", "tag:yaml.org,2002:python/module:os"),
        ("!!binary aGVsbG8=", "tag:yaml.org,2002:binary"),
        ("!!timestamp 2018-01-01", "tag:yaml.org,2002:timestamp"),
        ("!!set {a, b}", "tag:yaml.org,2002:set"),
        ("!!omap [a: 1]", "tag:yaml.org,2002:omap"),
        ("!custom x", "!custom"),
        ("!<tag:example.com,2024:evil> x", "tag:example.com,2024:evil"),
    ],
)
def test_tags_other_than_the_core_ones_refused(value: str, tag: str) -> None:
    """No tag constructs anything: each is refused at its node."""
    assert yaml_errors(f"a: 1\nb: {value}\n") == [f"f.yaml:2:4: tag {tag!r} is not allowed"]


def test_tag_shorthand_declared_by_a_directive_refused() -> None:
    """%TAG cannot smuggle a python tag in under another name."""
    text = "%TAG !p! tag:yaml.org,2002:python/\n---\na: !p!object/apply:os.system [id]\n"
    assert yaml_errors(text) == [
        "f.yaml:3:4: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!str [1]", "tag 'tag:yaml.org,2002:str' does not fit a list"),
        ("!!seq {a: 1}", "tag 'tag:yaml.org,2002:seq' does not fit a mapping"),
        ("!!map x", "tag 'tag:yaml.org,2002:map' does not fit a scalar"),
        ("!!int x", "'x' is not a number"),
        ("!!bool yes", "'yes' is not a boolean"),
    ],
)
def test_core_tags_must_fit_their_node(value: str, message: str) -> None:
    """A core tag on the wrong kind of node is an error, not a silent list-for-a-string."""
    assert yaml_errors(f"a: {value}\n") == [f"f.yaml:1:4: {message}"]


def test_python_tag_in_a_facts_file_refused(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """The facts reader is as strict as the rules reader."""
    text = GOOD_FACTS.replace("rate: 89.99", "rate: !!python/object/apply:os.system [id]")
    assert facts_errors(rules, tmp_path / "f.yaml", text) == [
        "f.yaml:2:7: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"
    ]


# --- alias bombs, nesting, node counts --------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@contextmanager
def bounded(kib: int) -> Iterator[None]:
    """Fail unless the block allocates at most ``kib`` KiB at its peak (tracemalloc).

    Memory, not seconds: an input that is expanded, or read past its limit, shows as
    allocation whatever the load on the machine, where a time bound fails when the
    machine is busy. The fast paths these tests guard are the ones that never build
    what the input describes.
    """
    tracemalloc.start()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < kib * 1024, f"peaked at {peak // 1024} KiB"


def test_billion_laughs_refused_fast_in_bounded_memory() -> None:
    """The first alias stops the reading: a billion 'lol's are never built."""
    with bounded(kib=1024):
        assert yaml_errors(BILLION_LAUGHS) == ["f.yaml:2:8: aliases (*name) are not allowed"]


def test_billion_laughs_as_a_facts_file(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """The same bomb handed in as facts."""
    with bounded(kib=8 * 1024):
        assert facts_errors(rules, tmp_path / "f.yaml", BILLION_LAUGHS) == [
            "f.yaml:2:8: aliases (*name) are not allowed"
        ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 5000 + "]" * 5000, "1:33"),
        ("{a: " * 5000 + "1" + "}" * 5000, "1:126"),
        ("".join("  " * i + "-\n" for i in range(3000)), "33:65"),
        ("".join(" " * i + f"k{i}:\n" for i in range(3000)), "32:32"),
        ("a: " + "[" * 40 + "]" * 40, "1:35"),
    ],
    ids=["flow lists", "flow mappings", "block lists", "block mappings", "just past the limit"],
)
def test_deep_nesting_refused_without_recursion(text: str, where: str) -> None:
    """PyYAML's composer is recursive: the depth is cut at MAX_DEPTH, fast, in one line.

    A mapping's keys and values sit one level below it, like a list's items.
    """
    with bounded(kib=16 * 1024):
        assert yaml_errors(text) == [f"f.yaml:{where}: nested more than {_yaml.MAX_DEPTH} levels deep"]


def test_nesting_at_the_limit_is_read_within_a_small_stack() -> None:
    """MAX_DEPTH levels are read within 300 frames, so the limit, not Python's, decides."""
    depth = _yaml.MAX_DEPTH - 1  # lists, and the number inside the last one
    text = "[" * depth + "1" + "]" * depth
    frame, used = sys._getframe(), 0
    while frame is not None:
        frame, used = frame.f_back, used + 1  # type: ignore[assignment]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(used + 300)
    try:
        data = _yaml.loads(text, "f.yaml").data
    finally:
        sys.setrecursionlimit(old)
    for _ in range(depth - 1):
        data = data[0]
    assert data == [1]


@pytest.mark.slow
def test_too_many_nodes_refused_fast() -> None:
    """A file of 600,000 tiny values stops at the MAX_NODES-th, having built no more.

    Reading them all would take some 300 MB; stopping takes under 30 MB.
    """
    text = "[" + "0," * 600_000 + "0]"
    with bounded(kib=40 * 1024):
        # node 1 is the list; node 50,001 is its item 49,999, at column 2 + 2 * 49,999
        assert yaml_errors(text) == ["f.yaml:1:100000: more than 50,000 values in one file"]


def test_the_shipped_files_are_far_within_the_limits() -> None:
    """The limits leave room: every shipped rule file reads with a tenth of MAX_NODES."""
    root = ROOT
    files = sorted(root.glob("rules/*/*.yaml")) + sorted(root.glob("rules/*/categories/*.yaml"))
    assert files
    for file in files:
        loader = _yaml._Loader(file.read_text(encoding="utf-8"))
        try:
            loader.get_single_node()
            assert loader.nodes < _yaml.MAX_NODES // 10, file
        finally:
            loader.dispose()


# --- size and what is not a regular file ---------------------------------------------------


def test_rule_file_over_the_size_limit(tmp_path: Path) -> None:
    """A rule file over MAX_FILE_BYTES is refused before it is read."""
    big = MANIFEST + "#" * _yaml.MAX_FILE_BYTES + "\n"
    size = len(big.encode())
    assert rules_errors(tmp_path, big) == [
        f"r/ruleset.yaml: file is {size} bytes, more than the limit of {_yaml.MAX_FILE_BYTES}"
    ]


def test_facts_file_over_the_size_limit(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """The same limit holds for facts files."""
    big = GOOD_FACTS + "#" * _yaml.MAX_FILE_BYTES + "\n"
    size = len(big.encode())
    assert facts_errors(rules, tmp_path / "f.yaml", big) == [
        f"f.yaml: file is {size} bytes, more than the limit of {_yaml.MAX_FILE_BYTES}"
    ]


def test_size_limit_boundary(
    rules: qualscore.RuleSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of exactly the limit is read; one byte more is not."""
    path = tmp_path / "f.yaml"
    path.write_text(GOOD_FACTS, encoding="utf-8")
    size = path.stat().st_size
    monkeypatch.setattr(_yaml, "MAX_FILE_BYTES", size)
    assert qualscore.load_facts(rules, path).values["rate"] == Decimal("89.99")
    monkeypatch.setattr(_yaml, "MAX_FILE_BYTES", size - 1)
    assert facts_errors(rules, path, GOOD_FACTS) == [
        f"f.yaml: file is {size} bytes, more than the limit of {size - 1}"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_named_pipe_refused_without_blocking(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """A pipe would block the reader forever (or feed it without end): refused unopened."""
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, fifo)
    assert [str(p) for p in info.value.problems] == [f"{fifo}: is not a regular file"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_endless_device_refused(rules: qualscore.RuleSet) -> None:
    """/dev/zero has size 0 and never ends: refused, not read until memory runs out."""
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, "/dev/zero")
    assert [str(p) for p in info.value.problems] == ["/dev/zero: is not a regular file"]


def test_file_that_grows_past_the_limit_is_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At most limit + 1 bytes are read, whatever stat said when the file was opened."""
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\n" * 10)
    assert _yaml.read_bytes(path, "f.yaml", limit=50) == b"a: 1\n" * 10
    with pytest.raises(SourceError) as info:
        _yaml.read_bytes(path, "f.yaml", limit=49)
    assert [str(p) for p in info.value.problems] == ["f.yaml: file is 50 bytes, more than the limit of 49"]


def test_nul_in_a_file_name(rules: qualscore.RuleSet) -> None:
    """A name no file can have is an error, not a ValueError."""
    with pytest.raises(FactsError) as info:
        qualscore.load_facts(rules, "f\0.yaml")
    assert [str(p) for p in info.value.problems] == ["f\0.yaml: not a valid file name"]


# --- control characters, empty files ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: x\0y\n", "f.yaml:2:5: control character U+0000 not allowed"),
        ("a: 1\nb: \x07\n", "f.yaml:2:4: control character U+0007 not allowed"),
        ("a: \x1b[31mred\n", "f.yaml:1:4: control character U+001B not allowed"),
        ("a: x\x7f\n", "f.yaml:1:5: control character U+007F not allowed"),
        ("a: x\x9b\n", "f.yaml:1:5: control character U+009B not allowed"),
        ("a: 1\r\nb: \x00\r\n", "f.yaml:2:4: control character U+0000 not allowed"),
        ('a: "\\0"\n', "f.yaml:1:4: control character U+0000 not allowed"),
        ('a: "\\e[2J"\n', "f.yaml:1:4: control character U+001B not allowed"),
        ('a: "\\x9b"\n', "f.yaml:1:4: control character U+009B not allowed"),
        ('a: "\\ud800"\n', "f.yaml:1:4: lone surrogate U+D800 not allowed"),
        ('"\\0": 1\n', "f.yaml:1:1: control character U+0000 not allowed in a key"),
    ],
)
def test_control_characters_refused(text: str, message: str) -> None:
    """Raw or escaped, a control character is refused at its place (no terminal injection)."""
    assert yaml_errors(text) == [message]


def test_tab_newline_and_escaped_surrogate_pairs_are_text() -> None:
    """Tabs and newlines in strings are fine; a JSON-style surrogate pair is one character."""
    data = _yaml.loads('a: "x\\ty\\nz"\nb: "\\ud840\\udc00\\u8d28"\n', "f.yaml").data
    assert data == {"a": "x\ty\nz", "b": "\U00020000质"}


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing but a comment\n", "\ufeff", "\r\n"])
def test_empty_file(text: str) -> None:
    """An empty file (or only comments) is one clear error for the whole file."""
    assert yaml_errors(text) == ["f.yaml: file is empty"]


def test_empty_rule_file(tmp_path: Path) -> None:
    """... named in the rule set's own terms."""
    assert rules_errors(tmp_path, b"") == ["r/ruleset.yaml: file is empty"]


def test_empty_facts_file(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    assert facts_errors(rules, tmp_path / "f.yaml", b"") == ["f.yaml: file is empty"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("42\n", "f.yaml:1:1: a facts file must be a mapping of fact keys to values"),
        ("rate\n", "f.yaml:1:1: a facts file must be a mapping of fact keys to values"),
        ("null\n", "f.yaml:1:1: a facts file must be a mapping of fact keys to values"),
        ("[1, 2]\n", "f.yaml:1:1: a facts file must be a mapping of fact keys to values"),
        ("a: 1\n---\nb: 2\n", "f.yaml:2:1: not valid YAML: expected a single document in the stream, but found another document"),
    ],
)
def test_facts_file_that_is_not_one_mapping(
    rules: qualscore.RuleSet, tmp_path: Path, text: str, message: str
) -> None:
    """A scalar, a list or two documents at the top of a facts file."""
    assert facts_errors(rules, tmp_path / "f.yaml", text) == [message]


# --- encodings, BOM, CRLF ---------------------------------------------------------------------


def test_gbk_facts_file_refused_naming_the_file(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """GBK is refused (decoding it would be a guess: the bytes could be Big5 too), with a hint."""
    text = GOOD_FACTS.replace("done: true", "done: true  # 已完成")
    assert facts_errors(rules, tmp_path / "f.yaml", text.encode("gbk")) == [
        "f.yaml:1:1: file is not UTF-8 text (a GBK file saved by a Windows editor?); save it as UTF-8"
    ]


def test_utf16_file_refused(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """Notepad's 'Unicode' is UTF-16 with a BOM: named as such."""
    assert facts_errors(rules, tmp_path / "f.yaml", GOOD_FACTS.encode("utf-16")) == [
        "f.yaml: file is UTF-16 text (saved as 'Unicode'?); save it as UTF-8"
    ]


def test_binary_file_refused(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """A PNG handed in as facts."""
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    assert facts_errors(rules, tmp_path / "f.yaml", data) == ["f.yaml: file is binary, not text"]


def test_other_non_utf8_bytes_refused(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """Bytes that are neither UTF-8 nor GBK get no GBK hint, only the line."""
    data = GOOD_FACTS.encode() + b"x: \xff\n"
    assert facts_errors(rules, tmp_path / "f.yaml", data) == [
        "f.yaml:8:1: file is not UTF-8 text; save it as UTF-8"
    ]


def test_bom_and_crlf_in_a_facts_file(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """A UTF-8 BOM and Windows line ends are read as usual, numbers exact, lines right."""
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_FACTS.replace("\n", "\r\n").encode())
    facts = qualscore.load_facts(rules, path)
    assert facts.values["rate"] == Decimal("89.99")
    bad = GOOD_FACTS.replace("reports: 7", "reports: seven").replace("\n", "\r\n")
    assert facts_errors(rules, path, b"\xef\xbb\xbf" + bad.encode()) == [
        "f.yaml:3:10: reports: expected a number, got 'seven'"
    ]


def test_bom_and_crlf_in_a_category_file(tmp_path: Path) -> None:
    """The same for a rule file other than ruleset.yaml."""
    import shutil

    root = tmp_path / "r"
    shutil.copytree(FIXTURES / "mini", root)
    category = root / "categories" / "1-main.yaml"
    text = category.read_text(encoding="utf-8")
    category.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert [i.id for i in qualscore.load_rules(root).items()] == ["1", "2", "3", "4"]


def test_json_facts_indented_with_tabs(rules: qualscore.RuleSet, tmp_path: Path) -> None:
    """JSON allows tabs between tokens (YAML's flow style does not): a .json file may use them."""
    path = tmp_path / "f.json"
    path.write_text(
        '{\n\t"done": true,\n\t"rate":\t89.99,\n\t"reports": 7,\n\t"ports": 3,\n'
        '\t"failing": 1,\n\t"awards": 3,\n\t"incident": false\n}\n',
        encoding="utf-8",
    )
    assert qualscore.load_facts(rules, path).values["rate"] == Decimal("89.99")


# --- YAML 1.1 surprises -------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["no", "No", "off", "OFF", "yes", "on", "y", "n"])
def test_yaml11_booleans_are_not_booleans(rules: qualscore.RuleSet, tmp_path: Path, word: str) -> None:
    """A YAML 1.1 boolean word where a boolean is declared is refused, never read as one."""
    text = GOOD_FACTS.replace("incident: false", f"incident: {word}")
    assert facts_errors(rules, tmp_path / "f.yaml", text) == [
        f"f.yaml:7:11: incident: expected true, false, 是 or 否, got {word!r}"
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2018-01-01", "'2018-01-01'"),
        ("2018-01-01 10:00:00", "'2018-01-01 10:00:00'"),
        ("1:30", "'1:30'"),
        ("0x1A", "'0x1A'"),
        ("0o17", "'0o17'"),
        ("1_000", "'1_000'"),
        ("no", "'no'"),
        (".NaN", "NaN"),
    ],
)
def test_yaml11_values_where_a_number_is_declared(
    rules: qualscore.RuleSet, tmp_path: Path, value: str, shown: str
) -> None:
    """Dates, sexagesimals, hex, underscores: none becomes a number (or a date) silently."""
    text = GOOD_FACTS.replace("rate: 89.99", f"rate: {value}")
    expected = "a finite number" if value == ".NaN" else "a number"
    assert facts_errors(rules, tmp_path / "f.yaml", text) == [
        f"f.yaml:2:7: rate: expected {expected}, got {shown}"
    ]


@pytest.mark.parametrize(("value", "number"), [("010", "10"), ("+7", "7"), (".5", "0.5"), ("1e1", "10")])
def test_numbers_read_as_decimal_text(
    rules: qualscore.RuleSet, tmp_path: Path, value: str, number: str
) -> None:
    """010 is ten (not YAML 1.1's octal eight); every number is read from its text."""
    path = tmp_path / "f.yaml"
    path.write_text(GOOD_FACTS.replace("rate: 89.99", f"rate: {value}"), encoding="utf-8")
    assert str(qualscore.load_facts(rules, path).values["rate"]) == number


@pytest.mark.parametrize(
    ("line", "expected"),
    [("title: 2018-01-01", "2018-01-01"), ("title: no", "no"), ("title: off", "off"), ("title: 1:30", "1:30")],
)
def test_yaml11_values_stay_strings_where_a_string_is_declared(
    tmp_path: Path, line: str, expected: str
) -> None:
    """Where a string is declared, a date-like or boolean-like word is that string."""
    import shutil

    root = tmp_path / "r"
    shutil.copytree(FIXTURES / "mini", root)
    manifest = root / "ruleset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("title: Mini scheme", line), encoding="utf-8")
    assert qualscore.load_rules(root).manifest.title == expected


def test_a_date_where_a_year_is_declared(tmp_path: Path) -> None:
    """``year: 2018-01-01`` is not a date that quietly becomes 2018."""
    errors = rules_errors(tmp_path, MANIFEST.replace("year: 2024", "year: 2018-01-01"))
    assert [e for e in errors if "year" in e] == [
        "r/ruleset.yaml:3:7: year: input should be a valid integer, unable to parse string as an integer"
    ]


# --- every message is one line ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: [1, 2\n",
        "a: {b: 1\n",
        "a:\n\tb: 1\n",
        'a: "unterminated\n',
        "a: 'x\n",
        "- a\nb: 1\n",
        "a: b: c\n",
        "a: |\n  x\n y\n",
        "&a a: *a\n",
        "? [a]\n: 1\n",
        "a: @x\n",
        "a: `x\n",
        "%YAML 9.9\n---\na: 1\n",
        "a: 1\n" * 3,
        "a: " + "x" * 500 + ": y\n",
    ],
)
def test_every_yaml_error_is_one_line(text: str) -> None:
    """Whatever PyYAML says, it is said in one line with a place, within 200 characters."""
    for message in yaml_errors(text):
        assert "\n" not in message
        assert message.startswith("f.yaml:")
        assert len(message) < 200, message


# --- numbers that would print as megabytes ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e999999999", "'1e999999999' is out of range (exponent beyond ±1000)"),
        ("-1E-1001", "'-1E-1001' is out of range (exponent beyond ±1000)"),
        ("!!float 1e5000", "'1e5000' is out of range (exponent beyond ±1000)"),
    ],
)
def test_exponent_beyond_the_limit_refused(value: str, message: str) -> None:
    """1e999999999 is nine characters in the file and a billion digits in a report."""
    assert yaml_errors(f"a: {value}\n") == [f"f.yaml:1:4: {message}"]


@pytest.mark.parametrize(("value", "number"), [("1e1000", "1E+1000"), ("1e-1000", "1E-1000"), ("9" * 3000, "9" * 3000)])
def test_exponent_limit_is_inclusive_and_only_for_exponents(value: str, number: str) -> None:
    """The limit itself is allowed, and digits written out are never refused for their count."""
    assert _yaml.loads(f"a: {value}\n", "f.yaml").data == {"a": Decimal(number)}


def test_huge_tier_bound_refused_before_any_report_formats_it(tmp_path: Path) -> None:
    """A band bound of 1e999999999 used to load and then exhaust memory in the headroom report."""
    import shutil

    root = tmp_path / "r"
    shutil.copytree(FIXTURES / "mini", root)
    category = root / "categories" / "1-main.yaml"
    text = category.read_text(encoding="utf-8").replace("{at_least: 90, points: 2}", "{at_least: 1e999999999, points: 2}")
    category.write_text(text, encoding="utf-8")
    with bounded(kib=16 * 1024), pytest.raises(RuleSetError) as info:
        qualscore.load_rules(root)
    assert [str(p).replace(str(root), "r") for p in info.value.problems] == [
        "r/categories/1-main.yaml:24:22: '1e999999999' is out of range (exponent beyond ±1000)"
    ]


@pytest.mark.parametrize(
    ("text", "char"), [('"a\\nb": 1\n', "000A"), ('"a\\tb": 1\n', "0009"), ('"a\\u2028b": 1\n', "2028")]
)
def test_line_breaks_and_tabs_in_keys_refused(text: str, char: str) -> None:
    """Keys are echoed in messages (``items[0].<key>``): a key cannot break the line."""
    assert yaml_errors(text) == [f"f.yaml:1:1: control character U+{char} not allowed in a key"]


def _kind_with_a_line_break(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "r"
    shutil.copytree(FIXTURES / "mini", root)
    category = root / "categories" / "1-main.yaml"
    category.write_text(
        category.read_text(encoding="utf-8").replace("kind: tiers", 'kind: "tiers\\nx"'), encoding="utf-8"
    )
    return root


def test_a_line_break_in_a_value_echoed_by_validation_stays_on_one_line(tmp_path: Path) -> None:
    """``kind: "tiers\\nx"``: pydantic quotes the tag back; the problem must still be one line."""
    with pytest.raises(RuleSetError) as info:
        qualscore.load_rules(_kind_with_a_line_break(tmp_path))
    assert all("\n" not in str(p) for p in info.value.problems)


def test_the_command_line_prints_it_on_one_line_anyway(tmp_path: Path) -> None:
    """Whatever a module lets through, the CLI prints each problem on one line, exit 2."""
    import io

    from qualscore.cli.app import main

    root = _kind_with_a_line_break(tmp_path)
    err = io.StringIO()
    assert main(["validate", str(root)], stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().splitlines() == [
        f"{root}/categories/1-main.yaml:21:7: items[1].score: input tag 'tiers\\nx' found using "
        "'kind' does not match any of the expected tags: 'parts', 'tiers', 'cases', 'deductions', "
        "'formula', 'target', 'judged', 'rank'"
    ]
