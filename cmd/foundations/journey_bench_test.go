package main

// The whole-journey benchmark for the README's Performance section (run by
// .ci/bench/http.sh): one new learner each iteration goes from registering
// to the certificate PDF over HTTP, as the page script and forms do.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store/storetest"
	"golang.org/x/net/html"
)

// journeyLearners numbers the learners of every iteration of every run,
// for their e-mail addresses and loopback source addresses.
var journeyLearners atomic.Int64

// BenchmarkLearnerJourney registers a learner, then for each of the five
// modules opens it, autosaves every answer (correct), submits it and reads
// the result, then fills in the evaluation, opens the certificate and
// downloads its PDF: about 77 requests, one after another on one
// keep-alive connection. It runs against FOUNDATIONS_BENCH_URL when set
// (the server .ci/bench/http.sh starts), else against its own server on
// PostgreSQL (TEST_DATABASE_URL).
//
// Metrics per journey: server-ms is the time from sending each request to
// reading the last byte of its answer, summed over every request; hash-ms
// is one argon2id password hash (app.HashPassword, the same parameters, in
// this process: the registration request spends it on the server), and
// hash-cpu-ms the CPU time it takes (argon2id uses several threads);
// besides-hash-ms is server-ms less hash-ms; register-ms, autosave-ms,
// submit-ms, page-ms, evaluation-ms and pdf-ms split server-ms by kind of
// request; requests counts them. handler-ms is the time the server itself
// spent answering them, from its own request-duration histogram
// (foundations_http_request_duration_seconds_sum over every route, read
// from /metrics before and after with METRICS_TOKEN, or
// FOUNDATIONS_BENCH_METRICS_TOKEN for a server started elsewhere): it
// leaves out the client, the loopback and the wake-ups between requests,
// which server-ms counts. handler-besides-hash-ms is handler-ms less
// hash-ms.
func BenchmarkLearnerJourney(b *testing.B) {
	base, token := os.Getenv("FOUNDATIONS_BENCH_URL"), os.Getenv("FOUNDATIONS_BENCH_METRICS_TOKEN")
	if base == "" {
		dsn, _ := storetest.FreshSchema(b)
		token = "journey-metrics-token-0123456789abcdef"
		base = startServer(b, []string{"DATA_DIR=" + b.TempDir(), "DATABASE_URL=" + dsn, "LOG_LEVEL=warn", "METRICS_TOKEN=" + token}).url
	}
	course := loadTestCourse(b)
	if len(course.Modules) == 0 {
		b.Fatal("the course has no modules")
	}
	const hashes = 5
	hashStart, hashCPU := time.Now(), processCPU(b)
	for range hashes {
		app.HashPassword("otter lantern quiet harbour")
	}
	hash, hashCPU := time.Since(hashStart)/hashes, (processCPU(b)-hashCPU)/hashes

	var total time.Duration
	byKind := map[string]time.Duration{}
	requests := 0
	handled := handlerSeconds(b, base, token, false)
	b.ResetTimer()
	for range b.N {
		j := newBenchJourney(b, base)
		j.walk(course)
		total += j.elapsed
		for k, d := range j.byKind {
			byKind[k] += d
		}
		requests += j.requests
	}
	b.StopTimer()
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / n }
	b.ReportMetric(ms(total), "server-ms")
	b.ReportMetric(float64(hash)/float64(time.Millisecond), "hash-ms")
	b.ReportMetric(ms(total)-float64(hash)/float64(time.Millisecond), "besides-hash-ms")
	b.ReportMetric(float64(hashCPU)/float64(time.Millisecond), "hash-cpu-ms")
	for k, d := range byKind {
		b.ReportMetric(ms(d), k+"-ms")
	}
	b.ReportMetric(float64(requests)/n, "requests")
	if token != "" {
		handler := (handlerSeconds(b, base, token, true) - handled) * 1000 / n
		b.ReportMetric(handler, "handler-ms")
		b.ReportMetric(handler-float64(hash)/float64(time.Millisecond), "handler-besides-hash-ms")
	}
}

// handlerSeconds is the server's own time spent answering requests so far:
// the sum of its request-duration histogram over every route but /metrics,
// or 0 without a metrics token. A server that has answered nothing yet has
// no sum; after requests (answered) one is required.
func handlerSeconds(b *testing.B, base, token string, answered bool) float64 {
	b.Helper()
	if token == "" {
		return 0
	}
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("/metrics: HTTP %d, %v", resp.StatusCode, err)
	}
	var sum float64
	seen := false
	for line := range strings.Lines(string(text)) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || !strings.HasPrefix(name, "foundations_http_request_duration_seconds_sum{") || strings.Contains(name, `route="/metrics"`) {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(value, &v); err != nil {
			b.Fatalf("/metrics: %q: %v", line, err)
		}
		sum, seen = sum+v, true
	}
	if !seen && answered {
		b.Fatal("/metrics has no foundations_http_request_duration_seconds_sum")
	}
	return sum
}

