"""``from rag import ask, search, compare, chat, papers`` gives the functions, whatever submodules are loaded.

Importing a submodule binds it as an attribute of its package, so a module named like a public function
(``rag/compare.py``) would replace ``rag.compare`` once anything imported it (see ``rag/__init__.py``)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import rag
from rag import api


def test_no_submodule_shadows_a_public_function() -> None:
    for info in pkgutil.walk_packages(rag.__path__, "rag."):
        importlib.import_module(info.name)
    for name in rag.PUBLIC:
        assert inspect.isfunction(getattr(rag, name)), f"rag.{name} is not the API function"
        assert getattr(rag, name) is getattr(api, name)
