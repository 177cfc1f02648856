"""`qualscore new`: a scheme copied to a new year, its tests kept, nothing overwritten."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import qualscore
from conftest import ROOT, run_cli

RUGAO = ROOT / "rules" / "rugao-2018"
MINI = ROOT / "tests" / "fixtures" / "mini"


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """rugao-2018 copied beside the repository's rules, at the same depth, as rules/rugao-2018."""
    source = tmp_path / "rules" / "rugao-2018"
    shutil.copytree(RUGAO, source)
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    return source


def test_new_year_bumps_id_and_year_and_keeps_the_rest(copy: Path) -> None:
    """Only the manifest's id and year change; every other byte, the tests included, is kept."""
    target = copy.parent / "rugao-2019"
    code, out, err = run_cli("new", str(copy), str(target), "--year", "2019")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{target}: new rule set rugao-2019 (2019) from {copy}: 16 files copied, tests kept",
        f"{target}/ruleset.yaml:3:8: note: the title still says 2018; edit it if it should not",
        f"{target}: note: 5 other lines of the rule files name 2018",
    ]
    before, after = files(copy), files(target)
    assert before.keys() == after.keys()
    assert [k for k in before if before[k] != after[k]] == ["ruleset.yaml"]
    old = before["ruleset.yaml"].decode().splitlines()
    new = after["ruleset.yaml"].decode().splitlines()
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        ("id: rugao-2018", "id: rugao-2019"),
        ("year: 2018", "year: 2019"),
    ]
    rules = qualscore.load_rules(target)
    assert (rules.id, rules.manifest.year, rules.manifest.title) == ("rugao-2019", 2019, "2018年度如皋市质量工作考核")


def test_copied_tests_pass(copy: Path) -> None:
    """The copy's tests run and pass as the original's do, with full coverage."""
    target = copy.parent / "rugao-2019"
    assert run_cli("new", str(copy), str(target), "--year", "2019")[0] == 0
    code, out, _ = run_cli("test", str(target), "--min-coverage", "100")
    assert code == 0
    assert out.splitlines()[-1] == "coverage: 100% (269 of 269 branches reached)"


def test_refuses_an_existing_folder(copy: Path) -> None:
    """A folder that exists is never overwritten: exit 2, one line, its files untouched."""
    target = copy.parent / "rugao-2019"
    target.mkdir()
    (target / "keep.txt").write_text("mine", encoding="utf-8")
    code, out, err = run_cli("new", str(copy), str(target), "--year", "2019")
    assert (code, out, err) == (2, "", f"{target}: already exists; give a new folder (nothing was written)\n")
    assert files(target) == {"keep.txt": b"mine"}


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("2018", "--year 2018 is the year of {source} already"),
        ("1800", "--year 1800 is not a year from 1900 to 2200"),
    ],
)
def test_refuses_a_year_that_is_not_new(copy: Path, year: str, message: str) -> None:
    """The same year, or one outside the manifest's range, is refused and nothing is written."""
    target = copy.parent / "other"
    code, _, err = run_cli("new", str(copy), str(target), "--year", year)
    assert (code, err) == (2, f"{target}: {message.format(source=copy)}\n")
    assert sorted(p.name for p in copy.parent.iterdir()) == ["rugao-2018"]


def test_refuses_a_folder_inside_the_source(copy: Path) -> None:
    """A new folder inside the one copied would copy itself: refused."""
    target = copy / "next"
    code, _, err = run_cli("new", str(copy), str(target), "--year", "2019")
    assert (code, err) == (2, f"{target}: is inside {copy}; give a folder outside it\n")


def test_refuses_a_missing_parent_folder(copy: Path) -> None:
    """The new folder's parent must exist."""
    target = copy.parent / "no" / "rugao-2019"
    code, _, err = run_cli("new", str(copy), str(target), "--year", "2019")
    assert (code, err) == (2, f"{target}: no such folder: {target.parent}\n")


def test_refuses_a_broken_source(tmp_path: Path) -> None:
    """A source that does not load is refused with its own errors, file:line:col."""
    source = tmp_path / "mini"
    shutil.copytree(MINI, source)
    manifest = source / "ruleset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("year: 2024", "year: soon"), encoding="utf-8")
    code, _, err = run_cli("new", str(source), str(tmp_path / "next"), "--year", "2025")
    assert (code, err) == (2, f"{manifest}:4:7: year: input should be a valid integer, unable to parse string as an integer\n")
    assert not (tmp_path / "next").exists()


