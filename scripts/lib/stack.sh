# shellcheck shell=bash
# The private stack shared by scripts/run, scripts/test and scripts/bench: MariaDB, memcached, nginx and
# the shortlinkd pool, all under $STACK_DIR, on loopback, started as the current user (root on CI).
#
# Inputs (set before sourcing): STACK_DIR, HTTP_PORT, HTTPS_PORT, MYSQL_PORT, MEMCACHED_PORT, BUILD_CONFIG
# (debug|release), WORKERS.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PACKAGES=(libfcgi-dev libmariadb-dev libmemcached-dev libqrencode-dev libsodium-dev libcurl4-openssl-dev libpcre2-dev
          libmaxminddb-dev pkg-config uap-core python3-pip mariadb-server mariadb-client memcached nginx openssl curl wrk
          ca-certificates systemd)
# The ingester's data sets besides uap-core (scripts/update-visitor-data); GEOIP_DB may name another database.
VISITOR_DATA=${VISITOR_DATA:-/var/lib/shortlink/data}

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

install_packages() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
    command -v swift >/dev/null || die "the Swift toolchain is expected at /opt/swift"
    if [ ! -s "$VISITOR_DATA/crawler-user-agents.json" ] || [ ! -s "$VISITOR_DATA/GeoLite2-City.mmdb" ]; then
        say "installing the visitor data sets into $VISITOR_DATA"
        "$ROOT/scripts/update-visitor-data" "$VISITOR_DATA" >&2
    fi
}

build() {
    say "building ($BUILD_CONFIG)"
    local product
    for product in shortlinkd shortlinkctl shortlink-ingest shortlink-expire shortlink-report; do
        (cd "$ROOT" && swift build -c "$BUILD_CONFIG" --product "$product" >&2)
    done
    BIN=$(cd "$ROOT" && swift build -c "$BUILD_CONFIG" --show-bin-path)
    export BIN
}

bin_path() { BIN=$(cd "$ROOT" && swift build -c "$BUILD_CONFIG" --show-bin-path); export BIN; }

