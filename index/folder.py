"""The files of an index folder: safe source names, checksums, and the staging folders of builds."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath


def source_path(name: str) -> PurePosixPath:
    """Where source ``name`` (a path relative to the corpus root) is kept under ``sources/``.

    Raises:
        ValueError: an absolute name, or one with ``..``, ``.`` or empty parts (it could leave the folder).
    """
    path = PurePosixPath(name)
    if not name or path.is_absolute() or "\\" in name or any(p in ("", ".", "..") for p in name.split("/")):
        raise ValueError(f"source name {name!r} is not a plain relative path; rename the file")
    return path


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inventory(folder: Path, skip: str) -> dict[str, dict]:
    """Size and sha256 of every file of ``folder`` but ``skip``, by POSIX path relative to it."""
    return {
        f.relative_to(folder).as_posix(): {"bytes": f.stat().st_size, "sha256": file_digest(f)}
        for f in sorted(folder.rglob("*")) if f.is_file() and f.relative_to(folder).as_posix() != skip
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_staging(target: Path) -> list[Path]:
    """Delete the staging folders (``.<name>.new-<pid>-…``, ``.<name>.old-<pid>-…``) beside ``target``
    left by a build that was killed (its process is gone); a running build's are kept."""
    removed = []
    for folder in target.parent.glob(f".{target.name}.*-*-*"):
        kind, _, rest = folder.name[len(target.name) + 2:].partition("-")
        pid = rest.split("-", 1)[0]
        if kind in ("new", "old") and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
