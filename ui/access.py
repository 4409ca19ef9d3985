"""Who may reach the UI: loopback is private; any other bind needs a login, or the operator's explicit
``--insecure-no-auth``.

Pure functions over ``Settings.ui`` (no gradio here); :func:`ui.app.launch` passes the logins to Gradio's ``auth=``.
Deliberately not here: user accounts or roles. One shared login per deployment is what Gradio offers, and what a
small team's server needs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from rag.config import UISettings
from rag.errors import ConfigError

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the UI on this machine ("127.0.0.1", "::1", "localhost")."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: it resolves to whatever the network says, so treat it as exposed


def _pairs(text: str, where: str) -> list[tuple[str, str]]:
    logins = []
    for n, item in enumerate(text.replace("\n", ",").split(","), start=1):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        user, sep, password = item.partition(":")
        if not sep or not user.strip() or not password:
            raise ConfigError(f"{where}, entry {n}: expected USER:PASSWORD (the password is not shown)")
        logins.append((user.strip(), password))
    return logins


def logins(ui: UISettings) -> list[tuple[str, str]]:
    """The USER:PASSWORD pairs of ``ui.auth`` and ``ui.auth_file``; ConfigError naming a malformed entry."""
    found = _pairs(ui.auth, "PAPER_RAG_UI__AUTH / --auth") if ui.auth else []
    if ui.auth_file is not None:
        try:
            text = ui.auth_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the auth file {ui.auth_file}: {exc.strerror or exc}") from None
        found += _pairs(text, str(ui.auth_file))
        if not found:
            raise ConfigError(f"the auth file {ui.auth_file} has no USER:PASSWORD line")
    return found


@dataclass
class Access:
    """How the UI is served: the logins Gradio asks for (None: no login), and a warning to print, if any."""

    auth: list[tuple[str, str]] | None
    warning: str | None


def decide(host: str, ui: UISettings) -> Access:
    """Loopback: no login needed (but one is used if given). Anything else: a login, or the operator's explicit
    ``insecure_no_auth`` with a warning; neither is a ConfigError, before anything is bound."""
    found = logins(ui)
    if is_loopback(host):
        return Access(found or None, None)
    if found:
        return Access(found, f"serving on {host}, reachable from the network: a login is required")
    if ui.insecure_no_auth:
        return Access(
            None,
            f"serving on {host} with NO login: anyone who reaches this port can ask, upload and ingest "
            "(PAPER_RAG_UI__INGEST=false turns ingest off)",
        )
    raise ConfigError(
        f"binding {host} exposes the UI to the network - pass --auth USER:PASS or --auth-file FILE "
        "(PAPER_RAG_UI__AUTH / __AUTH_FILE), or --insecure-no-auth to serve it open"
    )