def test_id_without_the_year_gets_it(tmp_path: Path) -> None:
    """An id that does not name its year ('mini') becomes 'mini-2025'."""
    target = tmp_path / "mini-2025"
    code, out, _ = run_cli("new", str(MINI), str(target), "--year", "2025")
    assert code == 0
    assert out.splitlines()[0] == f"{target}: new rule set mini-2025 (2025) from {MINI}: 3 files copied"
    assert qualscore.load_rules(target).id == "mini-2025"


def test_quoted_id_and_comments_kept(tmp_path: Path) -> None:
    """A quoted id stays quoted, and a comment after the year stays where it was."""
    source = tmp_path / "mini"
    shutil.copytree(MINI, source)
    manifest = source / "ruleset.yaml"
    text = manifest.read_text(encoding="utf-8").replace("id: mini", "id: 'mini-2024'").replace(
        "year: 2024", "year: 2024  # the assessment year"
    )
    manifest.write_text(text, encoding="utf-8")
    assert run_cli("new", str(source), str(tmp_path / "next"), "--year", "2025")[0] == 0
    copied = (tmp_path / "next" / "ruleset.yaml").read_text(encoding="utf-8")
    assert copied == text.replace("'mini-2024'", "'mini-2025'").replace("year: 2024", "year: 2025")


def test_schema_line_follows_the_new_depth(tmp_path: Path) -> None:
    """A copy one level deeper gets each `$schema=` path one '../' longer, still pointing at schema/."""
    source = tmp_path / "rules" / "mini"
    shutil.copytree(MINI, source)
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    for path in [source / "ruleset.yaml", source / "facts.yaml", source / "categories" / "1-main.yaml"]:
        text = path.read_text(encoding="utf-8").replace("../../../", "../../", 1)
        path.write_text(text, encoding="utf-8")
    target = tmp_path / "rules" / "2025" / "mini"
    target.parent.mkdir()
    assert run_cli("new", str(source), str(target), "--year", "2025")[0] == 0
    first = (target / "categories" / "1-main.yaml").read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == "# yaml-language-server: $schema=../../../../schema/category.schema.json"
    assert (target / "categories" / "../../../../schema/category.schema.json").resolve().is_file()
    untouched = (target / "facts.yaml").read_text(encoding="utf-8").split("\n", 1)[1]
    assert untouched == (source / "facts.yaml").read_text(encoding="utf-8").split("\n", 1)[1]


def test_no_staging_folder_left_behind(copy: Path) -> None:
    """After a copy, the parent holds the two rule sets and nothing else."""
    assert run_cli("new", str(copy), str(copy.parent / "rugao-2019"), "--year", "2019")[0] == 0
    assert sorted(p.name for p in copy.parent.iterdir()) == ["rugao-2018", "rugao-2019"]


# --- a copy that fails leaves nothing behind ------------------------------------------------


def _mini(tmp_path: Path, old: str = "year: 2024", new: str = "year: 2024") -> Path:
    """The mini rule set copied to tmp_path/src, with ``old`` replaced by ``new`` in its manifest."""
    source = tmp_path / "src"
    shutil.copytree(MINI, source)
    manifest = source / "ruleset.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert qualscore.load_rules(source).manifest.year == 2024
    return source


def test_a_copy_that_does_not_load_leaves_nothing(tmp_path: Path) -> None:
    """An anchored year (`year: &y 2024`) is copied as `year: 2025 2024`, which does not
    load: exit 2, the copy's problem named at the new folder, and no folder left at all."""
    source = _mini(tmp_path, new="year: &y 2024")
    target = tmp_path / "next"
    code, out, err = run_cli("new", str(source), str(target), "--year", "2025")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{target}: the copy does not load (below); nothing was written",
        f"{target}/ruleset.yaml:4:7: year: input should be a valid integer, unable to parse "
        "string as an integer",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_a_tagged_year_is_set_and_keeps_its_tag(tmp_path: Path) -> None:
    """`year: !!int 2024` becomes `year: !!int 2025` (it once became `2025 2024`, and stayed)."""
    source = _mini(tmp_path, new="year: !!int 2024")
    target = tmp_path / "next"
    assert run_cli("new", str(source), str(target), "--year", "2025")[0] == 0
    assert "\nyear: !!int 2025\n" in (target / "ruleset.yaml").read_text(encoding="utf-8")
    assert qualscore.load_rules(target).manifest.year == 2025


