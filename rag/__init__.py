"""paper-rag: questions about research-paper abstracts, answered with cited titles.

The public API (``ask``, ``search``, ``compare``) is loaded lazily so that ``import rag`` stays cheap.
"""

from rag.config import apply_offline_env

apply_offline_env()

__all__ = ["Settings", "load_settings"]

from rag.config import Settings, load_settings  # noqa: E402
