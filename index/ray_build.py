"""Builds on a Ray cluster: reading/chunking and embedding as Ray Data stages, the rest as ``index.build``.

Stage 1 reads and chunks one file per task (``index.reader.read_file`` + ``index.corpus.ingest_file``,
what ``read_corpus`` does in-process); stage 2 embeds every sentence window of every dense channel with
``map_batches`` over a stateful encoder class, so each actor loads its model once and keeps it. The
driver then tokenises, writes BM25/FAISS/the backend and the index folder through
``index.build.build_index``, given the Ray vectors (nothing is embedded twice), so the index is the
one the in-process build writes, into either backend (``Config.backend``).

``address`` ``"local"`` starts a local cluster (``num_cpus`` CPUs, no dashboard); any other value is
passed to ``ray.init`` (``ray://head:10001``, ``auto``). Workers are told where the models are
(``PLANQA_MODELS``) and to use one thread each (``PLANQA_THREADS=1``): one actor per core.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.config import Config, cache_dir, models_dir


@dataclass(frozen=True)
class RaySummary:
    """What a Ray build did: the ``BuildSummary`` fields the CLI prints, and seconds per stage."""

    path: Path
    documents: int
    chunks: int
    seconds: float
    embedded: dict[str, int] = field(default_factory=dict)  # channel -> texts embedded on the cluster
    stages: dict[str, float] = field(default_factory=dict)  # read_chunk, embed:<channel>, write


def start_ray(address: str | None = "local", num_cpus: int = 2) -> None:
    """Connect to ``address`` or start a local cluster; a running connection is reused."""
    import ray

    if ray.is_initialized():
        return
    env = {"env_vars": {"PLANQA_MODELS": str(models_dir().absolute()), "PLANQA_THREADS": "1",
                        "PLANQA_CACHE": str(cache_dir().absolute())}}
    if address in (None, "", "local"):
        # Ray gives a starting node 30 s to register; on a loaded 2-core machine that is sometimes too
        # little (seen at load average 15-25), and a second attempt then starts.
        for attempt in range(3):
            try:
                ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, runtime_env=env,
                         configure_logging=False)
                break
            except Exception as exc:  # Ray raises a bare Exception for a node that timed out
                ray.shutdown()
                if attempt == 2 or "timed out during startup" not in str(exc):
                    raise
    else:
        ray.init(address=address, runtime_env=env, log_to_driver=False)
    _quiet_progress()


def _quiet_progress() -> None:
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False


def _read_chunk(batch: dict, config: dict) -> dict:
    """Ray task: read and chunk files; everything back as JSON strings (no pickles of our types)."""
    from index.corpus import ingest_file
    from index.page_map import pages_of_file
    from index.reader import FileReport, SourceError, read_file

    conf = Config.from_dict(config)
    out = []
    for path, name in zip(batch["path"], batch["name"], strict=True):
        try:
            src = read_file(path, name)
        except (OSError, SourceError) as exc:
            reason = str(exc).removeprefix(f"{name}: ")
            out.append(json.dumps({"report": FileReport(name, path, "skipped", reason).__dict__}))
            continue
        documents, sections, chunks = ingest_file(src, conf)
        kept = pages_of_file(src)
        out.append(json.dumps({
            "report": FileReport.of(src).__dict__, "text": src.text,
            "page_map": kept.map.to_dict() if kept else None,
            "documents": [d.to_dict() for d in documents],
            "sections": [{**s.__dict__, "path": list(s.path)} for s in sections],
            "chunks": [c.to_dict() for c in chunks],
        }, ensure_ascii=False))
    return {"file": np.array(out, dtype=object)}


class _Embedder:
    """Ray actor: one encoder, loaded once; each row it is given is one whole batch of windows."""

    def __init__(self, name: str):
        from index.encoders import get_encoder

        self.encoder = get_encoder(name)

    def __call__(self, rows: dict) -> dict:
        out = []
        for texts in rows["texts"]:
            vectors = np.asarray(self.encoder.encode(json.loads(texts)), dtype=np.float32)
            out.append(vectors.tobytes())
        return {"start": rows["start"], "vectors": np.array(out, dtype=object)}


def read_on_ray(paths: Iterable[str | Path], config: Config):
    """The corpus of ``paths``, read and chunked on the cluster (``index.corpus.Corpus``), with the files
    named as ``index.catalog.scan`` names them (what the library records)."""
    import ray.data

    from index.catalog import scan
    from index.corpus import Corpus
    from index.page_map import PageMap, PagesKept
    from index.reader import FileReport

    found, refused = scan(paths)
    corpus = Corpus(reports=list(refused), errors=[r.message for r in refused])
    if not found:
        return corpus
    items = [{"path": str(p), "name": n, "order": i} for i, (p, n) in enumerate(found)]
    ds = ray.data.from_items(items, override_num_blocks=min(len(items), 64))
    ds = ds.map_batches(_read_chunk, fn_kwargs={"config": config.to_dict()}, batch_size=1, num_cpus=1,
                        batch_format="numpy")
    results = {}
    for row in ds.iter_rows():
        parsed = json.loads(row["file"])
        results[parsed["report"]["name"]] = parsed
    taken: set[str] = set()
    for path, name in found:  # the order read_corpus gives
        parsed = results[name]
        report = parsed["report"]
        corpus.reports.append(FileReport(**{k: tuple(v) if isinstance(v, list) else v for k, v in report.items()}))
        if "text" not in parsed:
            corpus.errors.append(corpus.reports[-1].message)
            continue
        corpus.sources[name] = parsed["text"]
        if parsed.get("page_map"):  # a PDF: its bytes and page map kept as the in-process build keeps them
            corpus.pages[name] = PagesKept(Path(path), PageMap.from_dict(parsed["page_map"]))
        documents, sections, chunks = _parts(parsed)
        if taken.intersection(d.doc_id for d in documents):
            documents, sections, chunks = _ingest_here(path, name, config, taken)
        taken.update(d.doc_id for d in documents)
        corpus.documents += documents
        corpus.sections += sections
        corpus.chunks += chunks
    return corpus


def _parts(parsed: dict) -> tuple[list, list, list]:
    from index.types import Chunk, Document, Section

    return ([Document.from_dict(d) for d in parsed["documents"]],
            [Section(**{**s, "path": tuple(s["path"])}) for s in parsed["sections"]],
            [Chunk.from_dict(c) for c in parsed["chunks"]])


def _ingest_here(path: str | Path, name: str, config: Config, taken: set[str]) -> tuple[list, list, list]:
    """A file whose document ids an earlier file took (``plan.md`` beside ``plan.txt``), chunked again
    here with the ids ``read_corpus`` gives it (a worker cannot know what the others took)."""
    from index.corpus import ingest_file
    from index.reader import read_file

    return ingest_file(read_file(path, name), config, set(taken))


def library_records(paths: Iterable[str | Path], corpus) -> dict:
    """The manifest's ``library`` entry for a build of ``paths`` (``index.catalog``): what a build
    through ``index.library`` records, so ``planqa add``/``remove`` and a plain rebuild work after it."""
    from index.catalog import LibraryFile, scan, sha256_of
    from index.reuse import code_version

    doc_ids: dict[str, list[str]] = {}
    for doc in corpus.documents:
        doc_ids.setdefault(doc.source, []).append(doc.doc_id)
    roots = [str(Path(p).resolve()) for p in paths]
    files = [LibraryFile(name, sha256_of(path), str(path), tuple(doc_ids[name])).to_dict()
             for path, name in scan(roots)[0] if name in doc_ids]
    return {"roots": roots, "excluded": [], "code_version": code_version(), "files": files}


def embed_on_ray(texts: list[str], encoder_name: str, actors: int = 2, batch_size: int = 32) -> np.ndarray:
    """Vectors of ``texts`` (row-aligned), embedded by ``actors`` encoder actors on the cluster.

    The batches are the in-process ones (``index.embed_cache``: longest first, ``batch_size`` texts),
    made here and sent whole: the int8 encoder quantises activations per batch, so other batches give
    other vectors (Ray Data's own batching over blocks measured cosine 0.998 on average, 0.994 at worst,
    to the in-process vectors on foreign-dev; the same batches give the same vectors).
    """
    import ray.data

    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    batches = [{"start": start, "texts": json.dumps([texts[i] for i in order[start:start + batch_size]],
                                                    ensure_ascii=False)}
               for start in range(0, len(order), batch_size)]
    ds = ray.data.from_items(batches, override_num_blocks=min(len(batches), max(actors * 4, 1)))
    ds = ds.map_batches(_Embedder, fn_constructor_kwargs={"name": encoder_name}, batch_size=1,
                        compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=1, batch_format="numpy")
    out: np.ndarray | None = None
    for row in ds.iter_rows():
        vectors = np.frombuffer(row["vectors"], dtype=np.float32)
        start = int(row["start"])
        rows = order[start:start + batch_size]
        vectors = vectors.reshape(len(rows), -1)
        if out is None:
            out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        out[rows] = vectors
    return out


def ray_build(paths: Iterable[str | Path], index: str | Path | None = None, config: Config | None = None,
              address: str | None = "local", actors: int = 2, batch_size: int | None = None, num_cpus: int = 2,
              cache: str | Path | None = None) -> RaySummary:
    """Build the index of ``paths`` with reading, chunking and embedding on a Ray cluster.

    Raises:
        ValueError: nothing to index.
        ImportError: Ray is not installed (``pip install -e '.[cluster]'``).
    """
    from index.build import DENSE_CHANNELS, build_index, dense_encoders, dense_units
    from index.embed_cache import EmbeddingCache
    from index.encoders import get_encoder
    from index.reuse import CachedTokenizer, KnownVectors
    from index.tokenize import get_tokenizer

    try:
        import ray  # noqa: F401
    except ImportError as exc:
        raise ImportError("--ray needs Ray: pip install -e '.[cluster]' (or `make setup`)") from exc
    started = time.perf_counter()
    config = config or Config()
    batch_size = batch_size or config.embed_batch
    paths = list(paths)
    start_ray(address, num_cpus)
    stages: dict[str, float] = {}
    corpus = read_on_ray(paths, config)
    stages["read_chunk"] = time.perf_counter() - started
    if not corpus.chunks:
        problems = "; ".join(corpus.errors) or "no text files found"
        raise ValueError(f"nothing to index in {', '.join(map(str, paths))}: {problems}")
    known: dict[str, dict[str, np.ndarray]] = {}
    embedded: dict[str, int] = {}
    for channel, name in dense_encoders(config).items():
        mark = time.perf_counter()
        texts = list(dict.fromkeys(dense_units(corpus.chunks, DENSE_CHANNELS[channel](config)[1])[0]))
        vectors = embed_on_ray(texts, name, actors, batch_size)
        known.setdefault(get_encoder(name).name, {}).update(zip(texts, vectors))
        embedded[channel] = len(texts)
        stages[f"embed:{channel}"] = time.perf_counter() - mark
    mark = time.perf_counter()
    tokenizer = CachedTokenizer(get_tokenizer(config.bm25_tokens), cache_dir(cache))
    summary = build_index(paths, index=index, config=config, corpus=corpus, tokenizer=tokenizer,
                          cache=KnownVectors(known, EmbeddingCache(cache_dir(cache))),
                          manifest={"library": library_records(paths, corpus),
                                    "ray": {"actors": actors, "batch_size": batch_size,
                                            "address": address or "local"}})
    tokenizer.save()
    stages["write"] = time.perf_counter() - mark
    return RaySummary(path=summary.path, documents=summary.documents, chunks=summary.chunks,
                      seconds=time.perf_counter() - started, embedded=embedded, stages=stages)


def stop_ray() -> None:
    """Disconnect (a local cluster started here shuts down)."""
    import ray

    if ray.is_initialized():
        ray.shutdown()


if __name__ == "__main__":  # pragma: no cover - a manual check: python -m index.ray_build PATH…
    import sys

    print(ray_build(sys.argv[1:] or ["seeds"], index=os.environ.get("PLANQA_INDEX", "/tmp/ray-index")))
