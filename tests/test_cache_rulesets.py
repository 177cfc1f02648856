"""The cache of loaded rule sets: a rule set rebuilt from it behaves as one loaded from its
files (the same scores, the same words, the same ``file:line:col`` of every warning and
error), and anything doubtful is no cache."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

import qualscore
from conftest import FIXTURES, ROOT, run_cli
from qualscore import _cache
from qualscore.cli.app import main
from qualscore.report.data import to_json
from qualscore.ruleset import loader, stored
from qualscore.ruleset.loader import RuleSet
from qualscore.source import yamlfile

FOLDERS = sorted(
    p.parent.relative_to(ROOT).as_posix()
    for p in [*ROOT.glob("rules/*/ruleset.yaml"), *ROOT.glob("examples/*/ruleset.yaml")]
)
"""Every rule set shipped."""


def facts_files(folder: str) -> list[Path]:
    """The example facts files of a shipped rule set (its entities', its worked cases')."""
    root = ROOT / folder
    where = [root / "entities", root / "facts", root / "counties"]
    if folder.startswith("rules/"):
        name = folder.removeprefix("rules/")
        towns = name.endswith("-towns")
        where.append(ROOT / "examples" / name.removesuffix("-towns") / ("towns" if towns else ""))
    found = [f for d in where if d.is_dir() for f in sorted(d.glob("*.yaml"))]
    return [f for f in found if not f.name.endswith(".expected.yaml")]


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A copy of the mini rule set to change."""
    return Path(shutil.copytree(FIXTURES / "mini", tmp_path / "mini"))


