"""``from rag import ask, search, compare, chat, papers`` gives the documented functions, whatever ran first (#15).

A submodule named like a public function shadows it: importing ``rag.<name>`` sets the package attribute to the
module, and the lazy ``rag.__getattr__`` is then never consulted.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest

from support import REPO

NAMES = ("ask", "search", "compare", "chat", "papers")


def test_public_names_are_the_api_functions_once_every_submodule_is_imported() -> None:
    import rag
    import rag.api

    for module in pkgutil.walk_packages(rag.__path__, "rag."):
        importlib.import_module(module.name)
    assert set(NAMES) <= set(rag.PUBLIC)
    for name in rag.PUBLIC:
        got = getattr(rag, name)
        assert inspect.isfunction(got), f"rag.{name} is {got!r}, not a function"
        assert got is getattr(rag.api, name)


@pytest.mark.parametrize("first", ["", "import rag.api", "import rag.cli", "from rag import ask"])
def test_from_rag_import_in_a_fresh_interpreter(first: str) -> None:
    names = ", ".join(NAMES)
    code = (
        f"{first}\nimport inspect\nfrom rag import {names}\n"
        f"bad = [f'{{f.__name__}}: {{f!r}}' for f in ({names}) if not inspect.isfunction(f)]\n"
        "assert not bad, bad\n"
        # and again, now that the first import has loaded rag.api and everything it imports
        f"from rag import {names}\n"
        f"assert all(inspect.isfunction(f) for f in ({names})), [{names}]\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
