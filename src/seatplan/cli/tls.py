"""The certificate and key `seatplan serve` answers HTTPS with, checked before anything starts.

uvicorn reads the files only when its worker processes start, and reports a bad one with a
traceback per process; checking them here first gives one clear line and starts nothing.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass


class TlsFilesError(Exception):
    """The certificate or key cannot be used; the message says which and why."""


@dataclass(frozen=True)
class TlsFiles:
    certfile: str
    keyfile: str


def tls_files(certfile: str | None, keyfile: str | None) -> TlsFiles | None:
    """Both files (HTTPS), neither (plain HTTP), or a `TlsFilesError` saying what is wrong."""
    if not certfile and not keyfile:
        return None
    if not certfile:
        raise TlsFilesError(
            "--keyfile (SEATPLAN_TLS_KEYFILE) needs --certfile (SEATPLAN_TLS_CERTFILE) too."
        )
    if not keyfile:
        raise TlsFilesError(
            "--certfile (SEATPLAN_TLS_CERTFILE) needs --keyfile (SEATPLAN_TLS_KEYFILE) too."
        )
    for what, path in (("certificate", certfile), ("key", keyfile)):
        try:
            with open(path, "rb"):
                pass
        except OSError as error:
            raise TlsFilesError(
                f"Cannot read the TLS {what} file {path}: {error.strerror}."
            ) from error
    _check_certificate(certfile)
    _check_pair(certfile, keyfile)
    return TlsFiles(certfile, keyfile)


def _check_certificate(certfile: str) -> None:
    try:
        ssl.create_default_context().load_verify_locations(cafile=certfile)
    except ssl.SSLError as error:
        raise TlsFilesError(
            f"The TLS certificate file {certfile} holds no PEM certificate."
        ) from error


def _encrypted_key() -> bytes:
    # Without a password callback OpenSSL would prompt on the terminal, and uvicorn's
    # processes would prompt again: an encrypted key is refused instead.
    raise TlsFilesError("is encrypted: Seatplan reads unencrypted PEM keys only")


def _check_pair(certfile: str, keyfile: str) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile, password=_encrypted_key)
    except TlsFilesError as error:
        raise TlsFilesError(f"The TLS key file {keyfile} {error}.") from error
    except ssl.SSLError as error:
        if error.reason == "KEY_VALUES_MISMATCH":
            raise TlsFilesError(
                f"The TLS key file {keyfile} is not the key of the certificate {certfile}."
            ) from error
        raise TlsFilesError(f"The TLS key file {keyfile} holds no PEM private key.") from error
