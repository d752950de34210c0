"""`seatplan serve --certfile --keyfile`: HTTPS through uvicorn, or one clear line and nothing
started when the files cannot be used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.certificates import Certificates, make_certificates
from typer.testing import CliRunner

from seatplan.cli import serve as serve_module
from seatplan.cli.main import app
from seatplan.settings import NO_WORKER_ENV, get_settings


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    return make_certificates(tmp_path)


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `seatplan serve` would have started, instead of starting it."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setenv(NO_WORKER_ENV, "0")  # `serve` sets it for uvicorn's processes: undone
    monkeypatch.setattr(serve_module.uvicorn, "run", lambda *a, **kw: calls.append(kw))
    return calls


def invoke(args: list[str], env: dict[str, str]) -> Any:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["serve", *args], env=env)
    finally:
        get_settings.cache_clear()


def test_a_certificate_and_its_key_serve_https(tmp_path, certificates, uvicorn_calls):
    database = tmp_path / "tls.db"
    result = invoke(
        [
            "--port",
            "8443",
            "--certfile",
            str(certificates.certfile),
            "--keyfile",
            str(certificates.keyfile),
        ],
        {"SEATPLAN_DATABASE_URL": f"sqlite:///{database}"},
    )
    assert result.exit_code == 0, result.output
    assert "Seatplan API on https://127.0.0.1:8443/v1.0" in result.stdout
    [call] = uvicorn_calls
    assert call["ssl_certfile"] == str(certificates.certfile)
    assert call["ssl_keyfile"] == str(certificates.keyfile)


def test_the_settings_name_the_files_too(tmp_path, certificates, uvicorn_calls):
    result = invoke(
        [],
        {
            "SEATPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'tls.db'}",
            "SEATPLAN_TLS_CERTFILE": str(certificates.certfile),
            "SEATPLAN_TLS_KEYFILE": str(certificates.keyfile),
        },
    )
    assert result.exit_code == 0, result.output
    assert "Seatplan API on https://" in result.stdout
    [call] = uvicorn_calls
    assert (call["ssl_certfile"], call["ssl_keyfile"]) == (
        str(certificates.certfile),
        str(certificates.keyfile),
    )


def test_without_certificate_it_serves_plain_http(tmp_path, uvicorn_calls):
    result = invoke([], {"SEATPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'plain.db'}"})
    assert result.exit_code == 0, result.output
    assert "Seatplan API on http://127.0.0.1:8000/v1.0" in result.stdout
    [call] = uvicorn_calls
    assert (call["ssl_certfile"], call["ssl_keyfile"]) == (None, None)


def _other_key(tmp_path: Path) -> Path:
    return make_certificates(tmp_path / "other").keyfile


def _garbage(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.pem"
    path.write_text("not a PEM file\n")
    return path


def _encrypted_key(tmp_path: Path, certificates: Certificates) -> Path:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(certificates.keyfile.read_bytes(), None)
    path = tmp_path / "encrypted.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    return path


BAD = {
    "certificate without key": (
        lambda tmp, c: ["--certfile", str(c.certfile)],
        "--certfile (SEATPLAN_TLS_CERTFILE) needs --keyfile (SEATPLAN_TLS_KEYFILE) too.",
    ),
    "key without certificate": (
        lambda tmp, c: ["--keyfile", str(c.keyfile)],
        "--keyfile (SEATPLAN_TLS_KEYFILE) needs --certfile (SEATPLAN_TLS_CERTFILE) too.",
    ),
    "missing certificate": (
        lambda tmp, c: ["--certfile", str(tmp / "nope.pem"), "--keyfile", str(c.keyfile)],
        "Cannot read the TLS certificate file {tmp}/nope.pem: No such file or directory.",
    ),
    "missing key": (
        lambda tmp, c: ["--certfile", str(c.certfile), "--keyfile", str(tmp / "nope.key")],
        "Cannot read the TLS key file {tmp}/nope.key: No such file or directory.",
    ),
    "a directory": (
        lambda tmp, c: ["--certfile", str(tmp), "--keyfile", str(c.keyfile)],
        "Cannot read the TLS certificate file {tmp}: Is a directory.",
    ),
    "not a certificate": (
        lambda tmp, c: ["--certfile", str(c.keyfile), "--keyfile", str(c.keyfile)],
        "The TLS certificate file {tmp}/server.key holds no PEM certificate.",
    ),
    "not a key": (
        lambda tmp, c: ["--certfile", str(c.certfile), "--keyfile", str(_garbage(tmp))],
        "The TLS key file {tmp}/garbage.pem holds no PEM private key.",
    ),
    "another certificate's key": (
        lambda tmp, c: ["--certfile", str(c.certfile), "--keyfile", str(_other_key(tmp))],
        "The TLS key file {tmp}/other/server.key is not the key of the certificate "
        "{tmp}/server.pem.",
    ),
    "an encrypted key": (
        lambda tmp, c: ["--certfile", str(c.certfile), "--keyfile", str(_encrypted_key(tmp, c))],
        "The TLS key file {tmp}/encrypted.key is encrypted: Seatplan reads unencrypted PEM "
        "keys only.",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_unusable_files_start_nothing(tmp_path, certificates, uvicorn_calls, case):
    (tmp_path / "other").mkdir()
    make_args, message = BAD[case]
    database = tmp_path / "never.db"
    result = invoke(
        make_args(tmp_path, certificates), {"SEATPLAN_DATABASE_URL": f"sqlite:///{database}"}
    )
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"Error: {message.format(tmp=tmp_path)}"]
    assert uvicorn_calls == []
    assert not database.exists()  # not even migrated


def test_half_a_pair_in_the_settings_is_refused_too(tmp_path, certificates, uvicorn_calls):
    result = invoke(
        [],
        {
            "SEATPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}",
            "SEATPLAN_TLS_KEYFILE": str(certificates.keyfile),
        },
    )
    assert result.exit_code == 1
    assert "needs --certfile (SEATPLAN_TLS_CERTFILE) too" in result.stderr
    assert uvicorn_calls == []
