"""The chunks of a loaded index, read from ``chunks.jsonl`` when asked for rather than all at load.

``ChunkTable`` is a read-only sequence of ``Chunk``: the file is memory-mapped and only the byte offset
of each line is held (8 bytes a chunk); ``table[i]`` parses line ``i``. A search touches the few hundred
chunks it ranks, so RSS stays near the file's pages in use instead of every chunk as Python objects:
at 100k chunks the chunk objects alone were ~1.5 KB each (text, context, section path, ids), which
would be ~1.5 GB of a 1M-chunk index. Iterating (as ``Engine`` does once, for its id and document
maps) parses line by line and keeps nothing. An index that was added to holds its chunks in several files
(the base ``chunks.jsonl``, then one per added segment, ``index.append``): their rows follow one another.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.types import Chunk

# Recently read chunks kept parsed: one question's candidates are read again by each ranking stage.
CACHED_CHUNKS = 4096
BLANK_CHECK = 16


def _lines(path: Path) -> tuple[mmap.mmap | bytes, np.ndarray, np.ndarray]:
    """The file mapped, and the byte range of each of its non-blank lines."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    raw = np.frombuffer(mapped, dtype=np.uint8) if size else np.zeros(0, dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n")) + 1
    if size and (not len(ends) or ends[-1] != size):
        ends = np.append(ends, size)  # a last line without its newline
    starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
    # Blank lines are not chunks, as index.store's JSONL reader skips them: a JSON object takes at least
    # "{}", so only the few lines shorter than BLANK_CHECK bytes are looked at ("\r\n", "  \n").
    keep = ends - starts > 1
    for row in np.flatnonzero(keep & (ends - starts < BLANK_CHECK)):
        keep[row] = bool(bytes(mapped[starts[row]:ends[row]]).strip())
    del raw  # no exported buffer left on the map, so it can be closed
    return mapped, starts[keep], ends[keep].astype(np.int64)


class ChunkTable(Sequence):
    """``Chunk`` ``i`` is line ``i`` of a JSONL file (one ``Chunk.to_dict()`` a line), or of several files
    read one after the other."""

    def __init__(self, path: str | Path | Sequence[str | Path]):
        paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
        self.path = paths[0]
        self.paths = tuple(paths)
        maps, starts, ends, files = [], [], [], []
        for number, file in enumerate(paths):
            mapped, file_starts, file_ends = _lines(file)
            maps.append(mapped)
            starts.append(file_starts)
            ends.append(file_ends)
            files.append(np.full(len(file_starts), number, dtype=np.int32))
        self._maps = maps
        self._starts, self._ends = np.concatenate(starts), np.concatenate(ends)
        self._files = np.concatenate(files)
        self._row = lru_cache(maxsize=CACHED_CHUNKS)(self._parse)

    def _parse(self, row: int) -> Chunk:
        line = self._maps[int(self._files[row])][int(self._starts[row]):int(self._ends[row])]
        return Chunk.from_dict(json.loads(line.decode("utf-8")))

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self._row(i) for i in range(*item.indices(len(self)))]
        row = int(item)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(f"chunk row {item} out of range (the index has {len(self)} chunks)")
        return self._row(row)

    def __iter__(self) -> Iterator[Chunk]:
        for row in range(len(self)):
            yield self._parse(row)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ChunkTable | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # equal to lists, so unhashable like them

    def __add__(self, other: Sequence[Chunk]) -> list[Chunk]:
        return list(self) + list(other)

    def __repr__(self) -> str:
        files = str(self.path) if len(self.paths) == 1 else f"{self.path} and {len(self.paths) - 1} more"
        return f"ChunkTable({files!r}, {len(self)} chunks)"
