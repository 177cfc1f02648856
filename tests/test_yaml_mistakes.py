"""YAML typed wrong by hand is told where, what and how to fix it, in the file's language:
good and bad pairs, each bad one with its exact message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qualscore
from conftest import FIXTURES, pure_python_document, run_cli
from qualscore.errors import RuleSetError, SourceError
from qualscore.source import mistakes
from qualscore.source import yamlfile as _yaml

MINI = FIXTURES / "mini"
EN = "not valid YAML: "
ZH = "YAML 格式有误："
TAB_EN = EN + "a tab here; YAML indents and separates with spaces only: replace the tab with spaces"
TAB_ZH = ZH + "此处是制表符（Tab）；YAML 只能用空格缩进和分隔：请把制表符换成空格"


def errors(text: str, language: str | None = None) -> list[str]:
    """The problems of YAML ``text`` read as a file named f.yaml."""
    with pytest.raises(SourceError) as info:
        _yaml.loads(text, "f.yaml", language=language)
    return [str(p) for p in info.value.problems]


def slow_errors(text: str) -> list[str]:
    """The problems found after parsing when the pure-Python reader alone reads ``text``."""
    with pytest.raises(SourceError) as info:
        pure_python_document(text, "f.yaml", checked=True)
    return [str(p) for p in info.value.problems]


ENGLISH = [
    ("tab", "title: T\nitems:\n\t- a\n", "title: T\nitems:\n  - a\n", "3:1: " + TAB_EN),
    (
        "key right of the one above",
        "a:\n  b: 1\n   c: 2\n",
        "a:\n  b: 1\n  c: 2\n",
        "3:5: " + EN + "'c' starts in column 4, right of 'b' on line 2, so it is read as part of "
        "its value: a key goes in column 3 (as 'b' on line 2) or column 1 (as 'a' on line 1); "
        "text is quoted",
    ),
    (
        "key left of the one above",
        "items:\n  - id: 1\n  title: x\n",
        "items:\n  - id: 1\n    title: x\n",
        "3:3: " + EN + "'title' starts in column 3, in line with nothing above it: move it to "
        "column 5 (as 'id' on line 2) or column 1 (as 'items' on line 1)",
    ),
    (
        "list entry out of line",
        "items:\n  - a\n - b\n",
        "items:\n  - a\n  - b\n",
        "3:2: " + EN + "'- b' starts in column 2, in line with nothing above it: move it to "
        "column 3 (as '- a' on line 2)",
    ),
    (
        "full-width colon",
        "a: 1\ntitle： T\nb: 2\n",
        "a: 1\ntitle: T\nb: 2\n",
        "2:6: " + EN + "'title' is followed by the full-width colon '：', which YAML does not "
        "read as a key's colon: write title: T",
    ),
    (
        "colon in a value",
        "a: b: c\n",
        "a: 'b: c'\n",
        "1:5: " + EN + "': ' inside the value of 'a' reads as the colon of another key: quote "
        "the value: a: 'b: c'",
    ),
    (
        "quote never closed",
        'a: 1\nb: "abc\n',
        'a: 1\nb: "abc"\n',
        "3:1: " + EN + "the quote '\"' on line 2, column 4 is never closed: end the text with '\"'",
    ),
    (
        "quote closed lines later",
        "a: 'abc\nb: 'x'\n",
        "a: 'abc'\nb: 'x'\n",
        "2:5: " + EN + 'the quote "\'" on line 1, column 4 is not closed on its line, so the '
        'text runs on to here: end the text with "\'" on line 1',
    ),
    (
        "bracket never closed",
        "a: [1, 2\n",
        "a: [1, 2]\n",
        "2:1: " + EN + "'[' on line 1, column 4 is not closed before the end of the file: close "
        "it with ']'",
    ),
    (
        "brace closed too late",
        "a: {x: 1\nb: 2\n",
        "a: {x: 1}\nb: 2\n",
        "2:2: " + EN + "'{' on line 1, column 4 is not closed before this line: close it with '}'",
    ),
    (
        "comma missing",
        "a: {b: 1 c: 2}\n",
        "a: {b: 1, c: 2}\n",
        "1:11: " + EN + "':' where ',' or '}' was expected: separate the entries with ', ', "
        "and quote a value that holds ': ', ',' or a bracket",
    ),
    (
        "bracket closing nothing",
        "a: [1, 2]]\n",
        "a: [1, 2]\n",
        "1:10: " + EN + "']' here closes nothing: remove it, or add the '[' it closes",
    ),
    (
        "no colon",
        "a: 1\nfoo\nb: 2\n",
        "a: 1\nfoo: x\nb: 2\n",
        "2:1: " + EN + "'foo' stands where a key is expected but has no ': ' after it: write "
        "'key: value', or indent it to go on from the value above",
    ),
    (
        "comma splitting a value",
        "a: {label: over 95%, 95% included, points: 2}\n",
        "a: {label: 'over 95%, 95% included', points: 2}\n",
        "1:20: this comma ends the value of 'label' ('over 95%'), so '95% included' after it "
        "is read as a key without a value: to keep the comma in the text, quote the value: "
        "label: 'over 95%, 95% included'",
    ),
]

CHINESE = [
    ("tab", "标题: 甲\n项目:\n\t- 乙\n", "标题: 甲\n项目:\n  - 乙\n", "3:1: " + TAB_ZH),
    (
        "key left of the one above",
        "title: 考核\nitems:\n  - id: 1\n    title: x\n   points: 2\n",
        "title: 考核\nitems:\n  - id: 1\n    title: x\n    points: 2\n",
        "5:4: " + ZH + "'points' 从第 4 列开始，与上方各层都没有对齐：请移到第 5 列（与第 4 行的 "
        "'title' 对齐）或第 1 列（与第 2 行的 'items' 对齐）",
    ),
    (
        "text right of its key",
        "content: 这是一段\n  很长的文字: 含冒号\n",
        "content: '这是一段 很长的文字: 含冒号'\n",
        "2:8: "
        + ZH
        + "'很长的文字' 从第 3 列开始，比第 1 行的 'content' 靠右，被当作其值的一部分："
        "若是键，请移到第 1 列（与第 1 行的 'content' 对齐）；若是文字，请给值加引号",
    ),
    (
        "full-width colon in a mapping",
        "a:\n  title： 考核\n  b: 2\n",
        "a:\n  title: 考核\n  b: 2\n",
        "2:8: " + ZH + "'title' 后面是中文冒号“：”，YAML 不把它当作键后的冒号：请改为 title: 考核",
    ),
    (
        "full-width colon as the whole file",
        "title：考核\n",
        "title: 考核\n",
        "1:6: 'title' 后面是中文冒号“：”，YAML 不把它当作键后的冒号：请改为 title: 考核",
    ),
    (
        "full-width colon in a list of mappings",
        "- {名称: 甲}\n- 名称： 乙\n",
        "- {名称: 甲}\n- 名称: 乙\n",
        "2:5: '名称' 后面是中文冒号“：”，YAML 不把它当作键后的冒号：请改为 名称: 乙",
    ),
    (
        "quote never closed",
        '名称: "甲\n',
        '名称: "甲"\n',
        "2:1: " + ZH + "第 1 行第 5 列的引号 '\"' 直到文件末尾都没有结束：请在文字末尾加上 '\"'",
    ),
    (
        "bracket closed too late",
        "部门: [甲, 乙\n名称: 丙\n",
        "部门: [甲, 乙]\n名称: 丙\n",
        "2:3: " + ZH + "第 1 行第 5 列的 '[' 到此行仍未闭合：请用 ']' 闭合",
    ),
    (
        "comma splitting a value",
        "- {label: 95%以上,含95%以上, points: 2}\n",
        "- {label: 95%以上，含95%以上, points: 2}\n",
        "1:16: 这个英文逗号结束了 'label' 的值（'95%以上'），其后的 '含95%以上' 被当作没有值的键："
        "若逗号属于文字，请给值加引号：label: '95%以上,含95%以上'，或改用中文逗号“，”",
    ),
]


@pytest.mark.parametrize(("bad", "good", "message"), [c[1:] for c in ENGLISH],
                         ids=[c[0] for c in ENGLISH])  # fmt: skip
def test_a_mistake_in_an_english_file_is_told_in_english(bad: str, good: str, message: str) -> None:
    """A file without Chinese text is told its mistake in English with the fix; the fixed
    file reads."""
    assert errors(bad) == ["f.yaml:" + message]
    _yaml.loads(good, "f.yaml")


@pytest.mark.parametrize(("bad", "good", "message"), [c[1:] for c in CHINESE],
                         ids=[c[0] for c in CHINESE])  # fmt: skip
def test_a_mistake_in_a_chinese_file_is_told_in_chinese(bad: str, good: str, message: str) -> None:
    """A file with Chinese text is told its mistake in Chinese with the fix; the fixed file
    reads."""
    assert errors(bad) == ["f.yaml:" + message]
    _yaml.loads(good, "f.yaml")


def test_the_language_given_wins_over_the_files() -> None:
    """A caller that knows the rule set's language has the mistake told in it."""
    assert errors("a:\n\tb: 1\n", language="zh") == ["f.yaml:2:1: " + TAB_ZH]
    assert errors("标题:\n\tb: 1\n", language="en") == ["f.yaml:2:1: " + TAB_EN]


