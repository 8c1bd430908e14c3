#!/usr/bin/env bash
# Load benchmarks for the README's Performance section, on PostgreSQL.
#
# Usage (from anywhere; needs go, psql, pgbench, wrk, curl and a PostgreSQL
# that trusts the postgres user on 127.0.0.1:5432):
#
#   .ci/bench/http.sh
#   LEARNERS=64 DURATION=30 WARMUP=5 CONNS="16 64" .ci/bench/http.sh
#
# Settings (environment): PARTS (which of "save page journey" to run, all by
# default; statements are counted for those run), APP_BIN (a foundations
# binary built elsewhere, to compare two builds run in turns; by default
# the tree's own is built), LEARNERS (64, at most 200), DURATION and WARMUP in
# seconds (30, 5), CONNS (connections/clients per run, "16 64"), JOURNEYS
# (learner journeys timed, 20), APP_PORT and BARE_PORT (18080, 18081),
# PGHOST/PGPORT/PGUSER (127.0.0.1, 5432, postgres), BENCH_DB
# (foundations_bench: dropped and re-created, then dropped at the end),
# PG_LOG (PostgreSQL's log file: found by itself for a logging collector or
# Debian's /var/log/postgresql). Takes about 12 minutes with the defaults
# (each run is followed by 11 s for PostgreSQL's statistics to settle).
#
# What it measures, each after a warm-up, with 2 wrk threads:
#   (a) answer saves through the whole HTTP stack -- POST
#       /modules/<module 1>/save (session lookup, CSRF, validation, upsert)
#       -- beside pgbench -M prepared running the same single-row upsert
#       straight into PostgreSQL, both spread over the same learners' rows
#       (every learner x every single-choice question of module 1 x every
#       option);
#   (b) module 1's page, GET /modules/<module 1>, for signed-in learners
#       who have answered every question, beside a bare Fiber endpoint
#       (.ci/bench/bare) that checks the same session cookie through the
#       app's Accounts and store and reads the same answers, answering
#       JSON; both without and with Accept-Encoding: gzip (the bare
#       endpoint has the app's compress middleware);
#   (c) the whole learner journey, JOURNEYS new learners one after another
#       (BenchmarkLearnerJourney in cmd/foundations: register, five modules
#       each opened, autosaved question by question, submitted and its
#       result read, the evaluation, the certificate PDF), as server time
#       per journey with the password hash reported apart;
#       It also gives the WAL flushes per journey (pg_stat_wal) beside one
#       client's commit latency (pgbench -c 1), the floor of each request
#       that writes;
#   (d) statements per autosave, per module page and per journey, counted
#       in PostgreSQL's log: log_statement = all is set on the benchmark
#       database alone (ALTER DATABASE, so no other database or user is
#       affected and the server is neither restarted nor reconfigured), the
#       app is restarted to pick it up, and the log lines naming the
#       database are counted over a window holding only those requests.
# It prints rate, p50 and p99 latency, the ratio to the baseline beside it,
# how many PostgreSQL transactions each request cost (from
# pg_stat_database), and the CPU time per request in microseconds of the
# Go server and of its PostgreSQL backends (from /proc), whose ratio is
# steadier than the rates' when other work shares the cores.
#
# The machine is shared and noisy: compare ratios, not absolute rates.
#
# Learners register over HTTP like anyone else; each registers from its own
# loopback source address (127.0.0.2, .3, ...; the journeys from 127.1.x.y)
# because registration is rate limited per address. All traffic goes to
# 127.0.0.1. The script stops everything it started, and drops the
# database, on exit.
set -euo pipefail

LEARNERS=${LEARNERS:-64}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-16 64}
JOURNEYS=${JOURNEYS:-20}
PARTS=${PARTS:-save page journey}
APP_BIN=${APP_BIN:-}
has() { [[ " $PARTS " == *" $1 "* ]]; }
for part in $PARTS; do
  [[ $part == save || $part == page || $part == journey ]] || { printf 'bench: PARTS may name save, page and journey, not %s\n' "$part" >&2; exit 1; }
done
APP_PORT=${APP_PORT:-18080}
BARE_PORT=${BARE_PORT:-18081}
BENCH_DB=${BENCH_DB:-foundations_bench}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB?sslmode=disable"
APP="http://127.0.0.1:$APP_PORT"
BARE="http://127.0.0.1:$BARE_PORT"

METRICS_TOKEN=bench-metrics-token-0123456789abcdef # the journey reads the app's own request times from /metrics
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
say() { printf '== %s\n' "$*" >&2; }

