// Package mailtest runs a real SMTP server on 127.0.0.1 for tests (with
// emersion/go-smtp), so tests read what the app really sends over TCP.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one email the server accepted.
type Message struct {
	From, To string
	Header   mail.Header
	Subject  string
	Text     string // the text/plain part, decoded
	HTML     string // the text/html part, decoded
	Raw      []byte
}

// Server is a running SMTP server.
type Server struct {
	Addr string // 127.0.0.1:port
	srv  *smtp.Server

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{}
	// Refuse, when set, decides a reply to each recipient: nil accepts;
	// an *smtp.SMTPError is sent back as it is.
	refuse func(to string) error
}

// Start runs a server until the test ends. Its URL for SMTP_URL is URL().
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}, 1000)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	go s.srv.Serve(l)
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// URL is the SMTP_URL for this server (no TLS: a local test server).
func (s *Server) URL() string { return "smtp://" + s.Addr + "?tls=off" }

// Refuse makes the server answer each recipient with f's error (nil accepts).
func (s *Server) Refuse(f func(to string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = f
}

// Reject is a permanent refusal (550).
var Reject = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unavailable"}

// TryLater is a temporary refusal (451).
var TryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}

// Messages returns every message accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// To returns the messages accepted for one address.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// Wait waits until a message for addr whose subject contains subject has
// arrived, and returns the latest such message.
func (s *Server) Wait(t testing.TB, addr, subject string, timeout time.Duration) Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.To(addr)
		for i := len(ms) - 1; i >= 0; i-- {
			if strings.Contains(ms[i].Subject, subject) {
				return ms[i]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email to %s with subject %q within %s; got %d messages", addr, subject, timeout, len(s.Messages()))
		}
		select {
		case <-s.arrived:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// Link returns the first link in the text part containing part.
func (m Message) Link(part string) string {
	for _, l := range linkRE.FindAllString(m.Text, -1) {
		if strings.Contains(l, part) {
			return l
		}
	}
	return ""
}

type session struct {
	s        *Server
	from, to string
}

func (x *session) Reset()                                      {}
func (x *session) Logout() error                               { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	refuse := x.s.refuse
	x.s.mu.Unlock()
	if refuse != nil {
		if err := refuse(to); err != nil {
			return err
		}
	}
	x.to = to
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparseable: " + err.Error()}
	}
	m.From, m.To = x.from, x.to
	x.s.mu.Lock()
	x.s.messages = append(x.s.messages, m)
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	m := Message{Header: msg.Header, Subject: subject, Raw: raw}
	ct, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return m, err
	}
	if !strings.HasPrefix(ct, "multipart/") {
		body, err := decode(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		m.Text = body
		return m, err
	}
	return m, walk(multipart.NewReader(msg.Body, params["boundary"]), &m)
}

func walk(mr *multipart.Reader, m *Message) error {
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		ct, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case strings.HasPrefix(ct, "multipart/"):
			if err := walk(multipart.NewReader(p, params["boundary"]), m); err != nil {
				return err
			}
		case ct == "text/plain":
			if m.Text, err = decode(p, p.Header.Get("Content-Transfer-Encoding")); err != nil {
				return err
			}
		case ct == "text/html":
			if m.HTML, err = decode(p, p.Header.Get("Content-Transfer-Encoding")); err != nil {
				return err
			}
		}
	}
}

func decode(r io.Reader, enc string) (string, error) {
	switch strings.ToLower(enc) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		b, err := io.ReadAll(r)
		if err != nil {
			return "", err
		}
		return decodeBase64(b)
	}
	b, err := io.ReadAll(r)
	return string(b), err
}
