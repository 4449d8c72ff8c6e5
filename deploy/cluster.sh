#!/usr/bin/env bash
# The cluster profile on one machine, from Debian and PyPI packages only:
#   PostgreSQL (Airflow's metadata database), Redis (Celery broker), moto's S3 server (the object
#   store), Airflow's API server, scheduler, DAG processor and triggerer, and two Celery workers:
#   `default` and `warehouse` (the single warehouse writer). Everything listens on 127.0.0.1.
#
#   deploy/cluster.sh start | stop | status | clean | run COMMAND...
#
# State lives in $CSA_CLUSTER_DIR (default .cluster/, git-ignored): secrets.env (generated once,
# mode 600, never committed), the database, logs/, pids/. `stop` ends exactly the processes whose
# ids `start` recorded (each in its own process group), nothing found by name.
set -euo pipefail

CSA_ROOT=$(cd "$(dirname "$0")/.." && pwd)
CSA_CLUSTER_DIR=${CSA_CLUSTER_DIR:-$CSA_ROOT/.cluster}
BIN=$CSA_ROOT/.venv/bin
PIDS=$CSA_CLUSTER_DIR/pids
LOGS=$CSA_CLUSTER_DIR/logs
# Stopped in the reverse order.
COMPONENTS=(postgres redis s3 api-server scheduler dag-processor triggerer worker-default worker-warehouse)

say() { echo "cluster: $*"; }

# Secrets are generated once per installation, never committed; every component reads them here.
generate_secrets() {
  [ -s "$CSA_CLUSTER_DIR/secrets.env" ] && return
  mkdir -p "$CSA_CLUSTER_DIR"
  rm -rf "$(pg_data)"  # a database left from earlier secrets could not be opened with new ones
  (umask 077 && "$BIN/python" - > "$CSA_CLUSTER_DIR/secrets.env") <<'EOF'
import secrets
from cryptography.fernet import Fernet

values = {
    "CSA_PG_PASSWORD": secrets.token_hex(16),
    "CSA_REDIS_PASSWORD": secrets.token_hex(16),
    "CSA_ADMIN_PASSWORD": secrets.token_urlsafe(12),
    "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
    "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
    "AIRFLOW__API__SECRET_KEY": secrets.token_hex(32),
    "AWS_ACCESS_KEY_ID": "csa" + secrets.token_hex(8),
    "AWS_SECRET_ACCESS_KEY": secrets.token_hex(20),
}
print("\n".join(f"{k}={v}" for k, v in values.items()))
EOF
  say "generated secrets in $CSA_CLUSTER_DIR/secrets.env"
}

load_env() {
  # The embedded profile's JWT secret file (`make airflow-init`) is not the cluster's: the cluster
  # generates its own into secrets.env, shared by the scheduler and the API server.
  unset AIRFLOW__API_AUTH__JWT_SECRET_CMD
  set -a
  # shellcheck disable=SC1091
  . "$CSA_CLUSTER_DIR/secrets.env"
  # shellcheck disable=SC1091
  if [ -s "$CSA_CLUSTER_DIR/s3-keys.env" ]; then . "$CSA_CLUSTER_DIR/s3-keys.env"; fi
  # shellcheck disable=SC1091
  . "$CSA_ROOT/deploy/cluster.env"
  set +a
}