[[ $LEARNERS =~ ^[0-9]+$ ]] && ((LEARNERS >= 1 && LEARNERS <= 200)) || die "LEARNERS must be 1 to 200"
[[ $DURATION =~ ^[0-9]+$ && $WARMUP =~ ^[0-9]+$ ]] && ((DURATION >= 1 && DURATION <= 600 && WARMUP <= 120)) || die "DURATION must be 1-600 s, WARMUP 0-120 s"
[[ $JOURNEYS =~ ^[0-9]+$ ]] && ((JOURNEYS >= 1 && JOURNEYS <= 200)) || die "JOURNEYS must be 1 to 200"
for c in $CONNS; do [[ $c =~ ^[0-9]+$ ]] && ((c >= 1 && c <= 256)) || die "CONNS must be numbers from 1 to 256"; done
for tool in go psql pgbench wrk curl timeout; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

cd "$(dirname "$0")/../.."
WORK=$(mktemp -d "${TMPDIR:-/tmp}/foundations-bench.XXXXXX")
APP_PID="" BARE_PID="" PGB_PID="" DB_CREATED=""

stop_pid() { # stop_pid PID: TERM, then KILL after 10 s, only that process
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  set +e
  stop_pid "$PGB_PID"
  stop_pid "$BARE_PID"
  stop_pid "$APP_PID"
  if [[ -n $DB_CREATED ]]; then
    PGOPTIONS="-c client_min_messages=warning" psql -d postgres -qc "DROP DATABASE IF EXISTS \"$BENCH_DB\" WITH (FORCE)" >/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; }
port_free "$APP_PORT" || die "something already answers on port $APP_PORT (set APP_PORT)"
port_free "$BARE_PORT" || die "something already answers on port $BARE_PORT (set BARE_PORT)"

wait_up() { # wait_up URL PID NAME: at most 30 s
  for _ in $(seq 1 300); do
    kill -0 "$2" 2>/dev/null || die "$3 exited; its log: $(tail -n 20 "$WORK/$3.log")"
    curl -sf -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.1
  done
  die "$3 did not answer $1 within 30 s"
}

say "Building the app and the bare endpoint"
if [[ -n $APP_BIN ]]; then
  [[ -x $APP_BIN ]] || die "APP_BIN $APP_BIN is not an executable"
  cp "$APP_BIN" "$WORK/foundations"
else
  go build -o "$WORK/foundations" ./cmd/foundations
fi
go build -o "$WORK/bare" ./.ci/bench/bare

say "Creating database $BENCH_DB"
PGOPTIONS="-c client_min_messages=warning" psql -d postgres -qc "DROP DATABASE IF EXISTS \"$BENCH_DB\" WITH (FORCE)" >/dev/null
psql -d postgres -qc "CREATE DATABASE \"$BENCH_DB\"" >/dev/null
DB_CREATED=1

start_app() { # the app on APP_PORT, as APP_PID
  say "Starting the app on 127.0.0.1:$APP_PORT"
  env DATABASE_URL="$DATABASE_URL" SECRET_KEY="bench-secret-key-0123456789abcdef0123456789" PORT="$APP_PORT" METRICS_TOKEN="$METRICS_TOKEN" \
    LOG_LEVEL=warn DATA_DIR="$WORK/data" BASE_URL="$APP" "$WORK/foundations" >>"$WORK/app.log" 2>&1 &
  APP_PID=$!
  wait_up "$APP/readyz" "$APP_PID" app
}
start_app

# ---- Learners ----------------------------------------------------------------

csrf_of() { grep -o 'name="_csrf" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//'; }
cookie_of() { awk -v n="$2" '$6 == n { v = $7 } END { print v }' "$1"; }

