"""Microsoft's JavaScript Graph client (tests/js, `node --test`) against a real `seatplan serve`
over HTTPS, with a certificate made for this test and trusted through NODE_EXTRA_CA_CERTS.

The client sends its token only over https to the hosts in `customHosts`, as docs/api.md
(Clients) says to set it up. `.ci/run` installs tests/js with `npm ci` and sets
SEATPLAN_TEST_REQUIRE_NODE=1, so that a missing Node or package fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from tests.e2e.certificates import make_certificates
from tests.e2e.server import running_server

JS = Path(__file__).resolve().parents[1] / "js"
CLIENT_PACKAGE = JS / "node_modules" / "@microsoft" / "microsoft-graph-client" / "package.json"
REQUIRE_NODE = os.environ.get("SEATPLAN_TEST_REQUIRE_NODE") == "1"
SCOPES = ("Directory.ReadWrite.All", "AuditLog.Read.All")
#: The scenarios of tests/js (each a top-level `test(` of a `*.test.js` file): all must pass.
SCENARIOS = sum(
    len(re.findall(r"^test\(", path.read_text(), re.MULTILINE)) for path in JS.glob("*.test.js")
)


def _missing() -> str | None:
    node = shutil.which("node")
    if node is None:
        return "Node.js is not installed (`node` is not on PATH; Node 20 or later is needed)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    major = re.match(r"v(\d+)\.", version.stdout)
    if major is None or int(major.group(1)) < 20:
        return f"Node.js 20 or later is needed, found {version.stdout.strip() or 'none'}"
    if not CLIENT_PACKAGE.exists():
        return f"the JavaScript client is not installed: run `npm ci` in {JS}"
    return None


@pytest.fixture
def node() -> str:
    missing = _missing()
    if missing is not None:
        if REQUIRE_NODE:
            pytest.fail(f"SEATPLAN_TEST_REQUIRE_NODE=1 but {missing}")
        pytest.skip(missing)
    found = shutil.which("node")
    assert found is not None
    return found


def test_javascript_client_scenarios_over_https(node, tmp_path):
    certificates = make_certificates(tmp_path)
    with running_server(f"sqlite:///{tmp_path / 'js.db'}", certificates=certificates) as server:
        admin = server.cli("token", "create", "--name", "setup", "--scope", "Seatplan.Admin")
        bought = httpx.post(
            f"{server.url}/admin/subscriptions",
            headers={"Authorization": f"Bearer {admin.strip().splitlines()[-1]}"},
            json={"sku": "ENTERPRISEPACK", "enabledUnits": 100},
            verify=server.verify,
        )
        assert bought.status_code == 201, bought.text
        token = server.cli("token", "create", "--name", "js", "--scope", *SCOPES)
        env = {
            **os.environ,
            "SEATPLAN_URL": server.url,
            "SEATPLAN_TOKEN": token.strip().splitlines()[-1],
            "NODE_EXTRA_CA_CERTS": str(certificates.authority),
        }
        # One file at a time: the scenarios share the tenant, and the machine's cores.
        done = subprocess.run(
            [node, "--test", "--test-concurrency=1", "--test-reporter=spec"],
            cwd=JS,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    report = f"{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, report
    # The spec reporter's closing counters: every scenario ran and passed, none was left out.
    counts = dict(re.findall(r"^ℹ (\w+) (\d+)$", done.stdout, re.MULTILINE))
    assert SCENARIOS > 0
    assert counts.get("pass") == str(SCENARIOS), report
    for left_out in ("fail", "cancelled", "skipped", "todo"):
        assert counts.get(left_out) == "0", report