// journeyKind names a request for the per-kind times: register (the
// POST), autosave, submit, page (every other GET of HTML), pdf, evaluation
// (the POST).
func journeyKind(method, path string) string {
	switch {
	case method == http.MethodPost && path == "/register":
		return "register"
	case method == http.MethodPost && strings.HasSuffix(path, "/save"):
		return "autosave"
	case method == http.MethodPost && strings.HasPrefix(path, "/modules/"):
		return "submit"
	case method == http.MethodPost:
		return "evaluation"
	case strings.HasSuffix(path, ".pdf"):
		return "pdf"
	}
	return "page"
}

// benchJourney is one learner's browser: a cookie jar and one connection.
type benchJourney struct {
	b        *testing.B
	base     string
	c        *http.Client
	elapsed  time.Duration
	byKind   map[string]time.Duration
	requests int
	n        int64
}

func newBenchJourney(b *testing.B, base string) *benchJourney {
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	n := journeyLearners.Add(1)
	// Registration is rate limited per address: each learner has its own,
	// 127.1.x.y (all of 127/8 is loopback).
	from := &net.TCPAddr{IP: net.IPv4(127, 1, byte(n/250), byte(1+n%250))}
	return &benchJourney{b: b, base: base, n: n, byKind: map[string]time.Duration{}, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport:     &http.Transport{DialContext: (&net.Dialer{LocalAddr: from}).DialContext, MaxIdleConnsPerHost: 1},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// send makes one request, timed until the last byte of the answer, and
// follows a 303 with a GET (timed as a request of its own). It returns the
// final answer's body and requires its status.
func (j *benchJourney) send(method, path string, form url.Values, want int) []byte {
	j.b.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, j.base+path, body)
	if err != nil {
		j.b.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if strings.HasSuffix(path, "/save") {
		req.Header.Set("X-Requested-With", "fetch")
	}
	start := time.Now()
	resp, err := j.c.Do(req)
	if err != nil {
		j.b.Fatalf("%s %s: %v", method, path, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		j.b.Fatalf("%s %s: %v", method, path, err)
	}
	j.elapsed += took
	j.requests++
	j.byKind[journeyKind(method, path)] += took
	if resp.StatusCode == http.StatusSeeOther && want != http.StatusSeeOther {
		return j.send(http.MethodGet, resp.Header.Get("Location"), nil, want)
	}
	if resp.StatusCode != want {
		j.b.Fatalf("%s %s: HTTP %d, want %d: %.300s", method, path, resp.StatusCode, want, b)
	}
	return b
}

// csrf reads the first _csrf field of a page.
func (j *benchJourney) csrf(page []byte) string {
	j.b.Helper()
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		j.b.Fatal(err)
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "_csrf" }) {
		if v := attr(n, "value"); v != "" {
			return v
		}
	}
	j.b.Fatal("no _csrf field on the page")
	return ""
}

func (j *benchJourney) walk(course *app.Course) {
	j.b.Helper()
	page := j.send(http.MethodGet, "/register", nil, http.StatusOK)
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		j.b.Fatal(err)
	}
	var org string
	for _, o := range findAll(doc, func(n *html.Node) bool { return n.Data == "option" && hasAncestorID(n, "field-organisation") }) {
		if org = attr(o, "value"); org != "" {
			break
		}
	}
	j.send(http.MethodPost, "/register", url.Values{"_csrf": {j.csrf(page)}, "name": {fmt.Sprintf("Journey Learner %d", j.n)},
		"email": {fmt.Sprintf("journey-%d-%d@example.org", time.Now().UnixNano(), j.n)}, "password": {"otter lantern quiet harbour"},
		"organisation": {org}, "job_role": {"Health visitor"}}, http.StatusOK) // → /course

	for _, m := range course.Modules {
		csrf := j.csrf(j.send(http.MethodGet, "/modules/"+m.ID, nil, http.StatusOK))
		form := correctAnswers(m)
		for _, q := range m.Questions() {
			j.send(http.MethodPost, "/modules/"+m.ID+"/save", url.Values{"_csrf": {csrf}, "question": {q.ID}, "answer": form["q."+q.ID]}, http.StatusOK)
		}
		form.Set("_csrf", csrf)
		form.Set("action", "submit")
		j.send(http.MethodPost, "/modules/"+m.ID, form, http.StatusOK) // → the result
	}

	csrf := j.csrf(j.send(http.MethodGet, "/evaluation", nil, http.StatusOK))
	ev := url.Values{"_csrf": {csrf}}
	for _, it := range course.Evaluation {
		if it.Type == app.EvalLikert {
			ev.Set(it.ID, "4")
		} else {
			ev.Set(it.ID, "I will use the tools with the families I visit.")
		}
	}
	j.send(http.MethodPost, "/evaluation", ev, http.StatusOK) // → the certificate
	if pdf := j.send(http.MethodGet, "/certificate.pdf", nil, http.StatusOK); !strings.HasPrefix(string(pdf), "%PDF-") {
		j.b.Fatalf("/certificate.pdf is not a PDF: %.40q", pdf)
	}
	j.c.CloseIdleConnections()
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