def test_the_language_of_a_file_is_chinese_when_it_holds_han_text() -> None:
    """Han characters make a file Chinese; full-width punctuation alone does not."""
    assert [mistakes.language_of(t) for t in ("标题: x", "title： x", "title: x", "")] == [
        "zh", "en", "en", "en"]  # fmt: skip


def test_a_parse_error_nobody_typed_by_hand_keeps_the_parsers_words() -> None:
    """An error that is no common mistake is told as the parser says it, after the
    language's 'not valid YAML'."""
    assert errors("名称: 甲\n---\nb: 2\n") == [
        "f.yaml:2:1: " + ZH + "expected a single document in the stream, but found another document"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "content: 说明：见附件\n",
        "notes:\n  - 说明：见附件\n  - 注：无\n",
        "a:\n  说明：见附件\n",
        "- {label: '95%以上,含95%以上', points: 2}\n",
        "- {label: 95%以上, points: 2}\n",
        "- {a: 1, b: }\n",
    ],
    ids=[
        "value",
        "list of text",
        "value on its own line",
        "quoted comma",
        "no comma",
        "empty value",
    ],
)
def test_text_that_only_looks_like_a_mistake_reads(text: str) -> None:
    """A full-width colon inside a value and a key written with its colon are no mistakes."""
    _yaml.loads(text, "f.yaml")


