"""Multi-turn chat: each follow-up is rewritten into a standalone question using the conversation so far.

"Which datasets did it use?" after a question about a paper becomes "Which datasets did "<that paper's title>"
use?", so retrieval finds the paper again and the answer stays about it. The rewrite is deterministic (references
are resolved to the papers the previous answer cited), which works with every backend, including the extractive one
and small base models that can't rewrite reliably. Deliberately not done: LLM-based rewriting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rag.answer import AnswerEngine, AskRequest, final_answer
from rag.config import Settings, load_settings
from rag.question import BARE_THIS, PLURAL, POSSESSIVE, SINGULAR, analyze, refers_back
from rag.types import Answer


def is_followup(question: str) -> bool:
    return refers_back(question)


def rewrite_followup(question: str, previous: Answer | None) -> str:
    """A standalone version of ``question`` given the previous answer (unchanged when it needs none)."""
    if previous is None or not is_followup(question):
        return question
    titles = [c.title for c in previous.citations] or [s.title for s in previous.sources[:1]]
    if not titles:
        return question
    one = f'"{titles[0]}"'
    many = " and ".join(f'"{t}"' for t in titles[:3])
    # replacements are functions: a title is no template ("$\\sim$20 Seconds" holds a backslash)
    text = POSSESSIVE.sub(lambda _: f"{one}'s", question)
    text = PLURAL.sub(lambda _: many if len(titles) > 1 else one, text)
    text = SINGULAR.sub(lambda _: one, text, count=1)
    if text == question:  # "What application motivated this?"
        text = BARE_THIS.sub(lambda _: one, text, count=1)
    if text == question:  # "And what about X?" - no pronoun to replace: carry the previous topic along
        text = f"{question.strip()} (about {previous.standalone_question or previous.question})"
    return text


def focus(question: str, previous: Answer | None) -> list[str] | None:
    """The papers a follow-up is about: those the previous answer cited, when the question refers to them by a
    pronoun ("what datasets did it use?"), or asks for a bare summary ("tl;dr") - so their abstracts are searched
    for the new detail instead of the whole collection. None for a question that stands on its own."""
    if previous is None or previous.refused or not previous.citations:
        return None
    papers = list(dict.fromkeys(c.paper_id for c in previous.citations))
    if SINGULAR.search(question) or POSSESSIVE.search(question):
        return papers[:1]
    if PLURAL.search(question):
        return papers[:10]
    if BARE_THIS.search(question):
        return papers[:1]
    if analyze(question).intent == "summary" and len(question.split()) <= 4:
        return papers[:1]
    return None


@dataclass
class ChatSession:
    """A conversation: keeps the turns, rewrites follow-ups, passes recent history to chat models.

    Settings are read per question (``settings=`` on :meth:`ask`, else the session's, else the environment's), so
    changing the model or backend mid-conversation takes effect on the next question.
    """

    settings: Settings | None = None
    turns: list[Answer] = field(default_factory=list)

    def request(self, question: str, **knobs: Any) -> AskRequest:
        """The request for ``question`` in this conversation: rewritten to stand alone, with recent history."""
        previous = self.turns[-1] if self.turns else None
        history = [(t.standalone_question or t.question, t.answer) for t in self.turns[-3:]]
        knobs.setdefault("focus", focus(question, previous))
        return AskRequest(question, standalone=rewrite_followup(question, previous), history=history, **knobs)

    def stream(
        self, question: str, *, settings: Settings | None = None, **knobs: Any
    ) -> Iterator[str | Answer]:
        """The answer's text as it is written, then the :class:`Answer` (also kept as the newest turn)."""
        engine = AnswerEngine(settings or self.settings or load_settings())
        for item in engine.stream(self.request(question, **knobs)):
            if isinstance(item, Answer):
                self.turns.append(item)
            yield item

    def ask(
        self,
        question: str,
        *,
        settings: Settings | None = None,
        on_token: Callable[[str], None] | None = None,
        **knobs: Any,
    ) -> Answer:
        """Answer ``question`` in the context of the earlier turns."""
        return final_answer(self.stream(question, settings=settings, **knobs), on_token)

    def clear(self) -> None:
        self.turns.clear()
