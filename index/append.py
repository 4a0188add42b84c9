"""Adding files to an index without writing it again: a segment of their own, then a new manifest.

An add that only brings new files (every stored file kept as it is, same config, BM25 term frequencies
and token ids of this tokenizer in the index, no search backend of its own) writes only what is new:

- ``segments/<id>/``: the new documents, sections and chunks (rows after every stored one) and their BM25
  token ids; ``sources/`` and ``pages/`` gain the new files' texts and page maps;
- ``quote/<id>/``: the new documents' quote keys, a part the quote index joins after the others;
- ``bm25.<id>/``: BM25 with the new rows, every entry scored again from the stored term frequencies
  (``index.bm25_tokens.bm25_appended``: the scores equal a rebuild's; idf and average length change for all);
- ``dense[.<channel>].<encoder>.<id>.faiss``: each FAISS index with the new vectors added (an IVF one
  stays trained), the new windows embedded through the embedding cache only.

Then ``manifest.json`` is replaced in one rename: it names every file of the index with its sha256, so
until that rename the index is the previous one, whole, and a failed or interrupted add leaves nothing
it refers to changed. Files of the previous version no longer named (its BM25 and FAISS files) are then
deleted, and so are files no manifest names (what a killed add left) at the start of the next update.
At 100k synthetic chunks this writes 348 MB (BM25 and FAISS, which change everywhere) instead of the
1.15 GB folder (``benchmarks/bench_scale.py``). Past ``MAX_SEGMENTS`` segments an add writes one compact
folder again (``index.update``'s whole path).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from index.bm25_tokens import TOKENS_DIR, bm25_appended, save_bm25
from index.build import DENSE_CHANNELS, dense_encoders, dense_units, indexed_text
from index.catalog import LibraryFile, library_files
from index.config import Config, cache_dir
from index.embed_cache import EmbeddingCache
from index.encoders import Encoder, get_encoder
from index.folder import file_digest, source_path
from index.page_map import PagesKept, folder_of, write_pages
from index.quote_index import QuoteIndex
from index.reader import FileReport
from index.reuse import CachedTokenizer, tokens_version
from index.store import MANIFEST, QUOTE, SEGMENTS, SOURCES, StoredIndex, _section_dict, _write_jsonl
from index.tokenize import get_tokenizer
from index.update import Entry, LibraryReport, Progress, read_new

# Segments an index holds before an add writes it whole again: each costs a few small files at load
# (three JSONL files, a ChunkTable part, a quote part whose 3-gram table is searched on its own).
MAX_SEGMENTS = 64


def appendable(stored: StoredIndex | None, entries: list[Entry], config: Config) -> bool:
    """Whether the next index is ``stored`` plus new files only, and ``stored`` keeps what an add needs."""
    if stored is None or stored.path is None or stored.config != config:
        return False
    manifest = stored.manifest
    if "library" not in manifest or manifest.get("backend") or len(manifest.get(SEGMENTS, [])) >= MAX_SEGMENTS:
        return False
    stored_records = {(r.source, r.doc_ids) for r in library_files(stored)}
    kept = [(e.record.source, e.record.doc_ids) for e in entries if e.kept is not None]
    if len(kept) != len(stored_records) or set(kept) != stored_records:
        return False  # a file removed, replaced or cut down: the whole path
    if getattr(stored.bm25, "tf", None) is None or set(stored.dense) != set(dense_encoders(config)):
        return False
    return _tokens_made(stored) == {"mode": config.bm25_tokens, "version": tokens_version()}


def _tokens_made(stored: StoredIndex) -> dict | None:
    entry = stored.manifest.get("bm25", {}).get("token_ids")
    try:
        made = json.loads((stored.path / entry / "tokens.json").read_text(encoding="utf-8")) if entry else None
    except (OSError, ValueError):
        return None
    return {k: made.get(k) for k in ("mode", "version")} if isinstance(made, dict) else None


def append(target: Path, stored: StoredIndex, entries: list[Entry], config: Config, roots: dict,
           encoders: Mapping[str, Encoder] | None, cache: str | Path | None, progress: Progress | None,
           refused: list[FileReport], **names: list[str]) -> LibraryReport:
    """Read the new entries, write them as a segment of ``stored`` and switch the manifest to it."""
    started = time.perf_counter()
    progress = progress or (lambda source, stage: None)
    sweep(target, stored.manifest)
    taken = {d.doc_id for d in stored.documents}
    reports, read = list(refused), []
    for entry in entries:
        if entry.kept is None:
            report, file = read_new(entry.record, config, taken, progress)
            reports.append(report)
            if file is not None:
                read.append(file)
    chunks = [c for f in read for c in f.chunks]
    tokenizer = CachedTokenizer(get_tokenizer(config.bm25_tokens), cache_dir(cache))
    # The new chunks' BM25 tokens on a thread of their own: jieba (its dictionary load, then the cut) holds
    # the GIL while the embedding and the FAISS and file writes below leave it, and the tokens are needed
    # only when BM25 is scored, last. At 100k chunks the add's non-embedding seconds were ~2 s of jieba.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tokens") as pool:
        token_lists = pool.submit(lambda: [tokenizer.tokenize(indexed_text(c)) for c in chunks])
        encoders = {c: (encoders or {}).get(c) or get_encoder(name) for c, name in dense_encoders(config).items()}
        embed_cache = EmbeddingCache(cache_dir(cache))
        embedded, vectors = dict.fromkeys(encoders, 0), {c: [] for c in encoders}
        embed_started = time.perf_counter()
        for file in read:  # per file, so the app can show which file is being embedded
            progress(file.record.source, "embedding")
            for channel, encoder in encoders.items():
                texts, _ = dense_units(file.chunks, DENSE_CHANNELS[channel](config)[1])
                block, count = embed_cache.embed(encoder, texts, config.embed_batch)
                vectors[channel].append(block)
                embedded[channel] += count
        embed_seconds = time.perf_counter() - embed_started

        manifest = json.loads(json.dumps(stored.manifest))  # a copy to edit
        segment = f"{len(manifest.get(SEGMENTS, [])) + 1:04d}-{uuid.uuid4().hex[:8]}"
        written: list[Path] = []
        try:
            if chunks:
                _write_segment(target, stored, segment, read, chunks, token_lists, vectors, config, manifest,
                               written)
            _library(manifest, entries, read, reports, roots)
            manifest["build_id"] = uuid.uuid4().hex
            manifest["build_time"] = datetime.now(UTC).isoformat(timespec="seconds")
            superseded = _switch(target, stored.manifest, manifest)
        except BaseException:
            for path in written:
                shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            raise
    for name in superseded:  # the previous version's BM25 and FAISS files
        (target / name).unlink(missing_ok=True)
    _remove_empty_folders(target)
    tokenizer.save()
    indexed = {f.record.source for f in read}
    names = {k: [n for n in v if n in indexed] if k in ("added", "replaced") else v for k, v in names.items()}
    return LibraryReport(
        path=target, **{k: tuple(v) for k, v in names.items()},
        problems=tuple(r.message for r in reports if r.status != "taken"), files=tuple(reports),
        documents=manifest["counts"]["documents"], chunks=manifest["counts"]["chunks"], embedded=embedded,
        seconds=time.perf_counter() - started, embed_seconds=embed_seconds, appended=True,
    )


def _write_segment(target: Path, stored: StoredIndex, segment: str, read: list, chunks: list,
                   token_lists: Future, vectors: dict[str, list[np.ndarray]], config: Config,
                   manifest: dict, written: list[Path]) -> None:
    """Write the new files of ``segment`` (noting each in ``written`` first) and enter them in ``manifest``."""
    digests = _Digests(target)
    try:
        _write_files(target, stored, segment, read, chunks, token_lists, vectors, config, manifest, written, digests)
    finally:
        files = digests.result()
    manifest["files"].update(files)


def _write_files(target: Path, stored: StoredIndex, segment: str, read: list, chunks: list,
                 token_lists: Future, vectors: dict[str, list[np.ndarray]], config: Config,
                 manifest: dict, written: list[Path], digests: _Digests) -> None:
    import faiss

    from index.ann import append_flat_file, read_ann

    files = manifest["files"]
    first = len(stored.chunks)
    # the FAISS files first: the largest to write and hash, hashed while BM25 is scored
    for entry in manifest["encoders"]:
        dense = stored.dense[entry["channel"]]
        _, rows = dense_units(chunks, DENSE_CHANNELS[dense.channel](config)[1])
        added = np.concatenate(vectors[dense.channel])
        name = f"{dense.file.removesuffix('.faiss')}.{segment}.faiss"
        written.append(target / name)
        if append_flat_file(stored.path / entry["file"], target / name, added, rows + first):
            digests.file(target / name)  # a Flat index: the old file copied, the new vectors after it
        else:
            index = read_ann(stored.path / entry["file"], mmap=False)  # a mapped index cannot grow
            index.add_with_ids(added, rows + first)
            writer = faiss.VectorIOWriter()  # into memory: one write, hashed from memory
            # room for the whole file first (resize then clear keeps the capacity): growing by doubling
            # copied the file twice over
            writer.data.resize((stored.path / entry["file"]).stat().st_size + len(rows) * (4 * dense.dim + 8)
                               + (1 << 20))
            writer.data.clear()
            faiss.write_index(index, writer)
            del index
            data = faiss.rev_swig_ptr(writer.data.data(), writer.data.size())  # a view of the writer's bytes
            (target / name).write_bytes(memoryview(data))
            digests.data(target / name, memoryview(data), keep=writer)
        files.pop(entry["file"], None)
        entry.update(file=name, vectors=int(entry["vectors"]) + len(rows))

    folder = target / SEGMENTS / segment
    written.append(folder)
    folder.mkdir(parents=True)
    documents = [d for f in read for d in f.documents]
    _write_jsonl(folder / "documents.jsonl", [d.to_dict() for d in documents])
    _write_jsonl(folder / "sections.jsonl", [_section_dict(s) for f in read for s in f.sections])
    _write_jsonl(folder / "chunks.jsonl", [c.to_dict() for c in chunks])

    sources = {f.record.source: f.text for f in read}
    for name, text in sources.items():
        file = target / SOURCES / source_path(name)
        if f"{SOURCES}/{source_path(name)}" in files:
            raise ValueError(f"{name} is already a source of the index at {target}; rebuild with `planqa build`")
        written.append(file)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(text.encode("utf-8"))  # bytes: the sha256 is the text's, as index.store writes them
        digests.file(file)
    pages: dict[str, PagesKept] = {f.record.source: f.pages for f in read if f.pages}
    written += [target / folder_of(source) for source in pages]
    write_pages(target, pages)
    for source in pages:
        digests.file(target / folder_of(source))

    quote = target / QUOTE / segment
    written.append(quote)
    corpus = _corpus_hash(target, manifest, sources)
    QuoteIndex.of_sources(documents, sources).save(quote, corpus)
    digests.file(quote)

    bm25 = bm25_appended(stored.bm25, token_lists.result(), config.bm25_k1, config.bm25_b)
    old_vocab = len(stored.bm25.scores["indptr"]) - 1
    bm25.token_ids.save_segment(folder / TOKENS_DIR, config.bm25_tokens, tokens_version(), old_vocab)
    digests.file(folder)
    bm25_dir = f"bm25.{segment}"
    written.append(target / bm25_dir)
    (target / bm25_dir).mkdir()
    save_bm25(bm25, target / bm25_dir)
    digests.file(target / bm25_dir)
    for old in [n for n in files if n.startswith(f"{manifest['bm25']['dir']}/")]:
        del files[old]

    manifest["bm25"].update(dir=bm25_dir, vocab=len(bm25.vocab_dict))
    manifest[SEGMENTS] = [*manifest.get(SEGMENTS, []), segment]
    manifest[QUOTE] = {"parts": [*manifest.get(QUOTE, {}).get("parts", []), segment]}
    manifest["corpus_hash"] = corpus
    counts = manifest["counts"]
    counts.update(documents=counts["documents"] + len(documents),
                  sections=counts["sections"] + sum(len(f.sections) for f in read),
                  chunks=counts["chunks"] + len(chunks))
    manifest["sources"] = sorted({*manifest.get("sources", []), *sources})


class _Digests:
    """The size and sha256 of each file written, hashed on other threads while the next file is made
    (hashlib and file reads leave the GIL): ~350 MB at 100k chunks, 0.7 s hashed after the writes."""

    def __init__(self, target: Path):
        self.target, self.pool, self.pending = target, ThreadPoolExecutor(max_workers=2), {}

    def file(self, path: Path) -> None:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                self.pending[file.relative_to(self.target).as_posix()] = self.pool.submit(
                    lambda f=file: {"bytes": f.stat().st_size, "sha256": file_digest(f)})

    def data(self, path: Path, data: memoryview, keep: object = None) -> None:
        """``data``: what was written to ``path``; ``keep``: what owns its memory, held until it is hashed."""
        self.pending[path.relative_to(self.target).as_posix()] = self.pool.submit(
            lambda: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), **({} if keep else {})})

    def result(self) -> dict[str, dict]:
        try:
            return {name: future.result() for name, future in self.pending.items()}
        finally:
            self.pool.shutdown()


def _corpus_hash(target: Path, manifest: dict, added: Mapping[str, str]) -> str:
    """``index.build.corpus_hash`` of the stored sources and the ``added`` ones (stored ones read as bytes:
    the files hold exactly the texts' UTF-8)."""
    texts = {name: None for name in manifest.get("sources", [])} | dict(added)
    digest = hashlib.sha1()
    for name in sorted(texts):
        text = texts[name]
        raw = text.encode("utf-8") if text is not None else (target / SOURCES / source_path(name)).read_bytes()
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha1(raw).digest())
    return digest.hexdigest()


