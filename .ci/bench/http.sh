#!/usr/bin/env bash
# Load benchmarks for the README's Performance section, on PostgreSQL.
#
# Usage (from anywhere; needs go, psql, pgbench, wrk, curl and a PostgreSQL
# that trusts the postgres user on 127.0.0.1:5432):
#
#   .ci/bench/http.sh
#   LEARNERS=64 DURATION=30 WARMUP=5 CONNS="16 64" .ci/bench/http.sh
#
# Settings (environment): LEARNERS (64, at most 200), DURATION and WARMUP in
# seconds (30, 5), CONNS (connections/clients per run, "16 64"), APP_PORT
# and BARE_PORT (18080, 18081), PGHOST/PGPORT/PGUSER (127.0.0.1, 5432,
# postgres), BENCH_DB (foundations_bench: dropped and re-created, then
# dropped at the end). Takes about 7 minutes with the defaults (each run
# is followed by 11 s for PostgreSQL's statistics to settle).
#
# What it measures, each after a warm-up, with 2 wrk threads:
#   (a) answer saves through the whole HTTP stack -- POST
#       /modules/<module 1>/save (session lookup, CSRF, validation, upsert)
#       -- beside pgbench -M prepared running the same single-row upsert
#       straight into PostgreSQL, both spread over the same learners' rows
#       (every learner x every single-choice question of module 1 x every
#       option);
#   (b) module 1's page, GET /modules/<module 1>, for signed-in learners
#       who have answered every question, beside a bare endpoint
#       (.ci/bench/bare) that only reads the same answers through the
#       app's store and returns them as JSON.
# It prints rate, p50 and p99 latency, the ratio to the baseline beside it,
# how many PostgreSQL transactions each request cost (from
# pg_stat_database: each autocommit statement is one), and the CPU time
# per request of the Go server and of its PostgreSQL backends (from /proc),
# whose ratio is steadier than the rates' when other work shares the cores.
#
# The machine is shared and noisy: compare ratios, not absolute rates.
#
# Learners register over HTTP like anyone else; each registers from its own
# loopback source address (127.0.0.2, .3, ...) because registration is
# rate limited per address. All traffic goes to 127.0.0.1. The script stops
# everything it started, and drops the database, on exit.
set -euo pipefail

LEARNERS=${LEARNERS:-64}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-16 64}
APP_PORT=${APP_PORT:-18080}
BARE_PORT=${BARE_PORT:-18081}
BENCH_DB=${BENCH_DB:-foundations_bench}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$BENCH_DB?sslmode=disable"
APP="http://127.0.0.1:$APP_PORT"
BARE="http://127.0.0.1:$BARE_PORT"

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
say() { printf '== %s\n' "$*" >&2; }

[[ $LEARNERS =~ ^[0-9]+$ ]] && ((LEARNERS >= 1 && LEARNERS <= 200)) || die "LEARNERS must be 1 to 200"
[[ $DURATION =~ ^[0-9]+$ && $WARMUP =~ ^[0-9]+$ ]] && ((DURATION >= 1 && DURATION <= 600 && WARMUP <= 120)) || die "DURATION must be 1-600 s, WARMUP 0-120 s"
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
go build -o "$WORK/foundations" ./cmd/foundations
go build -o "$WORK/bare" ./.ci/bench/bare

say "Creating database $BENCH_DB"
PGOPTIONS="-c client_min_messages=warning" psql -d postgres -qc "DROP DATABASE IF EXISTS \"$BENCH_DB\" WITH (FORCE)" >/dev/null
psql -d postgres -qc "CREATE DATABASE \"$BENCH_DB\"" >/dev/null
DB_CREATED=1

say "Starting the app on 127.0.0.1:$APP_PORT"
env DATABASE_URL="$DATABASE_URL" SECRET_KEY="bench-secret-key-0123456789abcdef0123456789" PORT="$APP_PORT" \
  LOG_LEVEL=warn DATA_DIR="$WORK/data" BASE_URL="$APP" "$WORK/foundations" >"$WORK/app.log" 2>&1 &
