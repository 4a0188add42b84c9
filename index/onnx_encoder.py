"""Sentence-transformers models run through ONNX Runtime, weights dynamically quantised to int8.

``export_int8(folder)`` turns a local sentence-transformers folder (a BERT-like transformer followed
by mean or CLS pooling) into ``folder/onnx/model_qint8_r7.onnx``, once, at setup (``python -m
index.models``), from the files already on disk: nothing is downloaded. ``OnnxEncoder`` then embeds
with ONNX Runtime and the model's own fast tokenizer (``tokenizer.json``), pooling and normalising as
sentence-transformers does, so its vectors stand in for the torch model's.

Why int8 and not ONNX fp32: measured on m3e-small, one thread, seeds windows: torch fp32 24.6
windows/s, ONNX fp32 no faster, ONNX int8 64–78 windows/s at mean cosine 0.997 to fp32 (see
``benchmarks/bench_build.py`` for the figures of a run).
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# "_r7": 7-bit weights (reduce_range). The 8-bit export of earlier versions (onnx/model_qint8.onnx) is
# left unused: on CPUs without VNNI its int8 products saturate (see export_int8).
ONNX_FILE = "onnx/model_qint8_r7.onnx"
POOLING_MODES = ("mean", "cls")


def onnx_path(folder: str | Path) -> Path:
    return Path(folder) / ONNX_FILE


def onnx_ready(folder: str | Path) -> bool:
    return onnx_path(folder).is_file()


def pooling_mode(folder: str | Path) -> str:
    """The pooling of a sentence-transformers folder: its ``1_Pooling/config.json``, else mean (what
    sentence-transformers puts after a bare transformer folder, such as m3e-small's)."""
    folder = Path(folder)
    modules = folder / "modules.json"
    if modules.is_file():
        kinds = [m.get("type", "") for m in json.loads(modules.read_text(encoding="utf-8"))]
        extra = [k for k in kinds if not k.endswith(("Transformer", "Pooling", "Normalize"))]
        if extra:
            raise ValueError(
                f"{folder}: modules {', '.join(extra)} have no ONNX export here; use the torch encoder "
                "(the plain model folder as --encoder)"
            )
    config = folder / "1_Pooling" / "config.json"
    if not config.is_file():
        return "mean"
    params = json.loads(config.read_text(encoding="utf-8"))
    for mode in POOLING_MODES:
        if params.get(f"pooling_mode_{mode}_token" if mode == "cls" else f"pooling_mode_{mode}_tokens"):
            return mode
    raise ValueError(f"{config}: pooling other than mean or CLS has no ONNX export here; use the torch encoder")


def max_length(folder: str | Path) -> int:
    """Tokens per text, as sentence-transformers truncates: ``sentence_bert_config.json``, else the
    tokenizer's ``model_max_length``, else the position embeddings."""
    folder = Path(folder)
    for name, key in (("sentence_bert_config.json", "max_seq_length"), ("tokenizer_config.json", "model_max_length"),
                      ("config.json", "max_position_embeddings")):
        file = folder / name
        if file.is_file():
            value = json.loads(file.read_text(encoding="utf-8")).get(key)
            if isinstance(value, int) and 0 < value <= 100_000:
                return value
    return 512


def export_int8(folder: str | Path, force: bool = False) -> Path:
    """Export the transformer of ``folder`` to ONNX and quantise its weights to int8 (dynamic).

    Written to a temporary file beside the target and renamed in, so an interrupted export leaves
    nothing half-written. Returns the path of the int8 model.

    Raises:
        ImportError: onnx / onnxruntime are missing (the message gives the install line).
    """
    folder = Path(folder)
    target = onnx_path(folder)
    if target.is_file() and not force:
        return target
    pooling_mode(folder)  # refuse models whose pooling is not reproduced here, before the slow part
    try:
        import onnx  # noqa: F401  (torch.onnx needs it)
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as exc:
        raise ImportError("the int8 encoder needs onnx and onnxruntime: pip install onnx onnxruntime") from exc
    transformer = AutoModel.from_pretrained(str(folder), local_files_only=True).eval()

    token_types = bool(getattr(transformer.config, "type_vocab_size", 0))

    class Hidden(torch.nn.Module):  # keyword arguments: transformers' forward() takes more positional ones
        """The token ids alone in: ``OnnxEncoder`` runs one text at a time, unpadded, so the attention
        mask is all ones and the token types all zeros. Without them the graph loses its mask
        arithmetic: the same vectors bit for bit (seeds windows, m3e-small), 5% less CPU a window."""

        def __init__(self):
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids):
            types = {"token_type_ids": torch.zeros_like(input_ids)} if token_types else {}
            return self.transformer(input_ids=input_ids, **types).last_hidden_state

    model = Hidden().eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    # The exporter's tracer warnings and the quantiser's "consider pre-processing" say nothing to a user
    # running `make setup`; the cosine to fp32 (0.997) is what was checked.
    root_logger, level = logging.getLogger(), logging.getLogger().level
    root_logger.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fp32 = Path(tmp) / "model.onnx"
            ids = torch.ones((1, 8), dtype=torch.long)
            axes = {0: "batch", 1: "tokens"}
            with torch.no_grad():
                torch.onnx.export(
                    model, (ids,), str(fp32), input_names=["input_ids"], output_names=["last_hidden_state"],
                    dynamic_axes={"input_ids": axes, "last_hidden_state": axes}, opset_version=17, dynamo=False,
                )
            staged = Path(tmp) / "model_qint8.onnx"
            # Per-channel scales, 7-bit weights (reduce_range): on an AVX2 CPU without VNNI (AMD EPYC here)
            # ONNX Runtime multiplies u8 activations by s8 weights with pmaddubsw, whose int16 sums saturate
            # with full 8-bit weights: cosine to fp32 0.65-0.71 on Chinese sentences, against 0.9975 with
            # 7-bit weights (0.990 per tensor); the 0.997 once measured for 8-bit weights was another CPU.
            quantize_dynamic(str(fp32), str(staged), weight_type=QuantType.QInt8, per_channel=True,
                             reduce_range=True)
            staged.rename(target)
    finally:
        root_logger.setLevel(level)
    return target