alive() { [ -s "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

# A component in its own session (process group = its pid), so `stop` reaches its children too.
launch() {
  local name=$1
  shift
  if alive "$name"; then say "$name already running (pid $(cat "$PIDS/$name.pid"))"; return; fi
  setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$name.pid"
  say "started $name (pid $!) at ${SECONDS}s"
}

wait_for() {  # name, seconds, command...
  local name=$1 seconds=$2
  shift 2
  for _ in $(seq "$seconds"); do
    "$@" >/dev/null 2>&1 && return 0
    alive "$name" || { say "$name died; its log:"; tail -30 "$LOGS/$name.log"; return 1; }
    sleep 1
  done
  say "$name not ready after ${seconds}s; its log:"; tail -30 "$LOGS/$name.log"; return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }

# PostgreSQL refuses to run as root: as root it runs as `postgres`, its data in a folder that user
# can reach (the project may sit under a home directory closed to others).
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_data() {
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$CSA_CLUSTER_DIR"; then
    echo "/var/lib/postgresql/csa-cluster-$(echo "$CSA_CLUSTER_DIR" | sha1sum | cut -c1-12)"
  else
    echo "$CSA_CLUSTER_DIR/postgres"
  fi
}

start_postgres() {
  local data bin
  data=$(pg_data)
  bin=$(pg_bin)
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$data"
    chmod 700 "$data"
    local pwfile
    pwfile=$(mktemp)
    echo "$CSA_PG_PASSWORD" > "$pwfile"
    [ "$(id -u)" = 0 ] && chown postgres: "$pwfile"
    as_postgres "$bin/initdb" -D "$data" -U airflow --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 > "$LOGS/initdb.log"
    rm -f "$pwfile"
  fi
  if ! alive postgres; then
    # TCP on loopback only, no Unix socket (its default folder may not exist on a fresh machine).
    as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $CSA_PG_PORT -c unix_socket_directories=''" start > /dev/null
    head -1 "$data/postmaster.pid" > "$PIDS/postgres.pid"
    say "started postgres (pid $(cat "$PIDS/postgres.pid"), port $CSA_PG_PORT) at ${SECONDS}s"
  fi
  PGPASSWORD=$CSA_PG_PASSWORD "$bin/psql" -h 127.0.0.1 -p "$CSA_PG_PORT" -U airflow -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'airflow'" | grep -q 1 \
    || PGPASSWORD=$CSA_PG_PASSWORD "$bin/createdb" -h 127.0.0.1 -p "$CSA_PG_PORT" -U airflow airflow
}

start_redis() {
  mkdir -p "$CSA_CLUSTER_DIR/redis"
  (umask 077 && printf 'bind 127.0.0.1\nport %s\nrequirepass %s\nsave ""\nappendonly no\ndir %s\n' \
    "$CSA_REDIS_PORT" "$CSA_REDIS_PASSWORD" "$CSA_CLUSTER_DIR/redis" > "$CSA_CLUSTER_DIR/redis/redis.conf")
  launch redis redis-server "$CSA_CLUSTER_DIR/redis/redis.conf"
  wait_for redis 30 port_open "$CSA_REDIS_PORT"
}

# The object store with access keys and policies (moto's IAM, enforced once set up): the Union's
# key may do everything; each state in CSA_S3_STATES only writes its landing prefix
# csa-landing/landing/<GEO>/ and reads its feedback prefix csa-internal/reports/<GEO>/. Keys are
# made by the store at every start (it keeps nothing) into s3-keys.env (mode 600).
start_s3() {
  if alive s3; then say "s3 already running (pid $(cat "$PIDS/s3.pid"))"; return; fi
  launch s3 "$BIN/moto_server" -H 127.0.0.1 -p "$CSA_S3_PORT"
  wait_for s3 30 port_open "$CSA_S3_PORT"
  # Buckets are created with boto3 (s3fs's mkdir asks for a location constraint moto refuses).
  (umask 077 && "$BIN/python" - "$CSA_S3_STATES" > "$CSA_CLUSTER_DIR/s3-keys.env") <<'EOF'
import json
import os
import sys
import urllib.request

import boto3

iam, s3 = boto3.client("iam"), boto3.client("s3")
for bucket in ("csa-landing", "csa-internal", "csa-public"):
    s3.create_bucket(Bucket=bucket)


def user(name, statements, prefix):
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    print(f"{prefix}ACCESS_KEY_ID={key['AccessKeyId']}\n{prefix}SECRET_ACCESS_KEY={key['SecretAccessKey']}")


user("union", [{"Effect": "Allow", "Action": "*", "Resource": "*"}], "AWS_")
for geo in sys.argv[1].split():
    user(f"state-{geo}", [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": f"arn:aws:s3:::csa-landing/landing/{geo}/*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::csa-internal/reports/{geo}/*"},
        # Listing is per bucket here; on AWS add the condition s3:prefix = landing/<GEO>/.
        {"Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": ["arn:aws:s3:::csa-landing", "arn:aws:s3:::csa-internal"]},
    ], f"CSA_{geo}_")
# From now on every request must be signed with a key of the store and pass its policy.
reset = f"{os.environ['AWS_ENDPOINT_URL']}/moto-api/reset-auth"
# (not a form: the server reads the raw body)
urllib.request.urlopen(urllib.request.Request(reset, b"0", {"Content-Type": "text/plain"}), timeout=10)
EOF
  load_env  # with the keys just made
}

start_airflow() {
  mkdir -p "$AIRFLOW_HOME" "$CSA_DATA_DIR"
  (umask 077 && printf '{"admin": "%s"}\n' "$CSA_ADMIN_PASSWORD" > "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
  "$BIN/airflow" db migrate > "$LOGS/db-migrate.log" 2>&1 || { tail -30 "$LOGS/db-migrate.log"; return 1; }
  "$BIN/airflow" pools import "$CSA_ROOT/config/airflow_pools.json" > /dev/null
  # Variables from config/ (release approvers, ...); AIRFLOW_VAR_* in cluster.env override them.
  "$BIN/airflow" variables import --action-on-existing-key overwrite \
    "$CSA_ROOT/config/airflow_variables.json" > /dev/null
  say "metadata database migrated at ${SECONDS}s"
  # The API server first: workers and the scheduler talk to it.
  launch api-server "$BIN/airflow" api-server --host 127.0.0.1 --port "$CSA_API_PORT" --workers 1
  wait_for api-server 120 "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$CSA_API_PORT/api/v2/monitor/health"
  launch scheduler "$BIN/airflow" scheduler --skip-serve-logs
  launch dag-processor "$BIN/airflow" dag-processor
  launch triggerer "$BIN/airflow" triggerer --skip-serve-logs
  # Logs are read from the shared log folder on this machine; no log server listens on 0.0.0.0.
  launch worker-default "$BIN/airflow" celery worker --queues default --concurrency 2 \
    --celery-hostname "default@%h" --skip-serve-logs
  launch worker-warehouse "$BIN/airflow" celery worker --queues warehouse --concurrency 2 \
    --celery-hostname "warehouse@%h" --skip-serve-logs
}

start() {
  mkdir -p "$PIDS" "$LOGS"
  generate_secrets
  load_env
  start_postgres
  start_redis
  start_s3
  start_airflow
  say "up after ${SECONDS}s: API and UI http://127.0.0.1:$CSA_API_PORT (admin / see $AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE)"
}

stop_one() {
  local name=$1 pid
  [ -s "$PIDS/$name.pid" ] || return 0
  pid=$(cat "$PIDS/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    if [ "$name" = postgres ]; then
      kill -INT "$pid"  # PostgreSQL's fast shutdown
    else
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    fi
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
    fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$PIDS/$name.pid"
}

stop() {
  local i
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop_one "${COMPONENTS[$i]}"; done
}

status() {
  local name
  for name in "${COMPONENTS[@]}"; do
    if alive "$name"; then echo "$name: running (pid $(cat "$PIDS/$name.pid"))"; else echo "$name: stopped"; fi
  done
}

clean() {  # stop, then forget everything: data, secrets, logs
  stop
  rm -rf "$(pg_data)" "$CSA_CLUSTER_DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  clean) clean ;;
  status) status ;;
  run) shift; load_env; exec "$@" ;;
  *) echo "usage: $0 start|stop|status|clean|run COMMAND..." >&2; exit 2 ;;
esac
