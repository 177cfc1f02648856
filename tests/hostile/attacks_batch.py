"""Attacks on ``qualscore batch``: one bad entity, a dead worker, a killed parent, folders."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import qualscore
from qualscore.batch import runner as batch
from qualscore.batch.pool import Pool

from . import ROOT, attack, run

RUGAO = ROOT / "rules/rugao-2018"
CITY = ROOT / "examples/rugao-2018/city-sample.yaml"
TOWNS_RULES = ROOT / "rules/rugao-2018-towns"
TOWNS = ROOT / "examples/rugao-2018/towns"


def city_table(path: Path, names: list[str], bad: dict[str, tuple[str, str]] | None = None) -> Path:
    """A CSV of cities with the sample city's facts; ``bad`` sets one cell of a named row."""
    rules = qualscore.load_rules(RUGAO)
    facts = qualscore.load_facts(rules, CITY).values
    keys = [f.key for f in rules.facts]
    row = [str(facts[k]).lower() if isinstance(facts[k], bool) else str(facts[k]) for k in keys]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["entity", *keys])
        for name in names:
            cells = list(row)
            if name in (bad or {}):
                key, value = (bad or {})[name]
                cells[keys.index(key)] = value
            writer.writerow([name, *cells])
    return path


def column(key: str) -> int:
    """The column of fact ``key`` in a :func:`city_table`."""
    return [f.key for f in qualscore.load_rules(RUGAO).facts].index(key) + 2


@contextmanager
def patched(obj: object, name: str, value: object) -> Iterator[None]:
    """``obj.name`` set to ``value`` while inside (the workers, forked, inherit it)."""
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def killing(
    victim: str, once: Path | None = None
) -> Callable[[batch.Work, batch.Entity], batch.Outcome]:
    """A scorer whose worker dies (SIGKILL) on entity ``victim``; only the first time with ``once``."""
    score = batch._score_checked

    def scorer(work: batch.Work, entity: batch.Entity) -> batch.Outcome:
        first = once is None or not once.exists()
        if entity.name == victim and os.getpid() != PARENT[0] and first:
            if once is not None:
                once.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return score(work, entity)

    return scorer


PARENT = [os.getpid()]


@attack("one overflowing cell (1e99999999999999999999) costs only its row, named with its column")
def attack_overflowing_cell(tmp: Path) -> None:
    table = city_table(tmp / "c.csv", ["a", "b", "c"], {"b": ("credit_reports", "1e99999999999999999999")})
    got = run(["batch", RUGAO, table, "--out", tmp / "out.csv"])
    assert got.code == 1, (got.code, got.err)
    assert f"{table}:3:{column('credit_reports')}: credit_reports" in got.err, got.err
    assert "2 scored, 1 could not be scored" in got.err
    assert len((tmp / "out.csv").read_text(encoding="utf-8").splitlines()) == 3


def veto_rules(tmp: Path) -> Path:
    """The towns' rule set with a veto reading a target some towns have none of."""
    rules = tmp / "towns"
    shutil.copytree(TOWNS_RULES, rules)
    with (rules / "ruleset.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "vetoes:\n"
            "  - id: brand\n"
            "    title: 名牌否决\n"
            "    when: jiangsu_brand_applications < jiangsu_brand_applications_target\n"
            "    result: 未完成\n"
            "    content: x\n"
            "    criteria: x\n"
            "    departments: [x]\n"
        )
    return rules


@attack("a veto reading a blank per-entity target is that entity's problem, not a NameError")
def attack_veto_reads_blank_target(tmp: Path) -> None:
    rules = veto_rules(tmp)
    for extra in ([], ["--out", str(tmp / "t.xlsx"), "--jobs", "2"]):
        got = run(["batch", rules, TOWNS, *extra])
        assert got.code == 1, (got.code, got.err)
        message = "东陈.yaml:1:1: jiangsu_brand_applications_target: blank, but veto 'brand' reads it"
        assert message in got.err, got.err
        assert "7 scored, 7 could not be scored" in got.err, got.err


