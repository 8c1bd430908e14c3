package mail_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/mail"
	"github.com/foundations/foundations/app/mail/mailtest"
)

func TestConfig(t *testing.T) {
	for _, c := range []struct {
		url, from string
		ok        bool
	}{
		{"smtp://user:pass@mail.example.org:587", "Training <training@example.org>", true},
		{"smtps://user:pass@mail.example.org", "training@example.org", true},
		{"smtp://127.0.0.1:1025?tls=off", "training@example.org", true},
		{"smtps://mail.example.org?tls=off", "training@example.org", false},
		{"http://mail.example.org", "training@example.org", false},
		{"smtp://", "training@example.org", false},
		{"smtp://mail.example.org", "", false},
		{"smtp://mail.example.org", "not an address", false},
	} {
		_, err := mail.New(mail.Config{URL: c.url, From: c.from})
		if (err == nil) != c.ok {
			t.Errorf("New(%q, %q): %v, want ok=%v", c.url, c.from, err, c.ok)
		}
	}
}

func message() app.Message {
	return app.Message{To: "sam@example.org", Subject: "Hello", Text: "Hello.", HTML: "<p>Hello.</p>", Unsubscribe: "http://localhost/unsubscribe?token=x"}
}

// A server that accepts the connection and never answers costs one
// bounded attempt, reported as temporary so the queue retries it.
func TestSilentServerTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // say nothing
		}
	}()
	s, err := mail.New(mail.Config{URL: "smtp://" + l.Addr().String() + "?tls=off", From: "training@example.org", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s.Send(context.Background(), message())
	if err == nil {
		t.Fatal("sending to a silent server succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the attempt took %s, want it bounded by the timeout", d)
	}
	var p interface{ Permanent() bool }
	if errors.As(err, &p) && p.Permanent() {
		t.Errorf("a time-out is reported as permanent: %v", err)
	}
}

// A 5xx refusal is permanent and its reply is kept without the address.
func TestRefusalIsPermanentAndAnonymous(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Refuse(func(string) error { return mailtest.Reject })
	s, err := mail.New(mail.Config{URL: srv.URL(), From: "training@example.org", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), message())
	var p interface{ Permanent() bool }
	if err == nil || !errors.As(err, &p) || !p.Permanent() {
		t.Fatalf("550 refusal: %v, want a permanent error", err)
	}
	if strings.Contains(err.Error(), "sam@example.org") || !strings.Contains(err.Error(), "550") {
		t.Errorf("error %q: want the 550 reply without the address", err)
	}
	srv.Refuse(nil)
	if err := s.Send(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, "sam@example.org", "Hello", 5*time.Second)
	if got.Header.Get("List-Unsubscribe") != "<http://localhost/unsubscribe?token=x>" || got.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("unsubscribe headers: %q / %q", got.Header.Get("List-Unsubscribe"), got.Header.Get("List-Unsubscribe-Post"))
	}
}

// smtp:// without ?tls=off requires STARTTLS: a server that does not offer
// it gets nothing, rather than the message in clear.
func TestSTARTTLSIsRequired(t *testing.T) {
	srv := mailtest.Start(t) // offers no STARTTLS
	s, err := mail.New(mail.Config{URL: "smtp://" + srv.Addr, From: "training@example.org", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), message()); err == nil {
		t.Fatal("sent in clear to a server without STARTTLS")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("the server received %d messages", n)
	}
}
