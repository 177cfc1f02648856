"""A new year in one command: ``qualscore new RULES_FROM RULES_TO --year 2019``.

The rule set is copied whole — rule files, source text, notes, targets and its
tests — with only the manifest's ``year`` and ``id`` changed (the old year in
the id becomes the new one; an id without it gets ``-<year>``). Everything
else is kept as it is, ready to edit: titles and texts that still name the old
year are pointed out, not changed. The ``# yaml-language-server: $schema=``
line of each file is re-pointed when the new folder is at another depth.

Nothing is overwritten: a folder that exists is refused. The copy is made in
a temporary folder beside the new one, loaded there, and renamed into place
only when it loads with its new id and year; whatever fails on the way, Ctrl-C
included, the temporary folder is removed and nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from qualscore.errors import Problem, SourceError
from qualscore.ruleset.loader import MANIFEST, RuleSet, load_rules
from qualscore.source import yamlfile as _yaml

__all__ = ["new_scheme", "new_year", "old_year_notes"]

_EMPTY = {
    "ruleset.yaml": """# yaml-language-server: $schema=../schema/ruleset.schema.json
# A new scheme: fill in the title, then the facts and the categories.
id: {id}
title: {id}
year: {year}
language: zh
rounding: {{places: 2, mode: half_up}}
total_points: 10
""",
    "facts.yaml": """# yaml-language-server: $schema=../schema/facts.schema.json
facts:
  - {{key: plan_issued, type: bool, label: 工作方案已印发}}
""",
    "categories/1-category.yaml": "# yaml-language-server: "
    + """$schema=../../schema/category.schema.json
id: "一"
title: 第一类
points: 10
items:
  - id: "1"
    title: 工作部署
    points: 10
    criteria: 工作方案印发的得10分，未印发的不得分。
    departments: [责任单位]
    score:
      kind: parts
      parts:
        - {{label: 工作方案已印发, points: 10, when: plan_issued}}
""",
    "tests/1-category.yaml": "# yaml-language-server: "
    + """$schema=../../schema/tests.schema.json
# Each case: facts, and the scores they must give. qualscore test RULES runs them.
cases:
  - name: 工作方案已印发，得10分
    facts: {{plan_issued: true}}
    expect: {{"1": 10}}
    total: 10
  - name: 工作方案未印发，不得分
    facts: {{plan_issued: false}}
    expect: {{"1": 0}}
    total: 0
