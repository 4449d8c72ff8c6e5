"""Per-installation secrets of `make airflow`: a random JWT signing secret and a random password
for each configured user, written once into AIRFLOW_HOME (git-ignored), readable by their owner
only. Nothing usable against a deployment is in the repository.

    python -m csa_stats.service AIRFLOW_HOME "admin:admin,approver:user,analyst:viewer"
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

JWT_SECRET = "jwt_secret"
PASSWORDS = "simple_auth_manager_passwords.json.generated"  # where the simple auth manager looks


def usernames(users: str) -> list[str]:
    """The names in Airflow's `[core] simple_auth_manager_users` ("name:role,name:role")."""
    return [u.split(":")[0].strip() for u in users.split(",") if u.strip()]


def ensure_secrets(home: Path, users: str) -> tuple[Path, Path]:
    """The JWT secret and the password file, created when missing; existing ones are kept (a new
    user gets a password of its own), and both are made private to their owner again."""
    home.mkdir(parents=True, exist_ok=True)
    secret = home / JWT_SECRET
    if not secret.exists():
        _write_private(secret, secrets.token_urlsafe(64))
    passwords = home / PASSWORDS
    known = json.loads(passwords.read_text(encoding="utf-8")) if passwords.exists() else {}
    missing = {name: secrets.token_urlsafe(16) for name in usernames(users) if name not in known}
    if missing or not passwords.exists():
        _write_private(passwords, json.dumps(known | missing, indent=1) + "\n")
    for path in (secret, passwords):
        path.chmod(0o600)
    return secret, passwords


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".tmp-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


if __name__ == "__main__":
    ensure_secrets(Path(sys.argv[1]), sys.argv[2])
