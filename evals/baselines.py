"""The llama-index default pipeline as a retrieval baseline, over the very same Chroma collection and embedder.

:class:`ProjectEmbedding` adapts our embedder (``rag.embeddings``) to llama-index's ``BaseEmbedding``, so the
baseline and ``rag`` see identical vectors and differ only in what happens after the nearest-neighbour lookup:
llama-index's ``VectorStoreIndex.as_retriever()`` returns the top chunks as they come (default
``similarity_top_k=2``), while ``rag`` fuses dense and BM25 rankings, groups chunks by paper and diversifies with MMR.

Deliberately not here: any change to llama-index's defaults other than ``similarity_top_k``, and llama-index's
global ``Settings`` (the embedding model is passed in explicitly, so nothing global is set).
"""

from __future__ import annotations

import asyncio
from typing import Any

from llama_index.core import VectorStoreIndex
from llama_index.core.embeddings import BaseEmbedding
from llama_index.core.retrievers import BaseRetriever
from llama_index.vector_stores.chroma import ChromaVectorStore
from pydantic import PrivateAttr

from rag import api
from rag.api import Embedder
from rag.config import Settings


class ProjectEmbedding(BaseEmbedding):
    """llama-index embedding model backed by a ``rag`` embedder (L2-normalized rows)."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        super().__init__(model_name=getattr(embedder, "name", "paper-rag"), **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "PaperRagEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embedder.embed_batch([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embedder.embed_batch([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._embedder.embed_batch(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await asyncio.to_thread(self._get_query_embedding, query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return await asyncio.to_thread(self._get_text_embedding, text)


def llama_index_retriever(settings: Settings, top_k: int | None = None) -> BaseRetriever:
    """``VectorStoreIndex.from_vector_store(...).as_retriever()`` over ``rag``'s collection; ``top_k`` None keeps
    llama-index's default (2)."""
    store = ChromaVectorStore(chroma_collection=api.chroma_collection(settings))
    index = VectorStoreIndex.from_vector_store(store, embed_model=ProjectEmbedding(api.embedder(settings)))
    return index.as_retriever() if top_k is None else index.as_retriever(similarity_top_k=top_k)


def retrieve_titles(retriever: BaseRetriever, query: str) -> list[str]:
    """Paper titles of the retrieved chunks (metadata "title"), first occurrence kept, in rank order."""
    titles = (node.node.metadata.get("title", "") for node in retriever.retrieve(query))
    return [t for t in dict.fromkeys(titles) if t]