def test_a_copy_that_keeps_its_old_year_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy that loads but not with its new id and year is not put in place."""
    from qualscore.analyst import newyear

    monkeypatch.setattr(newyear, "_edit_manifest", lambda *args: None)
    target = tmp_path / "next"
    code, _, err = run_cli("new", str(MINI), str(target), "--year", "2025")
    assert (code, err) == (
        2,
        f"{target}/ruleset.yaml: the copy reads id 'mini' and year 2024, not 'mini-2025' "
        "and 2025; set them by hand (nothing was written)\n",
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("failure", "code", "message"),
    [
        (KeyboardInterrupt(), 130, "qualscore: interrupted"),
        (OSError(28, "No space left on device", "x.yaml"), 2, "x.yaml: no space left on device"),
    ],
)
def test_a_failure_after_the_copy_started_leaves_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: BaseException,
    code: int,
    message: str,
) -> None:
    """Ctrl-C or a full disk once the files are copied: the half-made copy is removed."""
    from qualscore.analyst import newyear

    def fail(*args: object) -> None:
        assert any(tmp_path.rglob("facts.yaml")), "the files are copied by now"
        raise failure

    monkeypatch.setattr(newyear, "_repoint_schemas", fail)  # new's last step
    monkeypatch.setattr(newyear, "_own_schemas", fail)  # init's
    for argv in (["new", str(MINI), str(tmp_path / "next")], ["init", str(tmp_path / "next")]):
        assert run_cli(*argv, "--year", "2025") == (code, "", message + "\n")
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("inside", [None, "theirs.txt"])
def test_never_renames_over_a_folder_made_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside: str | None
) -> None:
    """A folder made at the new name while the copy is checked (empty or not) is left as it
    is, and the copy is not put in its place (a rename would replace an empty folder)."""
    from qualscore.analyst import newyear

    target = tmp_path / "next"
    check = newyear._check_copy

    def meanwhile(*args: object) -> None:
        check(*args)  # type: ignore[arg-type]
        target.mkdir()
        if inside is not None:
            (target / inside).write_text("mine", encoding="utf-8")

    monkeypatch.setattr(newyear, "_check_copy", meanwhile)
    code, _, err = run_cli("new", str(MINI), str(target), "--year", "2025")
    assert (code, err) == (2, f"{target}: already exists; give a new folder (nothing was written)\n")
    assert files(target) == ({} if inside is None else {inside: b"mine"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next"]


@pytest.mark.parametrize("start", ["empty", "demo"])
def test_init_starts_a_scheme_that_tests_and_points_at_its_own_schemas(
    tmp_path: Path, start: str
) -> None:
    """A scheme ``init`` starts passes ``qualscore test`` at once (the empty one at full
    coverage, strict validation too), and each file's ``$schema`` is in its own folder."""
    import json

    folder = tmp_path / "elsewhere" / "x"
    folder.parent.mkdir()
    assert run_cli("init", str(folder), "--year", "2027", "--start", start)[0] == 0
    if start == "empty":  # (the demo has no tests of its own)
        code, out, _ = run_cli("test", str(folder), "--min-coverage", "100")
        assert code == 0, out
        assert run_cli("validate", str(folder), "--strict")[0] == 0
    else:
        assert run_cli("validate", str(folder))[0] == 0
    for path in [folder / "ruleset.yaml", *sorted(folder.glob("*/*.yaml"))]:
        if path.parent.name not in ("categories", "tests") and path.parent != folder:
            continue
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        pointed = path.parent / first.split("$schema=", 1)[1]
        assert pointed.resolve().parent == (folder / "schema").resolve(), path
        assert json.loads(pointed.read_text(encoding="utf-8"))["$id"].endswith(".schema.json")