def _library(manifest: dict, entries: list[Entry], read: list, reports: list[FileReport], roots: dict) -> None:
    """The manifest's file records (the kept ones as the entries have them: a rescan may have found a file
    elsewhere) and per-file report, with the new files."""
    records = [e.record.to_dict() for e in entries if e.kept is not None] + [f.record.to_dict() for f in read]
    kept = {e.record.source for e in entries if e.kept is not None}
    old = [r for r in manifest.get("report", []) if r.get("file") in kept]
    new = [{"file": r.name, **{k: v for k, v in r.to_dict().items() if k not in ("name", "path")}} for r in reports]
    manifest["report"] = old + new
    manifest["library"] = {**roots, "code_version": manifest["library"].get("code_version", ""), "files": records}


def _switch(target: Path, previous: dict, manifest: dict) -> list[str]:
    """Replace ``target``'s manifest by ``manifest`` in one rename; the files only ``previous`` names."""
    tmp = target / f".{MANIFEST}.{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, target / MANIFEST)  # atomic: a reader sees the old manifest or the new one
    finally:
        tmp.unlink(missing_ok=True)
    return sorted(set(previous.get("files", {})) - set(manifest["files"]))


def sweep(target: Path, manifest: dict) -> list[str]:
    """Delete the files of ``target`` its manifest does not name (what an interrupted add left)."""
    listed = set(manifest.get("files", {})) | {MANIFEST}
    removed = []
    for file in sorted(target.rglob("*")):
        name = file.relative_to(target).as_posix()
        if (file.is_file() or file.is_symlink()) and name not in listed:
            file.unlink(missing_ok=True)
            removed.append(name)
    _remove_empty_folders(target)
    return removed


def _remove_empty_folders(target: Path) -> None:
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()


__all__ = ["MAX_SEGMENTS", "LibraryFile", "append", "appendable", "sweep"]
