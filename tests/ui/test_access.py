"""Who may reach the UI: the exposure rules, the CLI's refusal to serve the network open, and a served app with a
login that turns away unauthenticated uploads and API calls (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import gradio as gr
import pytest

from rag.config import Settings, UISettings
from rag.errors import ConfigError
from support import FLASH_QUESTION, free_port
from ui.access import decide, is_loopback, logins
from ui.handlers import Handlers


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("my-server.example", False),  # a name resolves to whatever the network says
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_network_bind_needs_a_login_or_an_explicit_no(tmp_path: Path) -> None:
    assert (
        decide("127.0.0.1", UISettings()).auth is None and decide("127.0.0.1", UISettings()).warning is None
    )
    with pytest.raises(ConfigError, match="exposes the UI to the network - pass --auth"):
        decide("0.0.0.0", UISettings())
    given = decide("0.0.0.0", UISettings(auth="ana:s3cret, bo:pa:ss"))
    assert given.auth == [("ana", "s3cret"), ("bo", "pa:ss")] and "login is required" in (given.warning or "")
    open_ = decide("0.0.0.0", UISettings(insecure_no_auth=True))
    assert open_.auth is None and "NO login" in (open_.warning or "")

    file = tmp_path / "logins"
    file.write_text("# team logins\nana:s3cret\n\ncy:pw\n", encoding="utf-8")
    assert logins(UISettings(auth_file=file)) == [("ana", "s3cret"), ("cy", "pw")]
    file.write_text("ana\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"logins, entry 1: expected USER:PASSWORD") as err:
        logins(UISettings(auth_file=file))
    assert "ana" not in str(err.value).split(":")[-1]
    with pytest.raises(ConfigError, match="cannot read the auth file"):
        logins(UISettings(auth_file=tmp_path / "missing"))


def test_the_login_is_never_printed() -> None:
    from rag.config import describe_settings

    shown = dict(
        (env, value) for env, value, _ in describe_settings(Settings(ui=UISettings(auth="ana:s3cret")))
    )
    assert shown["PAPER_RAG_UI__AUTH"] == "***"
    assert not any("s3cret" in value for value in shown.values())


def test_the_cli_refuses_to_serve_the_network_open(tmp_path: Path) -> None:
    env = {**os.environ, "PAPER_RAG_HOME": str(tmp_path / "home")}
    cli = [sys.executable, "-m", "rag.cli", "ui", "--host", "0.0.0.0", "--port", str(free_port())]
    done = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "exposes the UI to the network - pass --auth USER:PASS" in done.stderr
    assert not (tmp_path / "home" / "chroma").exists()  # refused before building anything


def test_the_model_box_takes_only_the_operators_models(bundled_settings: Settings) -> None:
    h = Handlers(bundled_settings)
    with pytest.raises(gr.Error, match="is not offered here"):
        h.request_settings("openai", "/etc/passwd", None, None)  # not loaded as a GGUF, not even looked at
    allowed = Handlers(bundled_settings.override(ui={"models": ["gpt-4o-mini"]}))
    assert allowed.request_settings("openai", "gpt-4o-mini", None, None).llm.model == "gpt-4o-mini"
    assert allowed.request_settings("openai", "", None, None).llm.model == bundled_settings.llm.model


def test_ingest_can_be_switched_off(bundled_settings: Settings, tmp_path: Path) -> None:
    h = Handlers(bundled_settings.override(ui={"ingest": False}))
    page = tmp_path / "page.txt"
    page.write_text("A Title\nAn abstract.\n", encoding="utf-8")
    with pytest.raises(gr.Error, match="Ingest is switched off"):
        h.ingest([str(page)])


def _post(url: str, body: bytes, content_type: str) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@pytest.mark.slow  # serves the app on loopback
def test_with_a_login_unauthenticated_uploads_and_api_calls_are_turned_away(
    bundled_settings: Settings,
) -> None:
    from gradio_client import Client

    from ui.app import launch

    settings = bundled_settings.override(ui={"auth": "ana:s3cret-Pw"})
    demo, url = launch(settings, "127.0.0.1", free_port(), block=False)
    try:
        boundary = "xYz"
        upload = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="p.txt"\r\n\r\n'
            f"A Title\nAn abstract.\r\n--{boundary}--\r\n"
        ).encode()
        assert _post(f"{url}gradio_api/upload", upload, f"multipart/form-data; boundary={boundary}") in (
            401,
            403,
        )
        call = json.dumps({"data": [FLASH_QUESTION, "extractive"]}).encode()
        assert _post(f"{url}gradio_api/call/ask", call, "application/json") in (401, 403)
        with pytest.raises(Exception):  # noqa: B017  (gradio_client raises its own error types here)
            Client(url, verbose=False)
        client = Client(url, auth=("ana", "s3cret-Pw"), verbose=False)
        answer = client.predict(FLASH_QUESTION, "extractive", api_name="/ask")
        assert answer["citations"]  # with the login, the API works
    finally:
        demo.close()