say "Registering $LEARNERS learners over HTTP and saving a full set of answers to module 1 for each"
MODULE="" PAGE_BYTES=0
: >"$WORK/learners.txt"
for i in $(seq 1 "$LEARNERS"); do
  jar="$WORK/jar.$i"
  page=$(curl -sf -c "$jar" -b "$jar" "$APP/register")
  token=$(csrf_of <<<"$page")
  org=$(grep -o '<option value="[0-9][0-9]*"' <<<"$page" | head -n 1 | grep -o '[0-9][0-9]*')
  [[ -n $token && -n $org ]] || die "no CSRF token or organisation on /register"
  code=$(curl -s -o /dev/null -w '%{http_code}' --interface "127.0.0.$((i + 1))" -c "$jar" -b "$jar" \
    --data-urlencode "_csrf=$token" --data-urlencode "name=Bench Learner $i" --data-urlencode "email=bench-$i@example.org" \
    --data-urlencode "password=otter lantern quiet harbour $i" --data-urlencode "organisation=$org" \
    --data-urlencode "job_role=Health visitor" "$APP/register")
  [[ $code == 303 ]] || die "registering learner $i answered HTTP $code"
  if [[ -z $MODULE ]]; then
    MODULE=$(curl -sf -b "$jar" "$APP/course" | grep -o 'href="/modules/[^"/?#]*"' | head -n 1 | sed 's|href="/modules/||; s/"$//')
    [[ -n $MODULE ]] || die "no module link on /course"
  fi
  # Opening the module starts it (it may then be answered).
  page=$(curl -sf -c "$jar" -b "$jar" "$APP/modules/$MODULE")
  token=$(csrf_of <<<"$page")
  if [[ ! -s $WORK/questions.txt ]]; then
    # "<type> <question> <option>" for every choice option, "reflection <question> -" for text.
    grep -o '<input[^>]*type="\(radio\|checkbox\)"[^>]*>' <<<"$page" |
      sed -n 's/.*name="q\.\([^"]*\)".*type="\([a-z]*\)".*value="\([^"]*\)".*/\2 \1 \3/p' >"$WORK/questions.txt"
    grep -o '<textarea[^>]*name="q\.[^"]*"' <<<"$page" | sed 's/.*name="q\.\([^"]*\)"/reflection \1 -/' >>"$WORK/questions.txt"
    grep -q '^radio ' "$WORK/questions.txt" || die "module $MODULE has no single-choice questions"
    PAGE_BYTES=${#page}
  fi
  # One form save with every question answered: singles the first option,
  # multiples the first two, reflections a sentence.
  form=(--data-urlencode "_csrf=$token" --data-urlencode "action=save")
  declare -A seen=()
  while read -r type q opt; do
    case $type in
    radio) [[ -z ${seen[$q]:-} ]] && form+=(--data-urlencode "q.$q=$opt") && seen[$q]=1 ;;
    checkbox) if ((${seen[$q]:-0} < 2)); then form+=(--data-urlencode "q.$q=$opt"); seen[$q]=$((${seen[$q]:-0} + 1)); fi ;;
    reflection) form+=(--data-urlencode "q.$q=Learner $i: I would talk to my safeguarding lead the same day and write down what I saw.") ;;
    esac
  done <"$WORK/questions.txt"
  unset seen
  code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" "${form[@]}" "$APP/modules/$MODULE")
  [[ $code == 303 ]] || die "saving learner $i's answers answered HTTP $code"
  printf '%s %s %s %s\n' "$i" "$(cookie_of "$jar" foundations_session)" "$(cookie_of "$jar" foundations_csrf)" "$token" >>"$WORK/learners.txt"
done

q() { psql -d "$BENCH_DB" -Atqc "$1"; }
COURSE=$(q "SELECT DISTINCT course_id FROM answers")
[[ -n $COURSE && $COURSE != *$'\n'* ]] || die "expected the answers of one course"
q "SELECT split_part(email, '-', 2), id FROM users WHERE email LIKE 'bench-%@example.org'" | tr '|' ' ' | sed 's/@example.org//' |
  sort -n >"$WORK/ids.txt"
awk 'NR == FNR { id[$1] = $2; next } id[$1] != "" { print $0, id[$1] }' "$WORK/ids.txt" "$WORK/learners.txt" >"$WORK/learners.joined"
(($(wc -l <"$WORK/learners.joined") == LEARNERS)) || die "could not match every learner to a user id"
ROWS=$(q "SELECT count(*) FROM answers")
say "$LEARNERS learners, $ROWS saved answers; module $MODULE ($PAGE_BYTES bytes of HTML, $(grep -c '^radio ' "$WORK/questions.txt") single-choice options)"

# ---- Load scripts ---------------------------------------------------------------

