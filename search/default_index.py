"""The default index (``.planqa/index`` over ``seeds/``): found, or built when missing or outdated.

Only the default index is ever built by loading: a mistyped ``--index`` path is an error that creates
nothing, never the demo corpus. It is built through ``index.library.build``, as ``planqa build`` does,
so it records its files and ``planqa add``/``remove`` work on it afterwards.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from index.config import Config, index_dir
from index.encoders import Encoder
from index.store import FORMAT_VERSION, MANIFEST, IndexLoadError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def default_paths() -> tuple[str, ...]:
    """``seeds/`` of the working folder, else the one shipped beside the package."""
    return ("seeds",) if Path("seeds").is_dir() else (str(SEEDS),)


def outdated_default(path: Path, paths: Sequence[str | Path]) -> bool:
    """Whether the index at ``path`` is of an older format and holds only files of ``paths`` (the seeds),
    so that rebuilding it loses nothing; any other old index is left for the user to rebuild."""
    from index.reader import walk

    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("format_version") == FORMAT_VERSION or not manifest.get("sources"):
        return False
    available = {Path(name).name for _, name in walk(paths)[0]} if paths else set()
    return all(Path(name).name in available for name in manifest["sources"])


def locate_index(
    index: str | Path | None = None,
    build_if_missing: bool = True,
    paths: Sequence[str | Path] | None = None,
    quiet: bool = False,
    encoders: Mapping[str, Encoder] | None = None,
    config: Config | None = None,
) -> Path:
    """The folder of the index to load (``index``, ``PLANQA_INDEX`` or ``.planqa/index``).

    The default index (neither ``index`` nor ``PLANQA_INDEX`` given) is built over ``paths`` (default
    ``seeds/``) when it is missing, or rebuilt when an older planqa made it from those files only, with
    ``build_if_missing``; what happens is said on stderr unless ``quiet``.

    Raises:
        IndexLoadError: no index there (and not the default one to build); the message names the path
            and the command that builds it.
    """
    path = index_dir(index)
    default = index is None and not os.environ.get("PLANQA_INDEX")
    paths = tuple(paths or default_paths())
    if build_if_missing and default and outdated_default(path, paths):
        if not quiet:
            sys.stderr.write(f"The index at {path} was made by an older planqa; rebuilding it over the same files …\n")
        _build(paths, path, config, encoders, quiet)
    if not (path / MANIFEST).is_file():
        if not (build_if_missing and default):
            where = "" if default else f" --index {path}"
            raise IndexLoadError(f"no planqa index at {path.absolute()}; build one with "
                                 f"`planqa build{where} PATH…` (or check the --index / PLANQA_INDEX path)")
        if not quiet:
            where = ", ".join(f"{p}/" if Path(p).is_dir() else str(p) for p in paths)
            sys.stderr.write(f"No index at {path}; building the default index over {where} …\n")
        _build(paths, path, config, encoders, quiet)
    return path


def _build(paths: Sequence[str | Path], path: Path, config: Config | None,
           encoders: Mapping[str, Encoder] | None, quiet: bool) -> None:
    from index.library import build

    progress = None if quiet else (lambda source, stage: sys.stderr.write(f"{stage} {source}\n"))
    report = build(paths, index=path, config=config, encoders=encoders, progress=progress)
    for problem in report.problems:
        sys.stderr.write(f"{problem}\n")