class OnnxEncoder:
    """An int8 ONNX export of a sentence-transformers folder (``export_int8``); loaded on first use.

    Threads: ``threads`` intra-op threads and one inter-op thread, set on the session (ONNX Runtime
    ignores ``OMP_NUM_THREADS``); ``index.encoders.compute_threads()`` (``PLANQA_THREADS``, default 1)
    when None.
    """

    def __init__(self, name: str, folder: str | Path, threads: int | None = None, missing_hint: str = ""):
        self.name = name
        self.folder = Path(folder)
        # vectors cached under the export's file name too: those of an earlier export (the saturating
        # 8-bit model_qint8.onnx) are never served for this one
        self.cache_name = f"{name}@{Path(ONNX_FILE).stem}"
        self.threads = threads
        self._missing_hint = missing_hint or f"run `python -m index.models --int8 {folder}` to export it"
        self._session = None
        self._tokenizer = None
        self._pooling = "mean"
        self._inputs: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def _load(self) -> None:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ImportError("the int8 encoder needs onnxruntime: pip install onnxruntime") from exc
        from index.encoders import compute_threads

        model = onnx_path(self.folder)
        if not model.is_file() or not (self.folder / "tokenizer.json").is_file():
            raise FileNotFoundError(f"encoder {self.name!r}: no int8 model at {model}; {self._missing_hint}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or compute_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length(self.folder))
        self._pooling = pooling_mode(self.folder)
        self._inputs = tuple(i.name for i in session.get_inputs())
        self._tokenizer = tokenizer
        self._session = session

    @property
    def dim(self) -> int:
        self._ensure()
        return int(self._session.get_outputs()[0].shape[-1])

    def _ensure(self) -> None:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    self._load()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, each text run on its own.

        One at a time, not in padded batches: the activations are quantised with one scale per run, so
        in a batch a text's vector depends on its neighbours (and on their padding), which the embedding
        cache, keyed by the text alone, cannot know: seeds windows in batches of 4-16 come out at cosine
        down to 0.993 to their vector alone, as far as int8 is from fp32. The cost is small: one thread,
        windows with their context line (~160 tokens) 62 per CPU-second alone, 58 in batches of 8, 49 of
        32; windows alone (~60 tokens) 107-110 alone, 130-138 in batches of 4-8. An export takes the
        token ids alone (``export_int8``); one made before, with mask and token-type inputs, is fed
        those too.
        """
        from index.encoders import l2_normalise

        self._ensure()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        return l2_normalise(np.stack([self._pooled(encoding.ids) for encoding in encodings]))

    def _pooled(self, token_ids: list[int]) -> np.ndarray:
        ids = np.array([token_ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0][0]
        # CLS, or the mean over the tokens as sentence_transformers.models.Pooling (no padding here)
        return hidden[0] if self._pooling == "cls" else hidden.mean(axis=0)
