"""A real `seatplan serve --certfile --keyfile`: HTTPS only, and links that say https."""

from __future__ import annotations

import httpx
import pytest
from tests.e2e.certificates import make_certificates
from tests.e2e.server import running_server


def test_serve_answers_https_with_https_links(tmp_path):
    certificates = make_certificates(tmp_path)
    with running_server(f"sqlite:///{tmp_path / 'tls.db'}", certificates=certificates) as server:
        assert server.url.startswith("https://127.0.0.1:")
        token = server.cli("token", "create", "--name", "tls", "--scope", "User.ReadWrite.All")
        headers = {"Authorization": f"Bearer {token.strip().splitlines()[-1]}"}
        with httpx.Client(base_url=server.url, verify=server.verify, headers=headers) as client:
            for name in ("adele", "alex"):
                created = client.post(
                    "/v1.0/users",
                    json={
                        "accountEnabled": True,
                        "displayName": name,
                        "userPrincipalName": f"{name}@contoso.com",
                    },
                )
                assert created.status_code == 201, created.text
            page = client.get("/v1.0/users", params={"$top": "1"}).json()
            assert page["@odata.context"].startswith(f"{server.url}/v1.0/$metadata")
            assert page["@odata.nextLink"].startswith(f"{server.url}/v1.0/users?")
            assert len(client.get(page["@odata.nextLink"]).json()["value"]) == 1
        # Only HTTPS is served on the port; a client without the authority cannot connect.
        with pytest.raises(httpx.TransportError):
            httpx.get(server.url.replace("https://", "http://") + "/v1.0/users", timeout=5)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/v1.0/users", timeout=5)