@attack("control characters in entity names: scored escaped (files) or refused by row (tables)")
def attack_control_character_in_name(tmp: Path) -> None:
    folder = tmp / "in"
    folder.mkdir()
    for name in ("a\x07\x1b[31m", "b\x0bc", "plain"):
        shutil.copy(CITY, folder / f"{name}.yaml")
    for suffix in ("json", "csv", "xlsx", "html"):
        got = run(["batch", RUGAO, folder, "--out", tmp / f"out.{suffix}"])
        assert got.code == 0, (suffix, got.code, got.err)
    doc = json.loads((tmp / "out.json").read_text(encoding="utf-8"))
    names = sorted(r["entity"] for r in doc["ranking"])
    assert names == ["a\\x07\\x1b[31m", "b\\x0bc", "plain"], names
    table = city_table(tmp / "c.csv", ["a\x07", "plain"])
    got = run(["batch", RUGAO, table, "--out", tmp / "t.xlsx"])
    if got.code != 0:  # refused by the table reader: that row only, named, shown escaped
        assert got.code == 1 and f"{table}:2:" in got.err and "\x07" not in got.err, got.err


@attack("a facts file whose name is not UTF-8 is scored, its name shown escaped everywhere")
def attack_file_name_not_utf8(tmp: Path) -> None:
    folder = tmp / "in"
    folder.mkdir()
    shutil.copy(CITY, folder / "a.yaml")
    shutil.copy(CITY, os.fsdecode(bytes(folder) + b"/b\xff.yaml"))
    for suffix in ("json", "csv", "xlsx", "html"):
        got = run(["batch", RUGAO, folder, "--out", tmp / f"out.{suffix}"])
        assert got.code == 0, (suffix, got.code, got.err)
    doc = json.loads((tmp / "out.json").read_text(encoding="utf-8"))
    assert sorted(r["entity"] for r in doc["ranking"]) == ["a", "b\\xff"]
    from openpyxl import load_workbook

    load_workbook(tmp / "out.xlsx").close()  # a workbook that opens
    broken = os.fsdecode(bytes(folder) + b"/c\xfe.yaml")
    Path(broken).write_text("credit_reports: [", encoding="utf-8")
    got = run(["batch", RUGAO, folder])
    assert got.code == 1 and "c\\xfe.yaml:" in got.err, (got.code, got.err)


@attack("one cell openpyxl cannot parse refuses its XLSX table, naming the row, no traceback")
def attack_bad_xlsx_cell(tmp: Path) -> None:
    import zipfile

    from openpyxl import Workbook

    rules = qualscore.load_rules(RUGAO)
    facts = qualscore.load_facts(rules, CITY).values
    keys = [f.key for f in rules.facts]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["entity", *keys])
    for name in ("a", "b", "c"):
        sheet.append([name, *(v if isinstance(v := facts[k], bool) else float(v) for k in keys)])
    good = tmp / "good.xlsx"
    book.save(good)
    bad = tmp / "bad.xlsx"
    cell = b'r="S3"'
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                at = data.index(b"<v>", data.index(cell))
                data = data[:at] + b"<v>abc" + data[data.index(b"</v>", at) :]
            dst.writestr(item, data)
    run(["batch", RUGAO, bad]).user_error(f"{bad}: not a readable XLSX file: row 3 is damaged")


@attack("a worker killed once (kill -9) loses nothing: its chunks are scored again")
def attack_worker_killed_once(tmp: Path) -> None:
    if batch.workers(2) < 2:
        return  # one CPU: no worker processes to kill
    names = [f"e{i:03d}" for i in range(300)]
    table = city_table(tmp / "c.csv", names)
    with patched(batch, "_score_checked", killing("e150", once=tmp / "killed")):
        got = run(["batch", RUGAO, table, "--out", tmp / "out.csv", "--jobs", "2"])
    assert (tmp / "killed").exists(), "the worker was not killed"
    assert got.code == 0, (got.code, got.err)
    assert len((tmp / "out.csv").read_text(encoding="utf-8").splitlines()) == 301


