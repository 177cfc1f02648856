"""One report per scored entity, written into a folder as the batch goes.

Every file name is settled before the first report is written
(:func:`qualscore.batch.names.plan`), from all the entities' names, so that
it is the same whatever their order or the number of processes. No report is
written over an input of the run (a facts file, a table, ``--compare``...) or
over its ``--out``: such a file goes to no entity, and the entity whose name
asked for it is given the next free name. An entity whose report is not
where its name says is told so when its report is written; a report that
cannot be written costs that report only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from qualscore.batch.names import Planned, key, plan
from qualscore.batch.units import shown
from qualscore.errors import SourceError
from qualscore.source.files import Inputs, write_atomic

__all__ = ["PerEntity"]

Render = Callable[[], str | bytes]
"""Renders one entity's report (called only once its file name is known)."""


class PerEntity:
    """The reports of one batch, one per entity, in ``folder``.

    Attributes:
        written: How many reports were written.
        failed: How many could not be.
    """

    def __init__(
        self,
        folder: str | Path,
        suffix: str,
        names: Iterable[str],
        *,
        inputs: Iterable[str | Path],
        out: str | None = None,
    ) -> None:
        """Plan a report file for each of ``names``.

        Raises:
            OSError: ``folder`` cannot be made.
        """
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.inputs = Inputs(inputs)
        self.out = Inputs([out] if out else [])
        self._reserved = {
            **self._names_in_folder(self.inputs, "an input"),
            **self._names_in_folder(self.out, "the --out file"),
        }
        self.plan: dict[str, Planned] = plan(names, suffix, taken=self._taken)
        self.written = 0
        self.failed = 0

    def write(self, name: str, render: Render) -> list[str]:
        """Write entity ``name``'s report; return what to tell of it (a note, a problem)."""
        planned = self.plan.get(name)
        if planned is None:  # not among the names read before scoring: never expected
            self.failed += 1
            return [shown(f"{self.folder}: no file name was planned for entity {name!r}")]
        target = self.folder / planned.file
        try:
            document = render()
        except RuntimeError as exc:  # a PDF the browser could not print
            self.failed += 1
            return [shown(f"{target}: cannot be made: {exc}")]
        try:
            write_atomic(target, document, inputs=self.inputs)
        except SourceError as exc:
            self.failed += 1
            return [shown(str(p)) for p in exc.problems]
        except OSError as exc:
            self.failed += 1
            return [shown(f"{target}: cannot write: {(exc.strerror or str(exc)).lower()}")]
        self.written += 1
        if planned.note is None:
            return []
        return [shown(f"qualscore: note: the report of entity {name!r} is {target}: "
                      f"{planned.note}")]  # fmt: skip

    def _taken(self, file: str) -> str | None:
        """What ``file`` in the folder is when no report may be written there, else None."""
        found = self._reserved.get(key(file))
        if found is not None:
            return found
        path = self.folder / file
        if self.inputs.owner(path) is not None:
            return "an input"
        if self.out.owner(path) is not None:
            return "the --out file"
        return None

    def _names_in_folder(self, paths: Inputs, what: str) -> dict[str, str]:
        """The file names, by :func:`key`, of those ``paths`` that lie in the folder itself.

        A file system that ignores case holds ``Last.json`` and ``last.json`` as one file:
        they are kept apart by their key, as the reports are.
        """
        folder = os.path.realpath(self.folder)
        found = {}
        for given in paths:
            for path in (Path(given).absolute(), Path(os.path.realpath(given))):
                if os.path.realpath(path.parent) == folder:
                    found[key(path.name)] = what
        return found