# A random secret kept in a file (created once).
secret_file() {
    local f=$1
    [ -s "$f" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$f")
    cat "$f"
}

# ---- MariaDB ---------------------------------------------------------------------------------------
mariadb_sock() { echo "$STACK_DIR/mariadb.sock"; }

start_mariadb() {
    local data="$STACK_DIR/mariadb"
    mkdir -p "$STACK_DIR"
    if mariadb-admin --socket="$(mariadb_sock)" -uroot ping >/dev/null 2>&1; then return; fi
    cat > "$STACK_DIR/my.cnf" <<CNF
[mariadbd]
datadir=$data
socket=$(mariadb_sock)
port=$MYSQL_PORT
bind-address=127.0.0.1
pid-file=$STACK_DIR/mariadb.pid
tmpdir=$STACK_DIR/mariadb-tmp
log-error=$STACK_DIR/mariadb.err
user=root
skip-name-resolve
innodb_buffer_pool_size=${MARIADB_BUFFER_POOL:-128M}
innodb_log_file_size=${MARIADB_LOG_FILE:-48M}
max_connections=300
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
default-time-zone=+00:00
CNF
    mkdir -p "$STACK_DIR/mariadb-tmp"
    if [ ! -d "$data/mysql" ]; then
        say "initialising MariaDB in $data"
        mariadb-install-db --defaults-file="$STACK_DIR/my.cnf" --auth-root-authentication-method=socket \
            --skip-test-db >"$STACK_DIR/mariadb-install.log" 2>&1 || { cat "$STACK_DIR/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
    fi
    say "starting MariaDB on 127.0.0.1:$MYSQL_PORT"
    (mariadbd --defaults-file="$STACK_DIR/my.cnf" >/dev/null 2>&1 &)
    for _ in $(seq 1 100); do
        mariadb-admin --socket="$(mariadb_sock)" -uroot ping >/dev/null 2>&1 && break
        sleep 0.2
    done
    mariadb-admin --socket="$(mariadb_sock)" -uroot ping >/dev/null 2>&1 || { tail -20 "$STACK_DIR/mariadb.err" >&2; die "MariaDB did not start"; }
    local pw; pw=$(secret_file "$STACK_DIR/db-password")
    mariadb --socket="$(mariadb_sock)" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS shortlink CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'shortlink'@'localhost' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'shortlink'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON \`shortlink%\`.* TO 'shortlink'@'localhost';
GRANT ALL PRIVILEGES ON \`shortlink%\`.* TO 'shortlink'@'127.0.0.1';
SQL
}

stop_mariadb() {
    if [ -f "$STACK_DIR/mariadb.pid" ]; then
        local pid; pid=$(cat "$STACK_DIR/mariadb.pid" 2>/dev/null || true)
        mariadb-admin --socket="$(mariadb_sock)" -uroot shutdown >/dev/null 2>&1 || { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; }
        for _ in $(seq 1 100); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
}

# ---- small daemons started in the background with a pid file ---------------------------------------
running() { [ -f "$STACK_DIR/$1.pid" ] && kill -0 "$(cat "$STACK_DIR/$1.pid")" 2>/dev/null; }

wait_port() {  # port name
    for _ in $(seq 1 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return
        sleep 0.1
    done
    die "$2 did not start"
}

stop_pidfile() {  # name: TERM the process of $STACK_DIR/<name>.pid, wait up to 5 s
    if [ -f "$STACK_DIR/$1.pid" ]; then
        local pid; pid=$(cat "$STACK_DIR/$1.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$STACK_DIR/$1.pid"
    fi
}

# ---- memcached -------------------------------------------------------------------------------------
start_memcached() {
    mkdir -p "$STACK_DIR"
    if running memcached; then return; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$MEMCACHED_PORT") 2>/dev/null; then
        die "port $MEMCACHED_PORT is taken by another process; stop it or choose MEMCACHED_PORT"
    fi
    say "starting memcached on 127.0.0.1:$MEMCACHED_PORT"
    (memcached -u root -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -m 128 -c 4096 -t 2 </dev/null >>"$STACK_DIR/memcached.log" 2>&1 &
     echo $! > "$STACK_DIR/memcached.pid")
    wait_port "$MEMCACHED_PORT" memcached
}

stop_memcached() { stop_pidfile memcached; }

# ---- mail sink (a real SMTP server; every message lands in $STACK_DIR/mail/NNNNNN.eml) ---------------
install_mailsink() {
    python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q aiosmtpd 2>/dev/null \
        || apt-get install -y -qq --no-install-recommends python3-aiosmtpd >/dev/null
}

start_mailsink() {
    [ -n "${SMTP_PORT:-}" ] || return 0
    if running mailsink; then return; fi
    say "starting the mail sink on 127.0.0.1:$SMTP_PORT (messages in $STACK_DIR/mail/)"
    (python3 "$ROOT/scripts/lib/mailsink.py" 127.0.0.1 "$SMTP_PORT" "$STACK_DIR/mail" </dev/null >>"$STACK_DIR/mailsink.log" 2>&1 &
     echo $! > "$STACK_DIR/mailsink.pid")
    wait_port "$SMTP_PORT" "the mail sink"
}

stop_mailsink() { stop_pidfile mailsink; }

# ---- shortlinkd --------------------------------------------------------------------------------------
write_config() {
    mkdir -p "$STACK_DIR/spool"
    secret_file "$STACK_DIR/db-password" >/dev/null
    [ -s "$STACK_DIR/secret-key" ] || (umask 077; openssl rand -hex 32 > "$STACK_DIR/secret-key")
    cat > "$STACK_DIR/shortlink.conf" <<CONF
# Generated by scripts/lib/stack.sh for the private stack in $STACK_DIR.
SHORTLINK_SOCKET=$STACK_DIR/shortlinkd.sock
SHORTLINK_SOCKET_MODE=0666
SHORTLINK_WORKERS=${WORKERS:-4}
SHORTLINK_MAX_REQUESTS=${MAX_REQUESTS:-0}
SHORTLINK_STOP_TIMEOUT=10
SHORTLINK_DB_SOCKET=$(mariadb_sock)
SHORTLINK_DB_USER=shortlink
SHORTLINK_DB_PASSWORD_FILE=$STACK_DIR/db-password
SHORTLINK_DB_NAME=shortlink
SHORTLINK_MEMCACHED=127.0.0.1:$MEMCACHED_PORT
SHORTLINK_SPOOL_DIR=$STACK_DIR/spool
SHORTLINK_BASE_URL=http://127.0.0.1:$HTTP_PORT
SHORTLINK_LOG_LEVEL=${LOG_LEVEL:-info}
SHORTLINK_SECRET_KEY_FILE=$STACK_DIR/secret-key
SHORTLINK_SMTP_URL=${SMTP_PORT:+smtp://127.0.0.1:$SMTP_PORT}
SHORTLINK_MAIL_FROM=shortlink@localhost
SHORTLINK_APP_URL=https://127.0.0.1:$HTTPS_PORT
SHORTLINK_BOT_PATTERNS=$VISITOR_DATA/crawler-user-agents.json
SHORTLINK_GEOIP_DB=${GEOIP_DB:-$VISITOR_DATA/GeoLite2-City.mmdb}
CONF
}

ctl() { SHORTLINK_CONFIG="$STACK_DIR/shortlink.conf" "$BIN/shortlinkctl" "$@"; }

migrate() {
    say "migrating"
    ctl migrate --sql-dir "$ROOT/sql" >&2
}

ensure_admin_key() {
    local f="$STACK_DIR/admin-api-key"
    if [ -s "$f" ]; then return; fi
    ctl create-admin --email admin@localhost --write-key "$f" >/dev/null
}

start_pool() {
    if pool_running; then return; fi
    say "starting shortlinkd"
    (SHORTLINK_CONFIG="$STACK_DIR/shortlink.conf" "$BIN/shortlinkd" >>"$STACK_DIR/shortlinkd.log" 2>&1 & echo $! > "$STACK_DIR/shortlinkd.pid")
    for _ in $(seq 1 100); do [ -S "$STACK_DIR/shortlinkd.sock" ] && return; sleep 0.1; done
    tail -20 "$STACK_DIR/shortlinkd.log" >&2
    die "shortlinkd did not start"
}

pool_running() { running shortlinkd; }

stop_pool() {
    if pool_running; then
        local pid; pid=$(cat "$STACK_DIR/shortlinkd.pid")
        kill -TERM "$pid"
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$STACK_DIR/shortlinkd.pid"
}

# ---- shortlink-ingest ---------------------------------------------------------------------------------
start_ingest() {
    if running ingest; then return; fi
    say "starting shortlink-ingest"
    (SHORTLINK_CONFIG="$STACK_DIR/shortlink.conf" "$BIN/shortlink-ingest" >>"$STACK_DIR/ingest.log" 2>&1 & echo $! > "$STACK_DIR/ingest.pid")
}

stop_ingest() { stop_pidfile ingest; }

kill_ingest() {  # SIGKILL, as a crash would: the tests check that nothing is lost or doubled
    if running ingest; then kill -KILL "$(cat "$STACK_DIR/ingest.pid")"; sleep 0.2; fi
    rm -f "$STACK_DIR/ingest.pid"
}

# ---- nginx -------------------------------------------------------------------------------------------
write_tls() {
    mkdir -p "$STACK_DIR/tls"
    [ -s "$STACK_DIR/tls/cert.pem" ] && return
    openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$STACK_DIR/tls/key.pem" -out "$STACK_DIR/tls/cert.pem" >/dev/null 2>&1
}

# Derives the private site from nginx/shortlink.conf, changing only ports, paths and the certificate, so
# that what is tested is the config operators install.
write_nginx() {
    local d="$STACK_DIR/nginx"
    mkdir -p "$d/tmp" "$d/logs"
    write_tls
    mkdir -p "$STACK_DIR/www/.well-known"
    cp "$ROOT/nginx/shortlink-fastcgi.conf" "$ROOT/nginx/shortlink-headers.conf" "$d/"
    sed -e "s#/etc/nginx/snippets/#$d/#" "$ROOT/nginx/shortlink-errors.conf" > "$d/shortlink-errors.conf"
    sed -e "s#https://\$server_name\$request_uri#https://\$server_name:$HTTPS_PORT\$request_uri#" \
        "$ROOT/nginx/shortlink-paths.conf" > "$d/shortlink-paths.conf"
    sed -e "s#unix:/run/shortlink/shortlinkd.sock#unix:$STACK_DIR/shortlinkd.sock#" \
        -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" \
        -e "s#listen 443 ssl http2;#listen 127.0.0.1:$HTTPS_PORT ssl http2;#" \
        -e "/listen \[::\]/d" \
        -e "s#server_name sho.rt;#server_name 127.0.0.1 localhost;#" \
        -e "s#/etc/shortlink/tls/fullchain.pem#$STACK_DIR/tls/cert.pem#" \
        -e "s#/etc/shortlink/tls/privkey.pem#$STACK_DIR/tls/key.pem#" \
        -e "s#/etc/nginx/snippets/#$d/#" \
        -e "s#/var/lib/shortlink/www#$STACK_DIR/www#" \
        "$ROOT/nginx/shortlink.conf" > "$d/site.conf"
    cat > "$d/nginx.conf" <<NGX
# Generated by scripts/lib/stack.sh.
worker_processes ${NGINX_WORKERS:-1};
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 4096; }
http {
    default_type application/octet-stream;
    access_log ${NGINX_ACCESS_LOG:-$d/logs/access.log};
    client_body_temp_path $d/tmp/body;
    fastcgi_temp_path $d/tmp/fastcgi;
    proxy_temp_path $d/tmp/proxy;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    include $d/site.conf;
    ${NGINX_EXTRA:-}
}
NGX
}

start_nginx() {
    local d="$STACK_DIR/nginx"
    write_nginx
    if [ -f "$d/nginx.pid" ] && kill -0 "$(cat "$d/nginx.pid")" 2>/dev/null; then
        nginx -p "$d" -c "$d/nginx.conf" -s reload 2>/dev/null
        return
    fi
    say "starting nginx on http://127.0.0.1:$HTTP_PORT and https://127.0.0.1:$HTTPS_PORT"
    nginx -t -q -p "$d" -c "$d/nginx.conf"
    nginx -p "$d" -c "$d/nginx.conf"
}

stop_nginx() {
    local d="$STACK_DIR/nginx"
    if [ -f "$d/nginx.pid" ] && kill -0 "$(cat "$d/nginx.pid")" 2>/dev/null; then
        nginx -p "$d" -c "$d/nginx.conf" -s quit 2>/dev/null || true
        for _ in $(seq 1 50); do [ -f "$d/nginx.pid" ] || break; sleep 0.1; done
    fi
}

wait_healthy() {
    for _ in $(seq 1 100); do
        curl -fsk "https://127.0.0.1:$HTTPS_PORT/api/health" >/dev/null 2>&1 && return
        sleep 0.1
    done
    tail -20 "$STACK_DIR/shortlinkd.log" >&2
    die "shortlinkd is not healthy behind nginx"
}

start_stack() {
    start_mariadb
    start_memcached
    start_mailsink
    write_config
    migrate
    ensure_admin_key
    start_pool
    start_ingest
    start_nginx
    wait_healthy
}

stop_stack() {
    stop_nginx
    stop_ingest
    stop_pool
    stop_memcached
    stop_mailsink
    stop_mariadb
}