# Data shared by the wrk scripts: wrk has no per-connection hook, so each
# request takes the next (learner, question, option) in a rotation in which
# the learner changes fastest; each thread starts elsewhere in it. gzip is
# set by a script that sets accept_encoding before the common part.
{
  echo "module = \"$MODULE\""
  echo "learners = {"
  while read -r _ session seed token uid; do
    printf '  {cookie = "foundations_session=%s; foundations_csrf=%s", token = "%s", uid = %s},\n' "$session" "$seed" "$token" "$uid"
  done <"$WORK/learners.joined"
  echo "}"
  echo "choices = {"
  awk '$1 == "radio" { printf "  {\"%s\", \"%s\"},\n", $2, $3 }' "$WORK/questions.txt"
  echo "}"
  cat <<'LUA'
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local reqs, n = {}, 0
function request()
  n = n + 1
  return reqs[n % #reqs + 1]
end
function headers(h)
  if accept_encoding then h["Accept-Encoding"] = accept_encoding end
  return h
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
LUA
} >"$WORK/common.lua"

{
  cat "$WORK/common.lua"
  cat <<'LUA'
function init(args)
  for _, c in ipairs(choices) do
    for _, l in ipairs(learners) do
      reqs[#reqs + 1] = wrk.format("POST", "/modules/" .. module .. "/save",
        headers({["Cookie"] = l.cookie, ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Requested-With"] = "fetch"}),
        "_csrf=" .. l.token .. "&question=" .. c[1] .. "&answer=" .. c[2])
    end
  end
  n = (tid or 0) * math.floor(#reqs / 2) + (tid or 0)
end
LUA
} >"$WORK/save.lua"

# page.lua: the module page; bare.lua: the bare endpoint; each also with gzip.
for target in page bare; do
  for enc in "" gzip; do
    {
      [[ -n $enc ]] && echo "accept_encoding = \"$enc\""
      cat "$WORK/common.lua"
      echo "path = \"$([[ $target == page ]] && echo "/modules/$MODULE" || echo /answers)\""
      cat <<'LUA'
function init(args)
  for _, l in ipairs(learners) do
    reqs[#reqs + 1] = wrk.format("GET", path, headers({["Cookie"] = l.cookie}))
  end
  n = (tid or 0) * math.floor(#reqs / 2)
end
LUA
    } >"$WORK/$target${enc:+-$enc}.lua"
  done
done

# The same upsert GORM sends for a save, over the same rows.
uids=$(awk '{ print $5 }' "$WORK/learners.joined" | paste -sd,)
qids=$(awk '$1 == "radio" { printf "%s'\''%s'\''", (n++ ? "," : ""), $2 }' "$WORK/questions.txt")
opts=$(awk '$1 == "radio" { printf "%s'\''%s'\''", (n++ ? "," : ""), $3 }' "$WORK/questions.txt")
nchoices=$(grep -c '^radio ' "$WORK/questions.txt")
cat >"$WORK/upsert.sql" <<SQL
\set u random(1, $LEARNERS)
\set k random(1, $nchoices)
INSERT INTO answers (user_id, course_id, question_id, module_id, options, text, updated_at) VALUES ((ARRAY[$uids]::bigint[])[:u], '$COURSE', (ARRAY[$qids])[:k], '$MODULE', (ARRAY[$opts])[:k], '', now()) ON CONFLICT (user_id, course_id, question_id) DO UPDATE SET module_id = excluded.module_id, options = excluded.options, text = excluded.text, updated_at = excluded.updated_at;
SQL

# ---- Runs -------------------------------------------------------------------------

# Transactions per request come from pg_stat_database, which a busy backend
# updates at most once a second and an idle one within about 10 s: the
# counter is read after the previous run has settled, before the warm-up,
# and again 11 s after the run, and divided by the requests of both.
xacts() { q "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$BENCH_DB'"; }
settle() { sleep 11; }
# CPU time (1/100 s ticks) of processes, and of this database's client backends.
ticks() { local t=0 p; for p in "$@"; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo "$t"; }
# The backends are found by their process titles ("postgres: 15/main: USER
# DATABASE HOST(PORT) STATE"), not by a query: at 64 clients a shared
# server can be out of connections for one more.
backend_pids() { ps -eo pid=,args= | awk -v db="$BENCH_DB" '$2 == "postgres:" && index($0, " " db " ") { print $1 }'; }
backend_ticks() { local p; for p in $(backend_pids); do echo "$p $(ticks "$p")"; done; }
# backend_cpu BEFORE AFTER: ticks spent between two backend_ticks listings (a backend new since BEFORE counts from 0).
backend_cpu() { awk 'NR == FNR { b[$1] = $2; next } { t += $2 - ($1 in b ? b[$1] : 0) } END { print t + 0 }' "$1" "$2"; }
per_req() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.0f", t * 10000 / n }'; } # ticks, requests -> µs
RESULTS="$WORK/results.txt"
: >"$RESULTS"
# record GROUP NAME CONNS RATE P50_MS P99_MS XACTS_PER_REQ APP_CPU_US PG_CPU_US; GROUP "base:x" is x's baseline.
record() { printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$@" >>"$RESULTS"; }

run_wrk() { # run_wrk GROUP NAME CONNS SCRIPT URL SERVER_PID
  local group=$1 name=$2 c=$3 script=$4 url=$5 pid=$6 out warm=0 x0 x1 a0 a1 reqs dur p50 p99 bad sockerr
  say "$name, $c connections: ${WARMUP}s warm-up, ${DURATION}s run"
  x0=$(xacts)
  if ((WARMUP > 0)); then
    out=$(timeout $((WARMUP + 30)) wrk -t2 -c"$c" -d"${WARMUP}s" --timeout 10s -s "$script" "$url" | grep '^RESULT ') ||
      die "wrk printed no result for the warm-up of $name"
    warm=$(awk '{ print $2 }' <<<"$out")
  fi
  backend_ticks >"$WORK/be0"
  a0=$(ticks "$pid")
  out=$(timeout $((DURATION + 60)) wrk -t2 -c"$c" -d"${DURATION}s" --timeout 10s -s "$script" "$url" | grep '^RESULT ') ||
    die "wrk printed no result for $name"
  a1=$(ticks "$pid")
  backend_ticks >"$WORK/be1"
  settle
  x1=$(xacts)
  read -r _ reqs dur p50 p99 bad sockerr <<<"$out"
  ((bad == 0 && sockerr == 0)) || die "$name at $c connections: $bad responses were not 2xx/3xx and $sockerr socket errors"
  record "$group" "$name" "$c" "$(awk -v r="$reqs" -v d="$dur" 'BEGIN { printf "%.0f", r / (d / 1e6) }')" \
    "$(awk -v v="$p50" 'BEGIN { printf "%.2f", v / 1000 }')" "$(awk -v v="$p99" 'BEGIN { printf "%.2f", v / 1000 }')" \
    "$(awk -v a="$x1" -v b="$x0" -v r="$((reqs + warm))" 'BEGIN { printf "%.2f", (a - b) / r }')" \
    "$(per_req $((a1 - a0)) "$reqs")" "$(per_req "$(backend_cpu "$WORK/be0" "$WORK/be1")" "$reqs")"
}

run_pgbench() { # run_pgbench GROUP NAME CLIENTS
  local group=$1 name=$2 c=$3 out warm=0 x0 x1 tps failed t0 t1 n_win
  say "$name, $c clients: ${WARMUP}s warm-up, ${DURATION}s run"
  x0=$(xacts)
  if ((WARMUP > 0)); then
    out=$(timeout $((WARMUP + 30)) pgbench -n -M prepared -c "$c" -j 2 -T "$WARMUP" -f "$WORK/upsert.sql" "$BENCH_DB" 2>&1) ||
      die "pgbench warm-up failed: $out"
    warm=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  fi
  rm -f "$WORK"/pgb.*
  (cd "$WORK" && exec timeout $((DURATION + 60)) pgbench -n -M prepared -c "$c" -j 2 -T "$DURATION" -l --log-prefix=pgb \
    -f "$WORK/upsert.sql" "$BENCH_DB" >"$WORK/pgbench.out" 2>&1) &
  PGB_PID=$!
  # pgbench's backends live only while it runs: their CPU is sampled over
  # the middle of the run and divided by the transactions logged meanwhile.
  sleep "$(awk -v d="$DURATION" 'BEGIN { print d * 0.2 }')"
  backend_ticks >"$WORK/be0"
  t0=$(date +%s.%N)
  sleep "$(awk -v d="$DURATION" 'BEGIN { print d * 0.6 }')"
  backend_ticks >"$WORK/be1"
  t1=$(date +%s.%N)
  wait "$PGB_PID" || die "pgbench failed: $(cat "$WORK/pgbench.out")"
  PGB_PID=""
  out=$(cat "$WORK/pgbench.out")
  settle
  x1=$(xacts)
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out" | tail -n 1)
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
  [[ -n $tps ]] || die "pgbench printed no tps: $out"
  [[ ${failed:-0} == 0 ]] || die "pgbench: $failed failed transactions"
  # Log lines: client, transaction, latency (us), script, epoch s, us.
  cat "$WORK"/pgb.* | awk '{ print $3 }' | sort -n >"$WORK/lat.txt"
  n_win=$(cat "$WORK"/pgb.* | awk -v t0="$t0" -v t1="$t1" '{ t = $5 + $6 / 1e6 } t >= t0 && t < t1' | wc -l)
  local n p50 p99
  n=$(wc -l <"$WORK/lat.txt")
  p50=$(awk -v n="$n" 'NR == int(n * 0.50 + 0.999) { printf "%.2f", $1 / 1000 }' "$WORK/lat.txt")
  p99=$(awk -v n="$n" 'NR == int(n * 0.99 + 0.999) { printf "%.2f", $1 / 1000 }' "$WORK/lat.txt")
  record "$group" "$name" "$c" "$(printf '%.0f' "$tps")" "$p50" "$p99" \
    "$(awk -v a="$x1" -v b="$x0" -v r="$((n + warm))" 'BEGIN { printf "%.2f", (a - b) / r }')" \
    "-" "$(per_req "$(backend_cpu "$WORK/be0" "$WORK/be1")" "$n_win")"
}

if has save; then
started=$(q "SELECT now()")
for c in $CONNS; do
  run_pgbench "base:save" "save: pgbench -M prepared upsert" "$c"
  run_wrk "save" "save: POST /modules/:id/save" "$c" "$WORK/save.lua" "$APP" "$APP_PID"
done
saved=$(q "SELECT count(*) FROM answers WHERE updated_at > '$started'")
((saved > 0)) || die "no answer was updated during the save runs"
fi
gz=""
if has page; then

say "Starting the bare endpoint on 127.0.0.1:$BARE_PORT"
env DATABASE_URL="$DATABASE_URL" PORT="$BARE_PORT" COURSE_ID="$COURSE" MODULE_ID="$MODULE" "$WORK/bare" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
first_cookie=$(awk 'NR == 1 { print "foundations_session=" $2 }' "$WORK/learners.joined")
for _ in $(seq 1 300); do
  kill -0 "$BARE_PID" 2>/dev/null || die "bare exited; its log: $(tail -n 20 "$WORK/bare.log")"
  curl -sf -o /dev/null --max-time 1 -H "Cookie: $first_cookie" "$BARE/answers" && break
  sleep 0.1
done
n=$(curl -sf -H "Cookie: $first_cookie" "$BARE/answers" | grep -o '"QuestionID"' | wc -l)
((n > 0)) || die "the bare endpoint returns no answers for a signed-in learner"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BARE/answers")
[[ $code == 401 ]] || die "the bare endpoint answers HTTP $code without a session, not 401"
say "bare endpoint returns $n answers per signed-in learner"

for c in $CONNS; do
  for enc in "" gzip; do
    g="page${enc:+ gzip}"
    run_wrk "base:$g" "page: bare session + answers${enc:+ (gzip)}" "$c" "$WORK/bare${enc:+-$enc}.lua" "$BARE" "$BARE_PID"
    run_wrk "$g" "page: GET /modules/:id${enc:+ (gzip)}" "$c" "$WORK/page${enc:+-$enc}.lua" "$APP" "$APP_PID"
  done
done
# A module page that redirected to sign-in would have counted as success.
jar="$WORK/jar.1"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$APP/modules/$MODULE")
[[ $code == 200 ]] || die "after the runs the module page answers HTTP $code, not 200: the session was lost"
gz=$(curl -s -o /dev/null -w '%{size_download}' -H 'Accept-Encoding: gzip' -b "$jar" "$APP/modules/$MODULE")
stop_pid "$BARE_PID"
BARE_PID=""
fi

# ---- The learner journey -----------------------------------------------------------

if has journey; then
say "Learner journey: $JOURNEYS learners, register to certificate PDF, one after another"
go test -c -o "$WORK/journey.test" ./cmd/foundations
a0=$(ticks "$APP_PID")
backend_ticks >"$WORK/be0"
# WAL flushes over the whole server (pg_stat_wal, PostgreSQL 14 and later):
# during the journeys only the app writes, besides its job queue's polls.
wal_syncs() { q "SELECT wal_sync FROM pg_stat_wal" 2>/dev/null || true; }
w0=$(wal_syncs)
out=$(cd "$WORK" && FOUNDATIONS_BENCH_URL="$APP" FOUNDATIONS_BENCH_METRICS_TOKEN="$METRICS_TOKEN" timeout 600 ./journey.test -test.run '^$' -test.bench '^BenchmarkLearnerJourney$' \
  -test.benchtime "${JOURNEYS}x" 2>&1) || die "the journey benchmark failed: $out"
a1=$(ticks "$APP_PID")
backend_ticks >"$WORK/be1"
w1=$(wal_syncs)
line=$(grep '^BenchmarkLearnerJourney' <<<"$out" | tail -n 1)
[[ -n $line ]] || die "the journey benchmark printed no result: $out"
journeys=$(q "SELECT count(*) FROM users WHERE email LIKE 'journey-%@example.org'") # its calibration run too
certs=$(q "SELECT count(*) FROM certificates c JOIN users u ON u.id = c.user_id WHERE u.email LIKE 'journey-%@example.org'")
((certs == journeys)) || die "$journeys journeys but $certs certificates"
metric() { awk -v u="$1" '{ for (i = 2; i < NF; i++) if ($(i + 1) == u) print $i }' <<<"$line"; }
J_SERVER=$(metric server-ms) J_HASH=$(metric hash-ms) J_BESIDES=$(metric besides-hash-ms) J_REGISTER=$(metric register-ms) J_REQS=$(metric requests)
J_HANDLER=$(metric handler-ms) J_HANDLER_BESIDES=$(metric handler-besides-hash-ms)
[[ -n $J_HANDLER && -n $J_HANDLER_BESIDES ]] || die "the journey benchmark did not read the app's request times: $line"
J_KINDS=""
for k in register autosave submit page evaluation pdf; do J_KINDS+="${J_KINDS:+, }$k $(metric "$k-ms")"; done
# A sequential journey waits for each commit's WAL flush: one client's
# commit latency here is its floor per writing request.
COMMIT_MS=$(pgbench -n -M prepared -c 1 -T 3 -f "$WORK/upsert.sql" "$BENCH_DB" 2>&1 | sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p')
J_HASH_CPU=$(metric hash-cpu-ms)
J_APP=$(awk -v t=$((a1 - a0)) -v n="$journeys" 'BEGIN { printf "%.1f", t * 10 / n }')
J_PG=$(awk -v t="$(backend_cpu "$WORK/be0" "$WORK/be1")" -v n="$journeys" 'BEGIN { printf "%.1f", t * 10 / n }')
J_FLUSHES=""
if [[ $w0 =~ ^[0-9]+$ && $w1 =~ ^[0-9]+$ ]]; then
  J_FLUSHES=$(awk -v d=$((w1 - w0)) -v n="$journeys" 'BEGIN { printf "%.1f", d / n }')
fi
fi

# ---- Statements per request, from PostgreSQL's log -----------------------------------

# Only this database logs its statements (ALTER DATABASE ... SET applies to
# new sessions of it alone), so the app is restarted to log; the log lines
# carry "user@database" (log_line_prefix %u@%d) and only this database's
# count. The window holds nothing but the counted requests: the bare
# endpoint is stopped and this script runs no query inside it.
PG_LOG=${PG_LOG:-}
if [[ -z $PG_LOG ]]; then
  f=$(q "SELECT pg_current_logfile()")
  if [[ -n $f ]]; then
    [[ $f == /* ]] || f="$(q 'SHOW data_directory')/$f"
    PG_LOG=$f
  else # Debian's pg_ctlcluster sends stderr to /var/log/postgresql
    PG_LOG=/var/log/postgresql/postgresql-$(q "SHOW server_version" | cut -d. -f1)-main.log
  fi
fi
STMTS="$WORK/statements.txt"
: >"$STMTS"
prefix=$(q "SHOW log_line_prefix")
if [[ ! -r $PG_LOG ]]; then
  say "cannot read PostgreSQL's log $PG_LOG (set PG_LOG): statements not counted"
elif [[ $prefix != *%d* ]]; then
  say "log_line_prefix ($prefix) does not name the database: statements not counted"
else
  say "Counting statements per request from $PG_LOG"
  stop_pid "$APP_PID"
  APP_PID=""
  psql -d postgres -qc "ALTER DATABASE \"$BENCH_DB\" SET log_statement = 'all'" >/dev/null
  start_app
  # count_statements NAME SCRIPT: one connection for 3 s (wrk) or one journey (JOURNEY), statements / requests.
  count_statements() {
    local name=$1 script=$2 before after reqs out
    sleep 1
    before=$(stat -c %s "$PG_LOG")
    if [[ $script == JOURNEY ]]; then
      out=$(cd "$WORK" && FOUNDATIONS_BENCH_URL="$APP" timeout 120 ./journey.test -test.run '^$' -test.bench '^BenchmarkLearnerJourney$' \
        -test.benchtime 1x 2>&1) || die "the journey benchmark failed: $out"
      # -test.benchtime 1x runs one journey only (no calibration run).
      reqs=$(awk '/^BenchmarkLearnerJourney/ { for (i = 2; i < NF; i++) if ($(i + 1) == "requests") print $i }' <<<"$out")
    else
      out=$(timeout 60 wrk -t1 -c1 -d3s -s "$script" "$APP" | grep '^RESULT ') || die "wrk printed no result counting $name"
      reqs=$(awk '{ print $2 }' <<<"$out")
    fi
    sleep 1
    after=$(stat -c %s "$PG_LOG")
    local n
    n=$(tail -c +"$((before + 1))" "$PG_LOG" | head -c "$((after - before))" |
      grep -cE "@$BENCH_DB LOG: +(statement|execute [^:]*): " || true)
    tail -c +"$((before + 1))" "$PG_LOG" | head -c "$((after - before))" | grep -E "@$BENCH_DB LOG: +(statement|execute [^:]*): " |
      sed 's/.*\(statement\|execute [^:]*\): //' | cut -c1-60 | sort | uniq -c | sort -rn | head -n 8 >"$WORK/stmts.$name"
    printf '%s|%s|%s\n' "$name" "$reqs" "$n" >>"$STMTS"
  }
  if has save; then count_statements autosave "$WORK/save.lua"; fi
  if has page; then count_statements "module page" "$WORK/page.lua"; fi
  if has journey; then count_statements journey JOURNEY; fi
  psql -d postgres -qc "ALTER DATABASE \"$BENCH_DB\" RESET log_statement" >/dev/null
fi

# ---- Report ------------------------------------------------------------------------

echo
echo "Foundations HTTP benchmarks: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC'),"
echo "${DURATION}s runs after ${WARMUP}s warm-up, $LEARNERS learners, module $MODULE ($PAGE_BYTES bytes of HTML, ${gz:-?} gzipped);"
echo "PostgreSQL $(q 'SHOW server_version'). Ratios are to the baseline row above."
echo
awk -F'|' '
  function cpu(a, p) { return (a == "-" ? 0 : a) + p }
  BEGIN {
    f = "%-36s %5s %8s %7s %7s %6s %6s %8s %8s %6s\n"
    printf f, "benchmark", "conns", "rate/s", "p50 ms", "p99 ms", "ratio", "xacts", "app CPU", "PG CPU", "CPU"
    printf f, "", "", "", "", "", "", "/req", "us/req", "us/req", "ratio"
  }
  {
    if ($1 ~ /^base:/) { k = substr($1, 6) "|" $3; ref[k] = $4; refcpu[k] = cpu($8, $9); ratio = "base"; cratio = "base" }
    else {
      k = $1 "|" $3
      ratio = sprintf("%.2f", $4 / ref[k]); cratio = sprintf("%.2f", refcpu[k] / cpu($8, $9))
      if ($1 == "save") verdict = verdict sprintf("  saves at %s: %.2f of pgbench (target 0.70)%s\n", $3, $4 / ref[k], $3 == 64 ? sprintf(", p99 %s ms (target < 40): %s", $6, ($4 / ref[k] >= 0.70 && $6 < 40) ? "met" : "NOT met") : (": " ($4 / ref[k] >= 0.70 ? "met" : "NOT met")))
      else verdict = verdict sprintf("  %s at %s: %.2f of the bare endpoint (target 0.60): %s\n", $1, $3, $4 / ref[k], ($4 / ref[k] >= 0.60) ? "met" : "NOT met")
    }
    printf f, $2, $3, $4, $5, $6, ratio, $7, $8, $9, cratio
  }
  END { printf "\nTargets:\n%s", verdict }' "$RESULTS"
if has journey; then
printf '  learner journey besides password hashing, in the server'"'"'s handlers: %s ms (target < 50): %s\n' "$J_HANDLER_BESIDES" \
  "$(awk -v v="$J_HANDLER_BESIDES" 'BEGIN { print (v < 50 ? "met" : "NOT met") }')"
printf '  the same seen by the client, each request from sending to its last byte: %s ms: %s\n' "$J_BESIDES" \
  "$(awk -v v="$J_BESIDES" 'BEGIN { print (v < 50 ? "met" : "NOT met") }')"
echo
echo "Learner journey ($JOURNEYS learners timed one after another, each register -> 5 modules with an autosave per question ->"
echo "evaluation -> certificate PDF, $J_REQS requests; CPU is over all $journeys, the benchmark's calibration run included):"
printf '  server time %s ms per journey (every request, send to last byte, summed), of which the registration request %s ms;\n' "$J_SERVER" "$J_REGISTER"
printf '  password hashing (one argon2id hash) %s ms, so %s ms besides the hashing;\n' "$J_HASH" "$J_BESIDES"
printf '  in the server'"'"'s own handlers (its request-duration histogram, from /metrics): %s ms, %s ms besides the hashing;\n' "$J_HANDLER" "$J_HANDLER_BESIDES"
printf '  server time by kind of request (ms): %s;\n' "$J_KINDS"
printf '  CPU per journey: app %s ms (the hash takes %s ms of CPU), its PostgreSQL backends %s ms;\n' "$J_APP" "$J_HASH_CPU" "$J_PG"
printf '  one client alone commits the same upsert in %s ms (pgbench -c 1), the floor of a request that writes.\n' "${COMMIT_MS:-?}"
if [[ -n $J_FLUSHES && -n $COMMIT_MS ]]; then
  printf '  PostgreSQL flushed its WAL %s times per journey (pg_stat_wal.wal_sync); at the one-client commit latency above, about %s ms of each journey.\n' "$J_FLUSHES" \
    "$(awk -v f="$J_FLUSHES" -v c="$COMMIT_MS" 'BEGIN { printf "%.1f", f * c }')"
fi
fi
if [[ -s $STMTS ]]; then
  echo
  echo "Statements per request, counted in PostgreSQL's log (log_statement = all on $BENCH_DB alone; BEGIN and COMMIT count):"
  awk -F'|' '{ printf "  %-12s %6.2f statements per request (%d in %d requests)\n", $1, $3 / $2, $3, $2 }' "$STMTS"
  for f in "$WORK"/stmts.*; do
    echo "  most frequent in ${f##*/stmts.}:"
    sed 's/^/    /' "$f"
  done
fi
echo
echo "ratio: rate / the baseline's rate at the same concurrency. xacts/req: PostgreSQL transactions per request (from"
echo "pg_stat_database; each autocommit statement is one). app CPU: the Go server's CPU time per request (pgbench's own is"
echo "not counted); PG CPU: its PostgreSQL backends'. CPU ratio: baseline (app + PG) CPU per request / this row's: the rate"
echo "ratio to expect if the server side were alone on the machine, and steadier than the rates when other work shares the cores."