def both(folder: str | Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> tuple[RuleSet, RuleSet]:
    """The rule set loaded from its files, and rebuilt from the cache."""
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", "")
    source = qualscore.load_rules(folder)
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", str(cache))
    qualscore.load_rules(folder)  # loaded, and stored
    rebuilt = stored.recall(folder)
    assert rebuilt is not None
    return source, rebuilt


def outcome(ruleset: RuleSet, facts: Path) -> str:
    """What scoring ``facts`` gives: the JSON document, or the error's lines."""
    try:
        result = qualscore.evaluate(ruleset, qualscore.load_facts(ruleset, facts))
    except qualscore.QualscoreError as exc:
        return f"{type(exc).__name__}: {exc}"
    return to_json(result, result.language)


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_rebuilt_rule_set_is_the_rule_set_loaded(
    folder: str, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every shipped rule set, rebuilt from the cache, is stored as it was (every model, formula
    tree and position), scores each example facts file to the same document (or fails with
    the same error), and warns with the same words at the same places."""
    source, rebuilt = both(folder, monkeypatch, cache)
    assert stored.dumps(rebuilt) == stored.dumps(source)
    assert {n: d.marks for n, d in rebuilt.documents.items()} == {
        n: d.marks for n, d in source.documents.items()
    }
    files = facts_files(folder)
    assert files or folder.endswith("yunhe-quality") or folder.endswith("county-schools")
    for facts in files:
        assert outcome(rebuilt, facts) == outcome(source, facts), facts
    lint = qualscore.lint
    assert [str(w) for w in lint(rebuilt)] == [str(w) for w in lint(source)]
    from qualscore.linting.acknowledged import review

    assert [str(a) for a in review(rebuilt).acknowledged] == [
        str(a) for a in review(source).acknowledged
    ]


@pytest.mark.parametrize("folder", [f for f in FOLDERS if (ROOT / f / "tests").is_dir()])
def test_a_rule_sets_own_tests_run_alike_from_the_cache(
    folder: str, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`qualscore test` prints the same report whether its rule set came from the cache."""
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", "")
    cold = run_cli("test", ROOT / folder)
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", str(cache))
    run_cli("test", ROOT / folder)  # stores it
    assert list(cache.glob("*.data"))
    assert run_cli("test", ROOT / folder) == cold


def test_a_facts_error_points_at_the_same_place(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A facts file's errors, and those that point into the rule files, are told at the same
    file:line:col with the rule set from the cache."""
    source, rebuilt = both("rules/rugao-2018", monkeypatch, cache)
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "examples/rugao-2018/city-sample.yaml").read_text(encoding="utf-8")
    text = text.replace("credit_entry_rate: 87.3", "credit_entry_rate: 187.3", 1)
    text = text.replace("brand_plan: true", "brand_plan: maybe", 1)
    bad.write_text(text + "no_such_fact: 3\n", encoding="utf-8")
    errors = outcome(source, bad)
    assert errors.startswith("FactsError") and ":" in errors
    assert outcome(rebuilt, bad) == errors
    for node in ("1", "13", "19.1"):
        assert rebuilt.locations[node] == source.locations[node]
    assert rebuilt.locate("facts.yaml", ("facts", 3)) == source.locate("facts.yaml", ("facts", 3))


def test_the_second_load_reads_no_yaml(
    mini: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule set loaded before is rebuilt without parsing its YAML; a file changed since is
    loaded (and stored) again."""
    parsed: list[str] = []
    real = yamlfile.loads

    def spy(text: str, shown: str, **kwargs: object) -> object:
        parsed.append(shown)
        return real(text, shown, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(yamlfile, "loads", spy)
    first = qualscore.load_rules(mini)
    assert parsed and len(list(cache.glob("*.data"))) == 1
    parsed.clear()
    again = qualscore.load_rules(mini)
    assert parsed == [] and stored.dumps(again) == stored.dumps(first)
    (mini / "facts.yaml").write_text((mini / "facts.yaml").read_text() + "\n", encoding="utf-8")
    qualscore.load_rules(mini)
    assert parsed and len(list(cache.glob("*.data"))) == 2


def test_no_cache_when_it_is_off(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QUALSCORE_CACHE_DIR= : nothing stored, nothing looked up."""
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", "")
    monkeypatch.setattr(stored, "recall", lambda path: pytest.fail("looked up"))
    qualscore.load_rules(mini)


def entry(cache: Path) -> Path:
    [found] = cache.glob("*.data")
    return found


@pytest.mark.parametrize("how", ["truncated", "bytes changed",
                                 "foreign class", "group-writable", "not json"])  # fmt: skip
def test_a_doubtful_entry_is_no_cache(
    how: str, mini: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry cut short, edited, naming a class not allowed, or writable by others is not
    used: the rule set is loaded from its files."""
    want = stored.dumps(qualscore.load_rules(mini))
    stored._KEPT.clear()  # the entry on disk, not the rule set this process keeps
    path = entry(cache)
    raw = path.read_bytes()
    head, _, data = raw.partition(b"\n")
    if how == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif how == "bytes changed":
        path.write_bytes(raw.replace(b'"D","', b'"D","9', 1))
    elif how in ("foreign class", "not json"):
        if how == "foreign class":
            data = data.replace(b'"m","Manifest"', b'"m","Path"', 1)
        elif how == "not json":
            data = b"[1, {"
        key = json.loads(head)["key"]
        header = {"key": key, "checksum": _cache._data_checksum(key, data)}
        path.write_bytes(json.dumps(header).encode() + b"\n" + data)
    else:
        path.chmod(0o660)
    assert _cache.get_data(path.stem) is None or stored.recall(mini) is None
    parsed: list[str] = []
    real = yamlfile.loads
    monkeypatch.setattr(yamlfile, "loads", lambda *a, **k: parsed.append(a[1]) or real(*a, **k))
    assert stored.dumps(qualscore.load_rules(mini)) == want
    assert parsed  # loaded from its files


def test_a_view_of_one_entity_is_not_stored() -> None:
    """A view (what applies to one entity) is made from its rule set, never stored."""
    ruleset = qualscore.load_rules(ROOT / "examples/dept-appraisal")
    view = ruleset.view(ruleset.entities()[0])
    assert view is not ruleset
    with pytest.raises(stored.Unstorable, match="a view of one entity"):
        stored.dumps(view)


def test_a_cached_validate_miss_still_lints_the_same(
    mini: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`validate` of a rule set that `evaluate` stored (its findings not cached yet) prints
    what it prints without any cache."""
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", "")
    cold = run_cli("validate", ROOT / "rules/rugao-2018")
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", str(cache))
    qualscore.load_rules(ROOT / "rules/rugao-2018")
    assert run_cli("validate", ROOT / "rules/rugao-2018") == cold


def test_evaluate_from_the_cache_prints_the_same(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`qualscore evaluate --format json` prints the same bytes from a cached rule set."""
    argv = ["evaluate", "rules/rugao-2018", "examples/rugao-2018/city-sample.yaml", "--format",
            "json"]  # fmt: skip
    outs = []
    monkeypatch.chdir(ROOT)
    for _ in range(3):  # stores, then hits twice
        stored._KEPT.clear()  # rebuilt from the entry on disk, as in a new process
        out = io.StringIO()
        assert main(argv, stdout=out) == 0
        outs.append(out.getvalue())
    assert outs[0] == outs[1] == outs[2]
    first = loader.load_rules("rules/rugao-2018")
    assert loader.load_rules("rules/rugao-2018") is first  # kept by this process
    stored._KEPT.clear()
    assert loader.load_rules("rules/rugao-2018") is not first  # rebuilt from the entry


def test_a_process_keeps_the_last_rule_sets_it_loaded(
    mini: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same files loaded again in one process give the same rule set, its scorer
    compiled once; a file changed, another cache folder, or the rule set let go past
    KEPT_MOST loads it again; with the cache off nothing is kept."""
    first = qualscore.load_rules(mini)
    assert qualscore.load_rules(mini) is first
    assert qualscore.load_rules(str(mini) + "/") is not first  # another path as given
    manifest = mini / "ruleset.yaml"
    manifest.write_text(manifest.read_text("utf-8") + "\n", encoding="utf-8")
    changed = qualscore.load_rules(mini)
    assert changed is not first and changed.sha256 != first.sha256
    assert qualscore.load_rules(mini) is changed
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", str(cache / "elsewhere"))
    assert qualscore.load_rules(mini) is not changed
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", str(cache))
    assert qualscore.load_rules(mini) is changed
    for n in range(stored.KEPT_MOST):
        other = Path(shutil.copytree(mini, mini.parent / f"other-{n}"))
        kept = qualscore.load_rules(other)
    assert len(stored._KEPT) == stored.KEPT_MOST
    assert qualscore.load_rules(mini) is not changed  # the oldest, let go
    assert qualscore.load_rules(other) is kept
    monkeypatch.setenv("QUALSCORE_CACHE_DIR", "")
    assert qualscore.load_rules(mini) is not qualscore.load_rules(mini)


def test_threads_loading_at_once_share_one_rule_set(mini: Path) -> None:
    """Threads loading the same and other rule sets at once (the oldest let go as they
    go) each get a whole rule set, the same one for the same files once kept."""
    from concurrent.futures import ThreadPoolExecutor

    folders = [mini] + [
        Path(shutil.copytree(mini, mini.parent / f"copy-{n}")) for n in range(stored.KEPT_MOST)
    ]
    with ThreadPoolExecutor(4) as pool:
        loaded = list(pool.map(qualscore.load_rules, folders * 6))
    assert {r.sha256 for r in loaded} == {loaded[0].sha256}
    assert len(stored._KEPT) == stored.KEPT_MOST
    last = folders[-1]
    assert qualscore.load_rules(last) is qualscore.load_rules(last)
