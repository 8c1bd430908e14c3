#!/usr/bin/env bash
# The XLSX export's memory through the real binary on PostgreSQL: 100,000
# learners (inserted with generate_series into a fresh database), a
# coordinator signs in, fetches the CSV and then the XLSX; the server's
# peak RSS (VmHWM) is printed before and after the XLSX. The sign-in's
# argon2 hash sets the "before" peak.
#   .ci/bench/xlsx.sh            (LEARNERS=100000 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
LEARNERS=${LEARNERS:-100000}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
DB=foundations_xlsx
work=$(mktemp -d)
go build -o "$work/foundations" ./cmd/foundations
psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
export DATABASE_URL="$PGURL/$DB?sslmode=disable" DATA_DIR="$work/data" PORT=${PORT:-3902} LOG_LEVEL=warn
mkdir -p "$DATA_DIR"
password='otter lantern quiet harbour ninety'
echo "$password" | "$work/foundations" users add --email cora@example.org --name 'Cora Coordinator' --role coordinator >/dev/null
psql "$PGURL/$DB" -q -v n="$LEARNERS" <<'SQL'
INSERT INTO organisations (name, name_norm, created_at)
  SELECT 'Organisation number ' || g, 'organisation number ' || g, now() FROM generate_series(1, 40) g;
INSERT INTO users (name, name_norm, email, email_norm, password_hash, organisation_id, job_role, manager_email, roles,
                   created_at, updated_at, email_verified_at, last_active_at)
  SELECT 'Learner Number ' || g, 'learner number ' || g, 'learner' || g || '@example.org', 'learner' || g || '@example.org',
         'none$x', (SELECT min(id) FROM organisations) + (g % 40), 'Health visitor', '', 'learner',
         now() - (g % 700) * interval '1 day', now(), now(), now()
  FROM generate_series(1, :n) g;
INSERT INTO enrolments (user_id, course_id, organisation_id, started_at, modules_passed, completed_at, modules_started,
                        certificate_code, certificate_expires_at, stage)
  SELECT id, 'neglect-foundations', organisation_id, created_at, 5, created_at + interval '3 days', 5,
         upper(substr(md5(id::text), 1, 24)), created_at + interval '3 years', 'completed'
  FROM users WHERE email LIKE 'learner%';
SQL
"$work/foundations" >"$work/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $DB"; rm -rf "$work"; }
trap cleanup EXIT
base="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf -o /dev/null "$base/" && break; sleep 0.2; done
jar="$work/jar"
csrf=$(curl -s -c "$jar" -b "$jar" "$base/sign-in" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"//')
curl -s -o /dev/null -c "$jar" -b "$jar" --data-urlencode "_csrf=$csrf" --data-urlencode email=cora@example.org \
  --data-urlencode "password=$password" "$base/sign-in"
peak() { grep -E 'VmHWM|VmRSS' "/proc/$pid/status" | tr -s ' \n\t' ' '; }
# The server's CPU time so far (user + system), in milliseconds.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$pid/stat"; }
curl -s -b "$jar" -o /dev/null -w "CSV: %{http_code}, %{size_download} bytes, %{time_total} s\n" "$base/reports/learners.csv"
echo "before the XLSX: $(peak)"
c0=$(cpu)
curl -s -b "$jar" -o /dev/null -w "XLSX: %{http_code}, %{size_download} bytes, %{time_total} s\n" "$base/reports/learners.xlsx"
echo "after the XLSX:  $(peak)"
echo "server CPU for the XLSX: $(( $(cpu) - c0 )) ms"
