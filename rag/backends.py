"""Answer backends behind one registry: ``extractive`` (no LLM), ``local`` (llama.cpp) and ``openai``.

A backend is one class with a ``name``, a one-line ``summary`` (what it is and what it costs, for pickers),
``available(settings)`` with the reason when it isn't, and ``run(job)``: a generator that yields the answer's text
as it is written and returns a :class:`Draft`. LLM backends share :class:`LLMBackend`, which builds the prompt in
the model's :class:`rag.prompts.PromptStyle`, streams it, and post-processes the text (chat models' citations are
validated, base models' sentences are attributed). Adding one is a subclass and a ``@register``::

    @register
    class MyServer(LLMBackend):
        name = "myserver"
        summary = "..."
        def available(self, settings): ...
        def client(self, settings): return MyClient(settings)   # an rag.llm.base.LLM

The CLI, the UI and the evals list backends with :func:`backend_info`. Deliberately not here: retrieval, the
evidence gate and the fallback to extractive when a backend fails (the answer chain, :mod:`rag.answer`, does both).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Generator
from dataclasses import dataclass, field

from rag import compose
from rag.citations import attribute, validate
from rag.config import Settings
from rag.errors import BackendError, ConfigError, ContextWindowExceededError, DeadlineExceededError
from rag.evidence import REFUSAL, Evidence
from rag.llm import local_backend
from rag.llm.base import LLM
from rag.prompts import CHAT, COMPLETION, SourceText, fit_sources, prompt_tokens
from rag.text import cite, markers
from rag.types import Source

_log = logging.getLogger(__name__)
_NO_OPENAI = "no endpoint or key - set OPENAI_API_KEY, or PAPER_RAG_LLM__BASE_URL for a local server"
_NO_LLAMA_CPP = "llama-cpp-python is not installed - pip install 'paper-rag[local]'"


@dataclass
class Job:
    """What a backend answers from: the question, the numbered sources and their evidence."""

    question: str
    sources: list[Source]
    evidence: Evidence
    settings: Settings
    history: list[tuple[str, str]] = field(default_factory=list)
    temperature: float | None = None
    lead: int | None = None  # the source the evidence gate found the answer in
    mode: str = "fact"  # "fact" or "summary" (of the lead paper)


@dataclass
class Draft:
    """A backend's answer text (with ``[n]`` markers, without the cited-titles tail) and what it cost."""

    text: str
    backend: str
    model: str
    refused: bool = False
    unsupported: bool = False  # the model wrote something, but no sentence of it is supported by a source
    tokens: dict[str, int] = field(default_factory=lambda: {"prompt": 0, "completion": 0})
    cost_usd: float | None = None
    supports: dict[int, str] = field(default_factory=dict)  # source n -> the sentence relied on most


class Backend(ABC):
    """One way of writing an answer from evidence."""

    name: str = ""
    summary: str = ""

    @abstractmethod
    def available(self, settings: Settings) -> tuple[bool, str]:
        """(True, "") when it can run here, else (False, what to do about it). Makes no network calls."""

    @abstractmethod
    def run(self, job: Job) -> Generator[str, None, Draft]:
        """Yield the answer's text as it is written; return the finished :class:`Draft`."""


_REGISTRY: dict[str, Backend] = {}


def register(cls: type[Backend]) -> type[Backend]:
    """Class decorator: make a backend selectable by its ``name``."""
    _REGISTRY[cls.name] = cls()
    return cls


def names() -> list[str]:
    """Every registered backend, in registration order."""
    return list(_REGISTRY)


def get(name: str) -> Backend:
    try:
        return _REGISTRY[name]
    except KeyError:
        choices = ", ".join(["auto", *_REGISTRY])
        raise ConfigError(
            f"unknown LLM backend {name!r} - set PAPER_RAG_LLM__BACKEND (or --backend) to one of {choices}"
        ) from None


def resolve(settings: Settings, backend: str | None = None) -> str:
    """The concrete backend for ``backend`` (default: the settings' choice); 'auto' picks one."""
    name = backend or settings.llm.backend
    if name != "auto":
        get(name)  # unknown names fail here, with the choices
        return name
    if settings.llm.base_url or settings.llm.api_key:
        return "openai"
    # Offline: a GGUF the user configured runs locally. The bundled Gemma 3 270M does not: on the curated eval set
    # it scored below the extractive backend on every answer metric (evals/reports/latest), so extractive is the
    # offline default and the bundled model is opt-in (--backend local).
    model = settings.llm.model
    if model and model.lower().endswith(".gguf") and local_backend.is_available():
        return "local"
    return "extractive"


def backend_info(settings: Settings) -> list[dict[str, object]]:
    """Each registered backend as {"name", "summary", "available", "why_not"} (why_not "" when available)."""
    out: list[dict[str, object]] = []
    for name, backend in _REGISTRY.items():
        ok, why = backend.available(settings)
        out.append({"name": name, "summary": backend.summary, "available": ok, "why_not": "" if ok else why})
    return out


# ------------------------------------------------------------------ extractive


