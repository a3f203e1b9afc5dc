#!/usr/bin/env bash
# Makes sure everything the test suite talks to is installed and running on this machine:
# Debian packages (Flask for interop tests, memcached, chromium, a MongoDB wire-protocol peer)
# and the Redis, PostgreSQL and MariaDB servers. Safe to run repeatedly; does nothing when all is
# already there. Needs root (or sudo) only when something must be installed.
set -euo pipefail

log() { printf '[test-env] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
/usr/bin/python3 -c 'import flask' 2>/dev/null || missing+=(python3-flask)
/usr/bin/python3 -c 'import mockupdb, mongomock' 2>/dev/null || missing+=(python3-mockupdb python3-mongomock)
/usr/bin/python3 -c 'import msgpack, redis' 2>/dev/null || missing+=(python3-msgpack python3-redis)
command -v memcached >/dev/null || missing+=(memcached)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

wait_for() { # name, command
  for _ in $(seq 1 50); do eval "$2" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$1 did not come up"; return 1
}

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting redis on 127.0.0.1:6379"
  mkdir -p /tmp/sessionkit-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
    --dir /tmp/sessionkit-redis --logfile /tmp/sessionkit-redis/redis.log
  wait_for redis "redis-cli -h 127.0.0.1 -p 6379 ping"
fi

if command -v pg_ctlcluster >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  log "starting postgresql"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for postgresql "pg_isready -h 127.0.0.1 -p 5432" || true
fi

if command -v mariadbd >/dev/null && ! mariadb-admin -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; then
  log "starting mariadb"
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  wait_for mariadb "mariadb-admin -h 127.0.0.1 -P 3306 -u root ping" || true
fi
log "ready"
