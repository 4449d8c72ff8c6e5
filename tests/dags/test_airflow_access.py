"""Who may approve, through the REST API of a running Airflow API server on loopback, set up as
`make airflow` sets it up: a random JWT secret and passwords per installation, named users and
roles, releases approved only by the configured approvers."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import jwt
import pytest

from csa_stats.service import ensure_secrets
from tests.helpers import write_json_submission

ROOT = Path(__file__).parents[2]
USERS = "admin:admin,approver:user,analyst:viewer"
# The secret the Makefile once shipped: anyone who read the repository could sign with it.
PUBLISHED_SECRET = "csa-stats-local-only-jwt-secret-0123456789abcdef0123456789abcdef"


def test_no_secret_or_password_is_in_the_repository():
    shipped = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in shipped.stdout.split():
        path = ROOT / name
        if name == "tests/dags/test_airflow_access.py":  # this file names what it looks for
            continue
        if path.suffix in (".py", ".json", ".yaml", ".md", ".cfg", ".toml", ".env") or name == "Makefile":
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "JWT_SECRET ?=" not in text and "JWT_SECRET :=" not in text, name
            assert PUBLISHED_SECRET not in text, name
    makefile = (ROOT / "Makefile").read_text()
    assert "JWT_SECRET_CMD := cat $(AIRFLOW_HOME)/jwt_secret" in makefile
    assert "AIRFLOW__API__HOST ?= 127.0.0.1" in makefile


def test_secrets_are_random_private_and_kept(tmp_path):
    secret, passwords = ensure_secrets(tmp_path, USERS)
    other, _ = ensure_secrets(tmp_path / "elsewhere", USERS)
    assert secret.read_text() != other.read_text() and len(secret.read_text()) >= 64
    assert set(json.loads(passwords.read_text())) == {"admin", "approver", "analyst"}
    assert secret.stat().st_mode & 0o777 == passwords.stat().st_mode & 0o777 == 0o600
    before = passwords.read_text(), secret.read_text()
    ensure_secrets(tmp_path, USERS + ",auditor:viewer")  # a new user: its own password, others kept
    known = json.loads(passwords.read_text())
    assert {k: v for k, v in known.items() if k != "auditor"} == json.loads(before[0]) and known["auditor"]
    assert secret.read_text() == before[1]


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import BundleDagBag

    dags = ROOT / "dags"
    return BundleDagBag(dag_folder=str(dags), bundle_path=dags, bundle_name="dags-folder")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def api_server(tmp_path, airflow_db):
    """`airflow api-server` on a random loopback port with this installation's generated secrets."""
    secret, passwords = ensure_secrets(tmp_path / "auth", USERS)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "AIRFLOW__API_AUTH__JWT_SECRET"}
    env |= {
        "AIRFLOW__API_AUTH__JWT_SECRET_CMD": f"cat {secret}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": USERS,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__API__HOST": "127.0.0.1",
    }
    log = (tmp_path / "api-server.log").open("w")
    server = subprocess.Popen(
        [Path(sys.executable).parent / "airflow", "api-server", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:  # the test waits for health itself, meanwhile it starts the DAG run
        yield (
            url,
            json.loads(passwords.read_text()),
            lambda: _wait_healthy(url, server, tmp_path / "api-server.log"),
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _wait_healthy(url: str, server, log: Path, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{url}/api/v2/monitor/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(1)
    raise AssertionError(f"api-server not healthy after {timeout}s: {log.read_text()[-3000:]}")


def _token(url: str, user: str, password: str) -> str:
    response = httpx.post(f"{url}/auth/token", json={"username": user, "password": password}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["access_token"]


def _waiting_approval(timeout: float = 240) -> str:
    """The hitlDetails URL path of the approval the DAG run waits on."""
    from airflow.models.hitl import HITLDetail
    from airflow.utils.session import create_session
    from sqlalchemy import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with create_session() as session:
            for detail in session.scalars(select(HITLDetail).where(HITLDetail.responded_at.is_(None))):
                ti = detail.task_instance
                if ti.state == "awaiting_input":
                    return (
                        f"/api/v2/dags/{ti.dag_id}/dagRuns/{ti.run_id}/taskInstances/{ti.task_id}/"
                        f"{ti.map_index}/hitlDetails"
                    )
        time.sleep(0.5)
    raise AssertionError("no approval awaiting input")


def _reject_in_process() -> None:
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.models.hitl import HITLDetail
    from airflow.utils.session import create_session
    from sqlalchemy import select

    create_auth_manager()
    with create_session() as session:
        for detail in session.scalars(select(HITLDetail).where(HITLDetail.responded_at.is_(None))).all():
            ti = detail.task_instance
            update_hitl_detail(
                dag_id=ti.dag_id,
                dag_run_id=ti.run_id,
                task_id=ti.task_id,
                update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=["Reject"]),
                user=SimpleAuthManagerUser(username="approver", role="user"),
                session=session,
                map_index=ti.map_index,
            )


def test_only_a_configured_approver_can_approve_through_the_rest_api(api_server, dagbag, csa_env):
    from csa_stats.steps.collection import ingest
    from warehouse import db

    url, passwords, wait_healthy = api_server
    ingest(str(write_json_submission(csa_env.landing / "AT", geo="AT")), sender="AT")
    seen: dict[str, int] = {}

    def get_dags(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.get(f"{url}/api/v2/dags", headers=headers, timeout=30).status_code

    def forge_and_answer():
        try:
            wait_healthy()
            tokens = {user: _token(url, user, passwords[user]) for user in ("admin", "approver", "analyst")}
            wrong = httpx.post(
                f"{url}/auth/token", json={"username": "admin", "password": "admin"}, timeout=30
            )
            seen["wrong password"] = wrong.status_code
            # A well-formed admin token signed with another secret (here the one the repository once
            # shipped), or unsigned, is refused; the same claims signed by this installation pass.
            claims = jwt.decode(tokens["admin"], options={"verify_signature": False})
            algorithm = jwt.get_unverified_header(tokens["admin"])["alg"]
            seen["published secret"] = get_dags(jwt.encode(claims, PUBLISHED_SECRET, algorithm=algorithm))
            seen["other secret"] = get_dags(jwt.encode(claims, "x" * 64, algorithm=algorithm))
            seen["unsigned"] = get_dags(jwt.encode(claims, None, algorithm="none"))
            seen["genuine"] = get_dags(tokens["admin"])
            path = _waiting_approval()
            for user in ("analyst", "admin", "approver"):  # a viewer, an admin not approver, the approver
                response = httpx.patch(
                    f"{url}{path}",
                    json={"chosen_options": ["Approve"]},
                    headers={"Authorization": f"Bearer {tokens[user]}"},
                    timeout=60,
                )
                seen[user] = response.status_code
        finally:
            if seen.get("approver") != 200:  # the test fails on `seen`; the run must not wait forever
                _waiting_approval()
                _reject_in_process()

    responder = threading.Thread(target=forge_and_answer, daemon=True)
    responder.start()
    run = dagbag.get_dag("union_release").test()
    responder.join(timeout=60)
    refused = (401, 403)  # Airflow answers 403 "Forbidden" to a token it cannot verify
    assert seen.pop("genuine") == 200 and seen.pop("wrong password") == 401
    assert all(seen.pop(forged) in refused for forged in ("published secret", "other secret", "unsigned"))
    assert seen == {"analyst": 403, "admin": 403, "approver": 200}
    assert run.state == "success"
    with db.reader(csa_env.warehouse) as con:
        approvals = con.execute("SELECT actor, object FROM audit_log WHERE action = 'approve'").fetchall()
    assert approvals == [("approver", "EU-2023-v1")]
    assert (csa_env.public / "releases" / "2023" / "v1" / "SHA256SUMS").exists()
