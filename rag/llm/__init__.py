"""LLM backends behind one interface: ``openai`` (any OpenAI-compatible endpoint), ``local`` (llama.cpp in process)
and ``extractive`` (no LLM). :func:`rag.llm.factory.get_llm` builds the one the settings ask for."""