@attack("an entity that kills its worker every time is reported with its row; the rest are written")
def attack_worker_killed_by_one_entity(tmp: Path) -> None:
    if batch.workers(2) < 2:
        return  # one CPU: no worker processes to kill
    names = [f"e{i:03d}" for i in range(300)]
    table = city_table(tmp / "c.csv", names)
    with patched(batch, "_score_checked", killing("e150")):
        got = run(["batch", RUGAO, table, "--out", tmp / "out.csv", "--jobs", "2"])
    assert got.code == 1, (got.code, got.err)
    assert got.err.splitlines() == [
        f"{table}:152: scoring this entity stopped its worker process twice; not scored",
        "qualscore: 299 scored, 1 could not be scored",
    ], got.err
    assert len((tmp / "out.csv").read_text(encoding="utf-8").splitlines()) == 300


def children(pid: int) -> list[int]:
    """The child processes of ``pid``, from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def start_batch(tmp: Path, rows: int) -> tuple[subprocess.Popen[bytes], list[int]]:
    """``qualscore batch --jobs 2`` on ``rows`` cities, started, with its two workers."""
    table = city_table(tmp / "c.csv", [f"e{i:05d}" for i in range(rows)])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "qualscore", "batch", str(RUGAO), str(table)]
    proc = subprocess.Popen(
        [*command, "--out", str(tmp / "out.csv"), "--jobs", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while len(kids := children(proc.pid)) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1].decode()
        time.sleep(0.05)
    assert len(kids) >= 2, "no worker processes started"
    time.sleep(0.3)
    return proc, kids


def gone(pids: list[int], seconds: float) -> bool:
    """Whether every process of ``pids`` has ended within ``seconds``."""
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(p) for p in pids)


def linux_only() -> bool:
    """Whether /proc lists children (the signal attacks need it)."""
    return Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


@attack("kill -9 of the parent of batch --jobs 2: its workers end within seconds", slow=True)
def attack_parent_killed(tmp: Path) -> None:
    if not linux_only():
        return
    proc, kids = start_batch(tmp, 3000)
    proc.kill()
    proc.wait(60)
    # Waited for, not timed: a busy machine may take a while to reap them.
    assert gone(kids, 60), f"workers still alive after the parent died: {kids}"
    assert not (tmp / "out.csv").exists()


@attack(
    "SIGTERM and Ctrl-C stop batch --jobs 2: workers ended, no traceback, no file, 143/130",
    slow=True,
)
def attack_parent_terminated(tmp: Path) -> None:
    if not linux_only():
        return
    for sig, code, word in ((signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")):
        proc, kids = start_batch(tmp, 3000)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)  # a busy machine is slow, not stuck
        assert proc.returncode == code, (sig, proc.returncode, err.decode())
        assert err.decode().splitlines() == [f"qualscore: {word}"], err.decode()
        assert gone(kids, 60), f"workers alive after {sig.name}: {kids}"
        assert sorted(p.name for p in tmp.iterdir()) == ["c.csv"], list(tmp.iterdir())


@attack("--jobs 0 and negative are refused (exit 2); --jobs 100 starts one process per CPU")
def attack_jobs_out_of_range(tmp: Path) -> None:
    for jobs in ("0", "-3"):
        run(["batch", TOWNS_RULES, TOWNS, f"--jobs={jobs}"]).user_error("--jobs", "at least 1")
    started: list[int] = []
    real = Pool.__init__

    def counting(self: Pool[Any, Any], size: int, *args: Any) -> None:
        started.append(size)
        real(self, size, *args)

    with patched(Pool, "__init__", counting):
        got = run(["batch", TOWNS_RULES, TOWNS, "--jobs", "100", "--out", tmp / "t.json"])
    assert got.code == 0, got.err
    cpus = batch.workers(100)
    assert cpus <= (os.cpu_count() or 1) and started == ([cpus] if cpus > 1 else []), started
    assert ("one per CPU" in got.err) == (cpus < 100), got.err


@attack("the README's batch example (a folder with *.expected.yaml files) exits 0")
def attack_readme_example(tmp: Path) -> None:
    examples = ROOT / "examples/rugao-2018"
    got = run(["batch", RUGAO, examples, "--out", tmp / "cities.xlsx", "--jobs", "2"])
    assert got.code == 0, (got.code, got.err[:300])
    assert (tmp / "cities.xlsx").exists()