def test_a_comma_that_splits_a_value_in_several_places_is_told_once() -> None:
    """The pieces a value's commas split off are one mistake, its fix the whole value quoted."""
    assert errors("a: {label: x, y, z, points: 2}\n") == [
        "f.yaml:1:13: this comma ends the value of 'label' ('x'), so 'y' after it is read as a "
        "key without a value: to keep the comma in the text, quote the value: label: 'x, y, z'"
    ]


def test_a_split_expression_is_left_to_the_rule_loader() -> None:
    """A comma inside a formula's parentheses is told by the loader, which names the formula."""
    assert _yaml.loads("a: {each: max(0, n), points: 2}\n", "f").data == {
        "a": {"each": "max(0", "n)": None, "points": 2}}  # fmt: skip


def test_the_pure_python_reader_finds_the_same_mistakes() -> None:
    """Mistakes found after parsing are found alike from libyaml's nodes and PyYAML's own."""
    for text in ("a: {label: x, y}\n", "title：考核\n"):
        assert slow_errors(text) == errors(text)


def test_a_broken_category_file_through_the_loader(tmp_path: Path) -> None:
    """Loading a rule set tells a category file's mistake with its place."""
    root = _mini(tmp_path, category=("title: Main\n", "title: Main\n\tpoints: 7\n"))
    with pytest.raises(RuleSetError) as info:
        qualscore.load_rules(root)
    assert [str(p) for p in info.value.problems] == [
        f"{root}/categories/1-main.yaml:4:1: " + TAB_EN
    ]


def test_validate_tells_a_chinese_rule_files_mistake_in_chinese(tmp_path: Path) -> None:
    """``qualscore validate`` on a Chinese rule file with a full-width colon: one line, exit 2."""
    root = _mini(tmp_path, category=("title: Main\n", "title： 主要工作\n"))
    manifest = root / "ruleset.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("language: en", "language: zh"),
                        encoding="utf-8")  # fmt: skip
    code, out, err = run_cli("validate", root)
    assert (code, out) == (2, "")
    assert err == (
        f"{root}/categories/1-main.yaml:3:6: {ZH}'title' 后面是中文冒号“：”，YAML 不把它当作键后的"
        "冒号：请改为 title: 主要工作\n"
    )