@register
class Extractive(Backend):
    """No LLM: the best-matching sentences of the sources, each cited. Also the fallback of every LLM backend."""

    name = "extractive"
    summary = "no LLM: the abstracts' best-matching sentences, each cited; instant"

    def available(self, settings: Settings) -> tuple[bool, str]:
        return True, ""

    def run(self, job: Job) -> Generator[str, None, Draft]:
        evidence = job.evidence
        lead = job.lead if job.lead is not None else (evidence.ranked[0].source if evidence.ranked else None)
        if job.mode == "summary" and lead is not None:
            chosen = compose.summary_sentences(evidence, lead)
        else:
            chosen = compose.fact_sentences(evidence, lead)
        picked = compose.with_antecedents(evidence, chosen)  # quoted with what they lean on
        parts: list[str] = []
        src = evidence.source(lead) if lead is not None else None
        if src is not None and picked and (job.mode == "summary" or evidence.asked.which):
            parts.append(compose.heading(src) + "\n")
            yield parts[-1]
        for i, sentence in enumerate(picked):
            part = ("" if i == 0 else " ") + cite(sentence.text, sentence.source)
            parts.append(part)
            yield part
        supports: dict[int, str] = {}
        for sentence in chosen:  # a source's support is the sentence chosen to answer, not its context
            supports.setdefault(sentence.source, sentence.text)
        return Draft("".join(parts), self.name, self.name, supports=supports)


# ------------------------------------------------------------------ LLMs


class LLMBackend(Backend):
    """A backend whose text comes from an :class:`rag.llm.base.LLM`; subclasses say how to build the client."""

    @abstractmethod
    def client(self, settings: Settings) -> LLM:
        """The LLM client for ``settings`` (may raise ConfigError or BackendError)."""

    def run(self, job: Job) -> Generator[str, None, Draft]:
        settings = job.settings
        deadline = time.monotonic() + settings.llm.deadline_s
        llm = self.client(settings)  # loading a local model counts too
        style = CHAT if llm.is_chat else COMPLETION
        max_tokens = style.max_tokens(settings.llm)
        texts = style.select(
            [SourceText(s.n, s.title, s.text) for s in job.sources], job.evidence, settings.llm
        )
        overhead = prompt_tokens(style.build(job.question, [], job.history))
        budget = llm.context_window - max_tokens - overhead - 32
        if budget < 100:
            raise ContextWindowExceededError(
                f"the model's context window ({llm.context_window} tokens) leaves no room for sources"
            )
        texts = fit_sources(texts, budget)
        temperature = settings.llm.temperature if job.temperature is None else job.temperature
        pieces: list[str] = []
        stream = llm.stream(
            style.build(job.question, texts, job.history),
            max_tokens=max_tokens,
            temperature=temperature,
            stop=list(style.stop) or None,
        )
        late = DeadlineExceededError(
            f"the {self.name} model did not finish within {settings.llm.deadline_s:g} s (PAPER_RAG_LLM__DEADLINE_S)"
        )
        # Any exception but a BackendError goes up as it is: the answer chain falls back, naming its class.
        try:
            for delta in stream:
                if not isinstance(delta, str):
                    raise BackendError(f"the {self.name} model sent {type(delta).__name__} instead of text")
                pieces.append(delta)
                yield delta
                if time.monotonic() > deadline:
                    raise late
        except BackendError as exc:
            if (
                exc is not late and time.monotonic() > deadline
            ):  # e.g. a stalled stream cut off after the deadline
                raise late from exc
            raise
        finally:
            _close(stream)
        draft = Draft("", llm.backend, llm.model)
        if llm.last_usage:
            draft.tokens = {
                "prompt": llm.last_usage.prompt_tokens,
                "completion": llm.last_usage.completion_tokens,
            }
            if llm.price_per_mtok:
                p, c = llm.price_per_mtok
                draft.cost_usd = round((draft.tokens["prompt"] * p + draft.tokens["completion"] * c) / 1e6, 6)
        raw = "".join(pieces).strip()
        if not raw or raw.startswith(REFUSAL[:40]):
            draft.text, draft.refused = raw or REFUSAL, True
            return draft
        given = [t.n for t in texts]
        if style.chat:
            draft.text = validate(raw, job.evidence, given).text
        else:
            draft.text = attribute(raw, job.evidence, given)
        draft.unsupported = not markers(draft.text)
        return draft


def _close(stream: object) -> None:
    """Close an LLM's stream: stops generating (and frees a local model) when the answer is cut short.

    A close that fails is logged, not raised: it must not hide the error (or the answer) that got here first.
    """
    close = getattr(stream, "close", None)
    if close is None:
        return
    try:
        close()
    except Exception:
        _log.debug("closing the LLM stream failed", exc_info=True)


@register
class Local(LLMBackend):
    name = "local"
    summary = (
        "llama.cpp in process on a GGUF file; the bundled Gemma 3 270M is a small base model: seconds per "
        "answer on a CPU (more on first use or a busy machine), weaker than extractive, and often replaced by "
        "the extractive answer (the README's eval table gives the rate)"
    )

    def available(self, settings: Settings) -> tuple[bool, str]:
        return (True, "") if local_backend.is_available() else (False, _NO_LLAMA_CPP)

    def client(self, settings: Settings) -> LLM:
        if not local_backend.is_available():
            raise ConfigError(f"{_NO_LLAMA_CPP}, or set PAPER_RAG_LLM__BACKEND to 'openai' or 'extractive'")
        return local_backend.LocalLlama(settings)


@register
class OpenAI(LLMBackend):
    name = "openai"
    summary = (
        "any OpenAI-compatible endpoint (OpenAI, Ollama, vLLM, llama.cpp's server); as fast as the endpoint"
    )

    def available(self, settings: Settings) -> tuple[bool, str]:
        ok = bool(settings.llm.base_url or settings.llm.api_key)
        return (True, "") if ok else (False, _NO_OPENAI)

    def client(self, settings: Settings) -> LLM:
        from rag.llm.openai_backend import OpenAIChat

        return OpenAIChat(settings)
