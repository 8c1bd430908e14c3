package main

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app/mail/mailtest"
	"github.com/foundations/foundations/app/store/storetest"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver, to arrange expiry dates
)

// TestTwoInstancesRemindOnce runs two instances of the program on one
// PostgreSQL database, both looking for reminders every second, and
// checks that every reminder reaches the SMTP server exactly once, while
// more certificates fall due under them.
func TestTwoInstancesRemindOnce(t *testing.T) {
	t.Parallel()
	dsn, _ := storetest.FreshSchema(t)
	smtp := mailtest.Start(t)
	env := []string{"DATA_DIR=" + t.TempDir(), "DATABASE_URL=" + dsn, "SMTP_URL=" + smtp.URL(),
		"MAIL_FROM=training@example.org", "REMINDER_INTERVAL=1s"}
	runCommand(t, env, "", "demo", "--learners", "60", "--seed", "9", "--password", demoPassword)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Demo certificates expiring within 60 days would be reminded about
	// too; move every current one two years out, then bring some due.
	if _, err := db.Exec(`UPDATE enrolments SET certificate_expires_at = now() + interval '2 years' WHERE certificate_code <> ''`); err != nil {
		t.Fatal(err)
	}
	due := func(n int, in string) {
		t.Helper()
		res, err := db.Exec(`UPDATE enrolments SET certificate_expires_at = now() + $1::interval WHERE user_id IN (
			SELECT user_id FROM enrolments WHERE certificate_code <> '' AND certificate_expires_at > now() + interval '1 year' ORDER BY user_id LIMIT $2)`, in, n)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := res.RowsAffected(); got != int64(n) {
			t.Fatalf("brought %d certificates due, want %d (too few in the demo data)", got, n)
		}
	}
	due(3, "30 days")
	a := startServer(t, env)
	b := startServer(t, env)
	due(3, "10 days")
	time.Sleep(2500 * time.Millisecond)
	due(2, "-2 days")
	deadline := time.Now().Add(30 * time.Second)
	var sent int
	for {
		if err := db.QueryRow(`SELECT COUNT(*) FROM notifications_sent WHERE notification_key LIKE 'reminder:%'`).Scan(&sent); err != nil {
			t.Fatal(err)
		}
		var pending int
		if err := db.QueryRow(`SELECT COUNT(*) FROM emails WHERE status <> 'sent'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if sent == 8 && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s: %d reminders recorded (want 8), %d emails not yet sent", sent, pending)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // several more rounds on both instances
	var emails int
	if err := db.QueryRow(`SELECT COUNT(*) FROM emails`).Scan(&emails); err != nil {
		t.Fatal(err)
	}
	msgs := smtp.Messages()
	if len(msgs) != emails {
		t.Errorf("the SMTP server received %d messages for %d outbox emails", len(msgs), emails)
	}
	perLearner := map[string]int{}
	for _, m := range msgs {
		if strings.HasPrefix(m.Subject, "Your training certificate") {
			perLearner[m.To]++
		}
	}
	if len(perLearner) != 8 {
		t.Errorf("%d learners reminded, want 8: %v", len(perLearner), perLearner)
	}
	for to, n := range perLearner {
		if n != 1 {
			t.Errorf("%s was reminded %d times", to, n)
		}
	}
	a.stop(t)
	b.stop(t)
}
