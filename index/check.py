"""``planqa check``: verify every file of an index folder against the sha256 its manifest records.

Load (``index.store.load_index``) already checks sizes, counts across files and the checksums of the
files it parses whole; this also hashes the FAISS files, ``sources/`` and ``quote/``, and reports files
the manifest does not list. Read only: nothing in the folder is written.

Files an interrupted ``planqa add`` left (``index.append``: a segment's folder, files named with its
``NNNN-xxxxxxxx`` id, a half-written ``.manifest.json.*``) are not problems: the manifest never named
them, the index it names is whole, and the next update deletes them (``index.append.sweep``). They are
listed as ``CheckReport.notes``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from index.folder import file_digest
from index.store import MANIFEST, REBUILD, IndexLoadError, load_index


@dataclass(frozen=True)
class CheckReport:
    """What ``verify_index`` found: files checked, and one line per problem (empty: the index is sound)."""

    path: Path
    files: int
    problems: tuple[str, ...]
    build_id: str = ""
    build_time: str = ""
    notes: tuple[str, ...] = ()  # harmless findings (files an interrupted add left), one line each

    @property
    def ok(self) -> bool:
        return not self.problems


# ``index.append``'s names: segment ids (0003-1f2e3d4c) in a folder or file name, the manifest's temp file
_LEFT_BY_ADD = re.compile(r"(?:^|[./])\d{4}-[0-9a-f]{8}(?:[./]|$)|^\.manifest\.json\.")


def verify_index(path: str | Path) -> CheckReport:
    """Hash every file of the index at ``path`` and load it (counts across files).

    Never raises for a damaged index: every problem found is a line of ``CheckReport.problems``.
    """
    path = Path(path)
    manifest_file = path / MANIFEST
    if not manifest_file.is_file():
        return CheckReport(path, 0, (f"no planqa index at {path} (no {MANIFEST}); build one with `planqa build`",))
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        files: dict[str, dict] = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return CheckReport(path, 0, (f"{manifest_file} is unreadable or lists no files ({exc}); {REBUILD}",))
    problems: list[str] = []
    for name, entry in sorted(files.items()):
        file = path / name
        if not file.is_file():
            problems.append(f"{name}: missing")
        elif file_digest(file) != entry.get("sha256"):
            problems.append(f"{name}: checksum differs (edited or replaced)")
    listed = set(files) | {MANIFEST}
    notes: list[str] = []
    for file in sorted(path.rglob("*")):
        name = file.relative_to(path).as_posix()
        if not file.is_file() or name in listed:
            continue
        if _LEFT_BY_ADD.search(name):
            notes.append(f"{name}: left by an interrupted add, not part of the index (the next update removes it)")
        else:
            problems.append(f"{name}: not part of the index (added after the build)")
    if not problems:
        try:
            load_index(path)
        except IndexLoadError as exc:
            problems.append(str(exc))
    if problems:
        problems.append(f"the index at {path} cannot be trusted; {REBUILD}")
    return CheckReport(path, len(files), tuple(problems), manifest.get("build_id", ""), manifest.get("build_time", ""),
                       tuple(notes))
