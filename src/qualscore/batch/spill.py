"""Scored rows kept on disk while a batch runs, ranked once all are in.

A batch workbook shows every entity's row several times over (its scores, its
explanations, its departments) in rank order, which is known only once every
entity is scored. Held in memory, the rows of a detailed batch grow with the
entities (about 43 KB an entity of rules/rugao-2018, most of it the
explanations: over 4 GB for 100,000). A :class:`RowFile` pickles each row into
a scratch file as it comes and keeps only its sort key and its place in the
file; :meth:`RowFile.ranking` then reads the rows back in rank order, one at a
time, as often as a writer goes over them.

The scratch file is this process's own (unnamed, gone when closed): only rows it
wrote itself are ever unpickled.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from decimal import Decimal
from types import TracebackType
from typing import overload

from qualscore.batch.rows import Ranked, Row, ranks, sort_key

__all__ = ["Ranking", "RowFile"]


class RowFile:
    """Rows written to a scratch file as they come; in memory, each one's sort key and
    place in the file."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), as with a file
        self._keys: list[tuple[str, bool, Decimal, str, int, int]] = []

    def add(self, row: Row) -> None:
        """Keep ``row``."""
        data = pickle.dumps(row, pickle.HIGHEST_PROTOCOL)
        self._keys.append((*sort_key(row), self._file.tell(), len(data)))
        self._file.write(data)

    def names(self) -> Iterator[str]:
        """The names of the rows kept, in the order they came."""
        return (key[3] for key in self._keys)

    def ranking(self) -> Ranking:
        """The rows ranked (as :func:`~qualscore.batch.rows.ranking` ranks them), read from
        the file when asked for."""
        self._file.flush()
        keys = sorted(self._keys)
        places = array("q", (k[4] for k in keys))
        sizes = array("q", (k[5] for k in keys))
        numbers = array("q", ranks(k[:4] for k in keys))
        return Ranking(self, places, sizes, numbers)

    def read(self, place: int, size: int) -> Row:
        """The row kept at ``place``."""
        self._file.seek(place)
        row = pickle.loads(self._file.read(size))  # the file is this process's own
        assert isinstance(row, Row)
        return row

    def close(self) -> None:
        """Remove the scratch file."""
        self._file.close()

    def __enter__(self) -> RowFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Ranking(Sequence[Ranked]):
    """The rows of a :class:`RowFile` in rank order, each read when asked for: a ranking
    of any length in the memory of three numbers an entity."""

    def __init__(self, rows: RowFile, places: array[int], sizes: array[int],
                 numbers: array[int]) -> None:  # fmt: skip
        self._rows = rows
        self._places = places
        self._sizes = sizes
        self._numbers = numbers

    def __len__(self) -> int:
        return len(self._places)

    @overload
    def __getitem__(self, index: int) -> Ranked: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Ranked]: ...

    def __getitem__(self, index: int | slice) -> Ranked | Sequence[Ranked]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row = self._rows.read(self._places[index], self._sizes[index])
        return Ranked(self._numbers[index], row)

    def __iter__(self) -> Iterator[Ranked]:
        for i in range(len(self)):
            yield self[i]
