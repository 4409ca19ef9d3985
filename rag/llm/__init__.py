"""LLM clients behind one interface (:class:`rag.llm.base.LLM`): ``openai_backend`` (any OpenAI-compatible
endpoint) and ``local_backend`` (llama.cpp in process). The answer backends that use them, and ``extractive`` (no
LLM), are in :mod:`rag.backends`, which builds the client the settings ask for."""