APP_PID=$!
wait_up "$APP/readyz" "$APP_PID" app

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
# the learner changes fastest; each thread starts elsewhere in it.
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
        {["Cookie"] = l.cookie, ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Requested-With"] = "fetch"},
        "_csrf=" .. l.token .. "&question=" .. c[1] .. "&answer=" .. c[2])
    end
  end
  n = (tid or 0) * math.floor(#reqs / 2) + (tid or 0)
end
LUA
} >"$WORK/save.lua"

{
  cat "$WORK/common.lua"
  cat <<'LUA'
function init(args)
  for _, l in ipairs(learners) do
    reqs[#reqs + 1] = wrk.format("GET", "/modules/" .. module, {["Cookie"] = l.cookie})
  end
  n = (tid or 0) * math.floor(#reqs / 2)
end
LUA
} >"$WORK/page.lua"

{
  cat "$WORK/common.lua"
  cat <<'LUA'
function init(args)
  for _, l in ipairs(learners) do
    reqs[#reqs + 1] = wrk.format("GET", "/answers/" .. l.uid)
  end
  n = (tid or 0) * math.floor(#reqs / 2)
end
LUA
} >"$WORK/bare.lua"

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

# Statements per request come from pg_stat_database, which a busy backend
# updates at most once a second and an idle one within about 10 s: the
# counter is read after the previous run has settled, before the warm-up,
# and again 11 s after the run, and divided by the requests of both.
xacts() { q "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$BENCH_DB'"; }
settle() { sleep 11; }
# CPU time (1/100 s ticks) of processes, and of this database's client backends.
ticks() { local t=0 p; for p in "$@"; do [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo "$t"; }
backend_pids() { q "SELECT pid FROM pg_stat_activity WHERE datname = '$BENCH_DB' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"; }
backend_ticks() { local p; for p in $(backend_pids); do echo "$p $(ticks "$p")"; done; }
# backend_cpu BEFORE AFTER: ticks spent between two backend_ticks listings (a backend new since BEFORE counts from 0).
backend_cpu() { awk 'NR == FNR { b[$1] = $2; next } { t += $2 - ($1 in b ? b[$1] : 0) } END { print t + 0 }' "$1" "$2"; }
per_req() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.3f", t * 10 / n }'; } # ticks, requests -> ms
RESULTS="$WORK/results.txt"
: >"$RESULTS"
# record NAME CONNS RATE P50_MS P99_MS STATEMENTS_PER_REQ CLIENT_CPU_MS PG_CPU_MS
record() { printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$@" >>"$RESULTS"; }

run_wrk() { # run_wrk NAME CONNS SCRIPT URL SERVER_PID
  local name=$1 c=$2 script=$3 url=$4 pid=$5 out warm=0 x0 x1 a0 a1 reqs dur p50 p99 bad sockerr
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
  record "$name" "$c" "$(awk -v r="$reqs" -v d="$dur" 'BEGIN { printf "%.0f", r / (d / 1e6) }')" \
    "$(awk -v v="$p50" 'BEGIN { printf "%.2f", v / 1000 }')" "$(awk -v v="$p99" 'BEGIN { printf "%.2f", v / 1000 }')" \
    "$(awk -v a="$x1" -v b="$x0" -v r="$((reqs + warm))" 'BEGIN { printf "%.2f", (a - b) / r }')" \
    "$(per_req $((a1 - a0)) "$reqs")" "$(per_req "$(backend_cpu "$WORK/be0" "$WORK/be1")" "$reqs")"
}

run_pgbench() { # run_pgbench NAME CLIENTS
  local name=$1 c=$2 out warm=0 x0 x1 tps failed t0 t1 n_win
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
  record "$name" "$c" "$(printf '%.0f' "$tps")" "$p50" "$p99" \
    "$(awk -v a="$x1" -v b="$x0" -v r="$((n + warm))" 'BEGIN { printf "%.2f", (a - b) / r }')" \
    "-" "$(per_req "$(backend_cpu "$WORK/be0" "$WORK/be1")" "$n_win")"
}

started=$(q "SELECT now()")
for c in $CONNS; do
  run_pgbench "save: pgbench upsert" "$c"
  run_wrk "save: POST /modules/:id/save" "$c" "$WORK/save.lua" "$APP" "$APP_PID"
done
saved=$(q "SELECT count(*) FROM answers WHERE updated_at > '$started'")
((saved > 0)) || die "no answer was updated during the save runs"

say "Starting the bare endpoint on 127.0.0.1:$BARE_PORT"
env DATABASE_URL="$DATABASE_URL" PORT="$BARE_PORT" COURSE_ID="$COURSE" MODULE_ID="$MODULE" "$WORK/bare" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
first_uid=$(awk 'NR == 1 { print $5 }' "$WORK/learners.joined")
wait_up "$BARE/answers/$first_uid" "$BARE_PID" bare
n=$(curl -sf "$BARE/answers/$first_uid" | grep -o '"QuestionID"' | wc -l)
say "bare endpoint returns $n answers per learner"

for c in $CONNS; do
  run_wrk "page: bare answers JSON" "$c" "$WORK/bare.lua" "$BARE" "$BARE_PID"
  run_wrk "page: GET /modules/:id" "$c" "$WORK/page.lua" "$APP" "$APP_PID"
done
# A module page that redirected to sign-in would have counted as success.
jar="$WORK/jar.1"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$APP/modules/$MODULE")
[[ $code == 200 ]] || die "after the runs the module page answers HTTP $code, not 200: the session was lost"

# ---- Report ------------------------------------------------------------------------

echo
echo "Foundations HTTP benchmarks: $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC'), ${DURATION}s runs after ${WARMUP}s warm-up,"
echo "$LEARNERS learners, module $MODULE; PostgreSQL $(q 'SHOW server_version'). Ratios are to the baseline row above."
echo
awk -F'|' '
  function cpu(a, p) { return (a == "-" ? 0 : a) + p }
  BEGIN {
    f = "%-30s %5s %8s %7s %7s %6s %6s %8s %8s %6s\n"
    printf f, "benchmark", "conns", "rate/s", "p50 ms", "p99 ms", "ratio", "stmts", "app CPU", "PG CPU", "CPU"
    printf f, "", "", "", "", "", "", "/req", "ms/req", "ms/req", "ratio"
  }
  {
    if ($1 ~ /pgbench|bare/) { ref[$2] = $3; refcpu[$2] = cpu($7, $8); ratio = "base"; cratio = "base" }
    else {
      ratio = sprintf("%.2f", $3 / ref[$2]); cratio = sprintf("%.2f", refcpu[$2] / cpu($7, $8))
      if ($1 ~ /save/) verdict = verdict sprintf("  saves at %s: %.2f of pgbench (target 0.70), p99 %s ms (target < 40): %s\n", $2, $3 / ref[$2], $5, ($3 / ref[$2] >= 0.70 && $5 < 40) ? "met" : "NOT met")
      else verdict = verdict sprintf("  module page at %s: %.2f of the bare endpoint (target 0.60): %s\n", $2, $3 / ref[$2], ($3 / ref[$2] >= 0.60) ? "met" : "NOT met")
    }
    printf f, $1, $2, $3, $4, $5, ratio, $6, $7, $8, cratio
  }
  END { printf "\nTargets:\n%s", verdict }' "$RESULTS"
echo
echo "ratio: rate / the baseline's rate at the same concurrency. stmts/req: PostgreSQL transactions per request (each"
echo "autocommit statement is one). app CPU: the Go server's CPU time per request (pgbench's own is not counted); PG CPU: its"
echo "PostgreSQL backends'. CPU ratio: baseline (app + PG) CPU per request / this row's: the rate ratio to expect if the server"
echo "side were alone on the machine, and steadier than the rates when other work shares the cores."