""",
}
"""An empty scheme that loads, validates with no warning and passes its tests at full
coverage: one fact, one category, one item and two cases, ready to replace."""

SCHEMAS = "schema"
"""The folder, in a scheme ``init`` starts, of the JSON schemas its files point at."""

_SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)[ \t]*$", re.MULTILINE)
_PLAIN = re.compile(r"[^\s#,\]}]+")
_TAG = re.compile(r"!\S*[ \t]+")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def new_scheme(target: str, scheme_id: str, year: int, start: str = "empty") -> RuleSet:
    """Start a scheme in the new folder ``target``: an empty one, or a copy of the demo.

    Raises:
        SourceError: the folder exists, the id is not a valid one, or the year is out of range.
    """
    destination = Path(target)

    def refuse(message: str) -> SourceError:
        return SourceError([Problem(target, 0, 0, message)])

    if destination.exists() or destination.is_symlink():
        raise refuse("already exists; give a new folder (nothing was written)")
    if not destination.parent.is_dir():
        raise refuse(f"no such folder: {destination.parent}")
    if not _ID.match(scheme_id):
        raise refuse(f"--id {scheme_id!r}: letters, digits, '.', '_' and '-', up to 64")
    if not 1900 <= year <= 2200:
        raise refuse(f"--year {year} is not a year from 1900 to 2200")

    def build(copy: Path) -> None:
        if start == "demo":
            demo = _demo()
            if demo is None:
                raise refuse("the demo scheme (examples/demo) is not here to copy")
            shutil.copytree(demo, copy, symlinks=False)
            _edit_manifest(load_rules(demo), copy / MANIFEST, scheme_id, year)
        else:
            for name, text in _EMPTY.items():
                (copy / name).parent.mkdir(parents=True, exist_ok=True)
                (copy / name).write_text(text.format(id=scheme_id, year=year), encoding="utf-8")
        _own_schemas(copy)

    _place(destination, build, scheme_id, year)
    return load_rules(target)


def new_year(source: str, target: str, year: int) -> tuple[RuleSet, RuleSet]:
    """Copy the rule set in ``source`` to the new folder ``target`` for ``year``.

    Returns:
        The rule set copied, and the new one as loaded from ``target``.

    Raises:
        SourceError: the source does not load, the target exists, or the year is
            not a new one.
    """
    old = load_rules(source)
    destination = Path(target)
    _refuse(old, Path(source), destination, year)
    _refuse_special_files(Path(source))
    new_id = _new_id(old.id, old.manifest.year, year)

    def build(copy: Path) -> None:
        shutil.copytree(source, copy, symlinks=False)
        _edit_manifest(old, copy / MANIFEST, new_id, year)
        _repoint_schemas(Path(source), copy, destination)

    _place(destination, build, new_id, year)
    return old, load_rules(target)


def _place(destination: Path, build: Callable[[Path], None], new_id: str, year: int) -> None:
    """Build a rule set in a temporary folder beside ``destination``, check that it loads
    with ``new_id`` and ``year``, and only then rename it into place.

    Whatever fails on the way, Ctrl-C included, the temporary folder is removed:
    nothing is left behind, and nothing that was there is touched.

    Raises:
        SourceError: the folder cannot be written, the copy does not load (its
            problems named at the new folder's paths), or the new folder appeared
            in the meantime.
    """
    shown = str(destination)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    except OSError as exc:
        raise _cannot_write(shown, exc) from None
    try:
        copy = staging / destination.name
        build(copy)
        _check_copy(copy, shown, new_id, year)
        _rename_new(copy, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _cannot_write(shown: str, exc: OSError) -> SourceError:
    reason = (exc.strerror or type(exc).__name__).lower()
    return SourceError([Problem(shown, 0, 0, f"cannot write: {reason}; nothing was written")])


def _check_copy(copy: Path, shown: str, new_id: str, year: int) -> None:
    """Raises: SourceError: the copy does not load, or not with its new id and year."""
    nothing = Problem(shown, 0, 0, "the copy does not load (below); nothing was written")
    try:
        new = load_rules(copy)
    except SourceError as exc:
        inside = str(copy)
        moved = [
            replace(p, path=shown + p.path[len(inside) :]) if p.path.startswith(inside) else p
            for p in exc.problems
        ]
        raise SourceError([nothing, *moved]) from None
    if (new.id, new.manifest.year) != (new_id, year):
        message = (
            f"the copy reads id {new.id!r} and year {new.manifest.year}, not {new_id!r} and "
            f"{year}; set them by hand (nothing was written)"
        )
        raise SourceError([Problem(f"{shown}/{MANIFEST}", 0, 0, message)])


def _rename_new(copy: Path, destination: Path) -> None:
    """Rename ``copy`` to ``destination``, never over anything that is there.

    A POSIX rename replaces an empty folder, so the name is first claimed with
    ``mkdir`` (which fails if anything holds it), and the copy renamed over that
    claim, which is ours; the claim is removed if the rename fails.

    Raises:
        SourceError: the new folder exists by now, or cannot be written.
    """
    shown = str(destination)
    try:
        if os.name != "nt":  # Windows never renames over an existing folder
            destination.mkdir()
    except FileExistsError:
        message = "already exists; give a new folder (nothing was written)"
        raise SourceError([Problem(shown, 0, 0, message)]) from None
    except OSError as exc:
        raise _cannot_write(shown, exc) from None
    try:
        os.rename(copy, destination)
    except BaseException as exc:
        if os.name != "nt":
            with contextlib.suppress(OSError):  # only if still empty: then it is our claim
                destination.rmdir()
        if isinstance(exc, OSError):
            raise _cannot_write(shown, exc) from None
        raise


MAX_COPY_BYTES = 64 * 1024 * 1024
"""Most bytes copied from a rule-set folder (its notes, tests and sources included)."""


def _refuse_special_files(source: Path) -> None:
    """Refuse a folder holding anything but folders and regular files, or too much.

    A symbolic link is followed by a copy (a link to ``/dev/zero`` would fill the
    disk), and a FIFO would block it: neither belongs in a rule set, so the copy
    is refused before it starts, naming the entry.

    Raises:
        SourceError: a link, device, FIFO or socket in the folder, or more than
            ``MAX_COPY_BYTES`` in all.
    """
    total = 0
    for entry in sorted(source.rglob("*")):
        mode = entry.lstat().st_mode
        if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
            message = f"{kind}; a rule-set folder is copied only with files and folders"
            raise SourceError([Problem(str(entry), 0, 0, message)])
        total += entry.lstat().st_size if stat.S_ISREG(mode) else 0
        if total > MAX_COPY_BYTES:
            limit = MAX_COPY_BYTES // 2**20
            message = f"the folder holds more than {limit} MiB; nothing was copied"
            raise SourceError([Problem(str(source), 0, 0, message)])


def _refuse(old: RuleSet, source: Path, target: Path, year: int) -> None:
    shown = str(target)

    def refuse(message: str) -> SourceError:
        return SourceError([Problem(shown, 0, 0, message)])

    if target.exists() or target.is_symlink():
        raise refuse("already exists; give a new folder (nothing was written)")
    if not target.parent.is_dir():
        raise refuse(f"no such folder: {target.parent}")
    if target.resolve().is_relative_to(source.resolve()):
        raise refuse(f"is inside {source}; give a folder outside it")
    if year == old.manifest.year:
        raise refuse(f"--year {year} is the year of {old.path} already")
    if not 1900 <= year <= 2200:
        raise refuse(f"--year {year} is not a year from 1900 to 2200")


def _new_id(old_id: str, old_year: int, year: int) -> str:
    new_id = old_id.replace(str(old_year), str(year)) if str(old_year) in old_id else None
    if new_id is None or new_id == old_id:
        new_id = f"{old_id}-{year}"
    if not _ID.match(new_id):
        raise SourceError([Problem(old_id, 0, 0, f"cannot make a valid id for {year}: {new_id!r}")])
    return new_id


def _edit_manifest(old: RuleSet, path: Path, new_id: str, year: int) -> None:
    """Replace the values of ``id`` and ``year`` in place, keeping every comment and line."""
    doc = old.documents[MANIFEST]
    lines = path.read_text(encoding="utf-8").split("\n")
    for key, value in (("year", str(year)), ("id", new_id)):
        line, col = doc.marks[(key,)]
        text = lines[line - 1]
        rest = text[col - 1 :]
        tag = _TAG.match(rest)  # `year: !!int 2018`: the tag stays, the value changes
        if tag:
            col += tag.end()
            rest = rest[tag.end() :]
        if rest[:1] in ("'", '"'):
            end = rest.index(rest[0], 1) + 1
            token, value = rest[:end], rest[0] + value + rest[0]
        else:
            match = _PLAIN.match(rest)
            assert match is not None
            token = match.group()
        lines[line - 1] = text[: col - 1] + value + rest[len(token) :]
    path.write_text("\n".join(lines), encoding="utf-8")


def _demo() -> Path | None:
    """The demo scheme: inside the installed package, else in this checkout."""
    here = Path(__file__).resolve()
    for demo in (here.parents[1] / "_demo", here.parents[3] / "examples" / "demo"):
        if (demo / MANIFEST).is_file():
            return demo
    return None


def _own_schemas(copy: Path) -> None:
    """Write the JSON schemas into the new scheme's own ``schema/`` and point each rule and
    test file at its kind's there: they resolve wherever the folder is, without this
    repository."""
    from qualscore.analyst.schema import render

    folder = copy / SCHEMAS
    folder.mkdir(exist_ok=True)
    for kind in ("ruleset", "facts", "category", "tests"):
        (folder / f"{kind}.schema.json").write_text(render(kind), encoding="utf-8")
    kinds = {"ruleset.yaml": "ruleset", "facts.yaml": "facts"}
    for path in sorted(copy.rglob("*.yaml")):
        relative = path.relative_to(copy)
        if relative.parts[0] == "categories" and len(relative.parts) == 2:
            kind = "category"
        elif relative.parts[0] == "tests" and len(relative.parts) == 2:
            kind = "tests"
        else:
            kind = kinds.get(relative.as_posix(), "")
        if not kind:
            continue  # a base facts file of the tests: no schema of its own
        text = path.read_text(encoding="utf-8")
        found = _SCHEMA_LINE.search(text.split("\n", 1)[0])
        up = "../" * (len(relative.parts) - 1)
        line = f"# yaml-language-server: $schema={up}{SCHEMAS}/{kind}.schema.json"
        path.write_text(line + text[found.end() :] if found else f"{line}\n{text}",
                        encoding="utf-8")  # fmt: skip


def _repoint_schemas(source: Path, copy: Path, target: Path) -> None:
    """Make each relative ``$schema=`` path right from the file's new place."""
    for path in sorted(copy.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        found = _SCHEMA_LINE.search(text.split("\n", 1)[0])
        if found is None or "://" in found.group(1) or Path(found.group(1)).is_absolute():
            continue
        relative = path.relative_to(copy)
        schema = (source / relative).parent.resolve() / found.group(1)
        if not schema.exists():
            continue
        moved = os.path.relpath(schema, (target / relative).parent.resolve())
        line = f"# yaml-language-server: $schema={Path(moved).as_posix()}"
        path.write_text(line + text[found.end() :], encoding="utf-8")


def old_year_notes(old: RuleSet, new: RuleSet) -> list[str]:
    """Where the new rule set's title, and how many other lines, still name the old year."""
    year = str(old.manifest.year)
    notes = []
    if year in new.manifest.title:
        where = new.locate(MANIFEST, ("title",))
        notes.append(f"{where}: note: the title still says {year}; edit it if it should not")
    lines = sum(
        1
        for doc in new.documents.values()
        for line in _yaml.read_text(Path(new.path) / _name(new, doc), doc.path).splitlines()
        if year in line and not line.startswith("title:")
    )
    if lines:
        other = "1 other line" if lines == 1 else f"{lines} other lines"
        notes.append(f"{new.path}: note: {other} of the rule files name {year}")
    return notes


def _name(ruleset: RuleSet, doc: _yaml.Document) -> str:
    return doc.path[len(ruleset.path) + 1 :]
