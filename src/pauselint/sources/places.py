"""Where each character of a traced text was written, kept as runs, not one per character.

The kubelet's readers unquote and expand words, so a character of the value may come
from anywhere (another line, an EnvironmentFile); each must still say where it was
written, for a finding to point at the image. A Location per character did that at
the cost of one tuple per character of every env file and unit: over half the live
heap at 10,000 files (issue 16). Nearly every character follows the one before it on
the same line, so :class:`Places` keeps runs -- (path, line, first column) and where
each starts in the text -- and makes a Location only when one is asked for.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from pauselint.model import Location

# path, line, column of the run's first character (a column None stands alone)
_Run = tuple[str | None, int | None, int | None]


class Places(Sequence[Location]):
    """An immutable sequence of Locations, one per character, stored as runs."""

    __slots__ = ("_runs", "_size", "_starts")

    def __init__(self, runs: tuple[_Run, ...] = (), starts: tuple[int, ...] = (),
                 size: int = 0) -> None:
        self._runs = runs
        self._starts = starts
        self._size = size

    @classmethod
    def run(cls, path: str | None, line: int | None, column: int, count: int) -> Places:
        """``count`` characters side by side from ``column`` on one line."""
        return cls(((path, line, column),), (0,), count) if count > 0 else cls()

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Location: ...

    @overload
    def __getitem__(self, index: slice) -> Places: ...

    def __getitem__(self, index: int | slice) -> Location | Places:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._size)
            if step != 1:
                return Places.of([self[i] for i in range(start, stop, step)])
            if len(self._runs) == 1 and self._runs[0][2] is not None:
                # One run (a word, a line's tail): the slice is that run moved on.
                if start >= stop:
                    return Places()
                path, line, column = self._runs[0]
                return Places(((path, line, column + start),), (0,), stop - start)
            builder = PlacesBuilder()
            builder.extend_range(self, start, stop)
            return builder.build()
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError("Places index out of range")
        run = bisect.bisect_right(self._starts, index) - 1 if len(self._starts) > 1 else 0
        path, line, column = self._runs[run]
        return Location(path, line, None if column is None else column + index - self._starts[run])

    def __iter__(self) -> Iterator[Location]:
        for run, (path, line, column) in enumerate(self._runs):
            end = self._starts[run + 1] if run + 1 < len(self._runs) else self._size
            for offset in range(end - self._starts[run]):
                yield Location(path, line, None if column is None else column + offset)

    def runs(self) -> Iterator[tuple[_Run, int]]:
        """Each run and its length."""
        for run, first in enumerate(self._runs):
            end = self._starts[run + 1] if run + 1 < len(self._runs) else self._size
            yield first, end - self._starts[run]

    def moved(self, paths: Mapping[str | None, str | None]) -> Places:
        """These places with each run's path replaced as ``paths`` maps it: a reading
        remembered for one file, given to another file with the same text. The map
        is one to one, so runs merged before stay merged."""
        runs = tuple((paths.get(path, path), line, column) for path, line, column in self._runs)
        return Places(runs, self._starts, self._size)

    @classmethod
    def of(cls, locations: Sequence[Location]) -> Places:
        builder = PlacesBuilder()
        builder.extend(locations)
        return builder.build()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Places):  # runs are always merged, so equal means equal runs
            return (self._size, self._runs, self._starts) == (other._size, other._runs,
                                                              other._starts)
        if isinstance(other, (tuple, list)):
            return len(other) == self._size and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._size, self._runs, self._starts))

    def __repr__(self) -> str:
        return f"Places({list(self.runs())!r})"


class PlacesBuilder:
    """Collects Locations (singly, or runs of another sequence) into :class:`Places`,
    merging each into the run before it when it continues that run."""

    __slots__ = ("_runs", "_size", "_starts")

    def __init__(self) -> None:
        self._runs: list[_Run] = []
        self._starts: list[int] = []
        self._size = 0

    def add_run(self, path: str | None, line: int | None, column: int | None,
                count: int) -> None:
        if count <= 0:
            return
        if column is None:  # no column to count on: each such place is a run of its own
            for _ in range(count):
                self._runs.append((path, line, None))
                self._starts.append(self._size)
                self._size += 1
            return
        if self._runs:
            last_path, last_line, last_column = self._runs[-1]
            if (last_column is not None and last_path == path and last_line == line
                    and last_column + self._size - self._starts[-1] == column):
                self._size += count
                return
        self._runs.append((path, line, column))
        self._starts.append(self._size)
        self._size += count

    def append(self, location: Location) -> None:
        self.add_run(location.path, location.line, location.column, 1)

    def extend(self, locations: Sequence[Location]) -> None:
        self.extend_range(locations, 0, len(locations))

    def extend_range(self, locations: Sequence[Location], start: int, stop: int) -> None:
        """``locations[start:stop]``, without building them when they are Places."""
        if not isinstance(locations, Places):
            for location in locations[start:stop]:
                self.append(location)
            return
        runs, starts, size = locations._runs, locations._starts, locations._size
        count = len(runs)
        # From the run holding ``start`` (not from the first: a word's characters are
        # copied a stretch at a time), up to the one holding ``stop``.
        index = max(bisect.bisect_right(starts, start) - 1, 0)
        while index < count:
            first = starts[index]
            if first >= stop:
                return
            end = starts[index + 1] if index + 1 < count else size
            low, high = max(start, first), min(stop, end)
            if low < high:
                path, line, column = runs[index]
                self.add_run(path, line, None if column is None else column + low - first,
                             high - low)
            index += 1

    def build(self) -> Places:
        return Places(tuple(self._runs), tuple(self._starts), self._size)