def test_validate_tells_an_english_rule_files_mistake_in_english(tmp_path: Path) -> None:
    """``qualscore validate`` on an English rule file with a bracket left open: exit 2."""
    root = _mini(tmp_path, category=("departments: [Office]", "departments: [Office"))
    code, out, err = run_cli("validate", root)
    assert (code, out) == (2, "")
    assert err == (
        f"{root}/categories/1-main.yaml:11:10: {EN}'[' on line 10, column 18 is not closed "
        "before this line: close it with ']'\n"
    )


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        (
            'done: true\nrate: "89.99\nreports: 7\n',
            "4:1: "
            + EN
            + "the quote '\"' on line 2, column 7 is never closed: end the text with '\"'",
        ),
        (
            "entity: 甲市\ndone: true\n  rate: 89.99\n",
            "3:7: " + ZH + "'rate' 从第 3 列开始，比第 2 行的 'done' 靠右，被当作其值的一部分："
            "若是键，请移到第 1 列（与第 2 行的 'done' 对齐）；若是文字，请给值加引号",
        ),
        (
            "entity: 甲市\nawards: {value: 3, note: 省级,市级}\n",
            "2:28: 这个英文逗号结束了 'note' 的值（'省级'），其后的 '市级' 被当作没有值的键："
            "若逗号属于文字，请给值加引号：note: '省级,市级'，或改用中文逗号“，”",
        ),
    ],
    ids=["english", "chinese", "chinese comma"],
)
def test_evaluate_tells_a_facts_files_mistake(tmp_path: Path, facts: str, message: str) -> None:
    """``qualscore evaluate`` on a facts file with a mistake: one line in the rule set's
    language (an English one for the English file, rugao's Chinese for the others), exit 2."""
    path = tmp_path / "f.yaml"
    path.write_text(facts, encoding="utf-8")
    rules = MINI if EN in message else MINI.parents[2] / "rules" / "rugao-2018"
    code, out, err = run_cli("evaluate", rules, path)
    assert (code, out, err) == (2, "", f"{path}:{message}\n")


def test_a_facts_file_without_chinese_text_is_told_in_its_rule_sets_chinese(
    tmp_path: Path,
) -> None:
    """The rule set's language decides, not the file's text: a facts file of ASCII only,
    for a Chinese rule set, is told in Chinese."""
    path = tmp_path / "f.yaml"
    path.write_text("done: true\n\trate: 1\n", encoding="utf-8")
    code, out, err = run_cli("evaluate", MINI.parents[2] / "rules" / "rugao-2018", path)
    assert (code, out) == (2, "")
    assert err.startswith(f"{path}:2:1: ") and "制表符" in err


def test_a_category_file_without_chinese_text_is_told_in_its_rule_sets_chinese(
    tmp_path: Path,
) -> None:
    """A category file read after a Chinese ``ruleset.yaml`` is told in Chinese, whatever
    its own text."""
    root = tmp_path / "r"
    shutil.copytree(MINI, root)
    manifest = root / "ruleset.yaml"
    manifest.write_text(manifest.read_text("utf-8").replace("language: en", "language: zh"),
                        encoding="utf-8")  # fmt: skip
    category = root / "categories" / "1-main.yaml"
    category.write_text(category.read_text("utf-8").replace("title: Main\n", "title: Main\n\tpoints: 7\n", 1),
                        encoding="utf-8")  # fmt: skip
    with pytest.raises(RuleSetError) as info:
        qualscore.load_rules(root)
    assert [str(p) for p in info.value.problems] == [f"{category}:4:1: " + TAB_ZH]


def _mini(tmp_path: Path, *, category: tuple[str, str]) -> Path:
    """The mini rule set copied, its category file's text ``category[0]`` made ``category[1]``."""
    root = tmp_path / "r"
    shutil.copytree(MINI, root)
    path = root / "categories" / "1-main.yaml"
    text = path.read_text("utf-8")
    assert category[0] in text
    path.write_text(text.replace(category[0], category[1], 1), encoding="utf-8")
    return root


_PIECES = ["a", "甲", ": ", ":", "：", "-", "- ", " ", "  ", "\t", "\n", "[", "]", "{", "}",
           ",", "'", '"', "#", "\\", "|", "?", "1"]  # fmt: skip


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_whatever_is_typed_the_reading_ends_in_a_value_or_one_line_problems(text: str) -> None:
    """Any text of YAML's special characters is read or refused in one-line problems, never
    a traceback from telling the mistake."""
    try:
        _yaml.loads(text, "f.yaml")
    except SourceError as exc:
        assert all("\n" not in str(p) for p in exc.problems)


@pytest.mark.parametrize("text", ["items: [\n", "a: {\n", "a: '", 'a: "\n', "- [\n\n", "a:\n\t"])
def test_a_mistake_at_the_very_end_of_the_file_is_told(text: str) -> None:
    """A mistake whose place is past the last line is told, not a crash."""
    assert len(errors(text)) == 1
