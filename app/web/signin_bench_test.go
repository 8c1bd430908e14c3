package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
)

// BenchmarkSignInBurst sends 96 concurrent sign-ins with different emails
// from one address (the attack of issue 14, item 1) and reports the
// process's peak resident memory during the burst, with password hashing
// bounded as cmd/foundations bounds it and, for comparison, unbounded.
//
//	go test ./app/web -run '^$' -bench SignInBurst -benchtime 1x
func BenchmarkSignInBurst(b *testing.B) {
	for _, tc := range []struct {
		name    string
		hashing *app.PasswordHashing
	}{
		{"bounded", app.NewPasswordHashing(app.HashConcurrencyFor(runtime.NumCPU(), 0), 2*time.Second)},
		{"unbounded", nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			st := storetest.SQLite(b)
			now := func() time.Time { return time.Now().UTC() }
			limits := app.DefaultLimits(st, now)
			limits.SignInPerAddress = 1 << 30 // measure the hashing, not the limit
			accounts := &app.Accounts{Store: st, Now: now, IdleTimeout: time.Hour, MaxAge: time.Hour, Limits: limits, Hashing: tc.hashing}
			learning := &app.Learning{Store: st, Course: loadSmallCourse(b), Now: now}
			f, err := web.New(web.Config{Learning: learning, Accounts: accounts, Oversight: &app.Oversight{Store: st, Learning: learning, Now: now},
				Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://localhost", SecretKey: strings.Repeat("k", 40), Limits: limits})
			if err != nil {
				b.Fatal(err)
			}
			var peak int64
			statuses := map[int]int{}
			var slowest time.Duration
			for range b.N {
				debug.FreeOSMemory()
				resetPeakRSS(b)
				var wg sync.WaitGroup
				var mu sync.Mutex
				for i := range 96 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						// A real browser: the sign-in page first, for its CSRF cookie and token.
						req, _ := http.NewRequest(http.MethodGet, "/sign-in", nil)
						res, err := f.Test(req, -1)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						var cookie *http.Cookie
						for _, ck := range res.Cookies() {
							cookie = ck
						}
						token := csrfFromCookie(f, cookie)
						form := url.Values{"_csrf": {token}, "email": {fmt.Sprintf("burst%d@example.org", i)}, "password": {"Summer2025Summer!"}}
						req, _ = http.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(form.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
						req.AddCookie(cookie)
						start := time.Now()
						res, err = f.Test(req, -1)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						mu.Lock()
						statuses[res.StatusCode]++
						slowest = max(slowest, time.Since(start))
						mu.Unlock()
					}()
				}
				wg.Wait()
				peak = max(peak, web.PeakRSS(b))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
			b.ReportMetric(slowest.Seconds(), "slowest-s")
			b.ReportMetric(float64(statuses[http.StatusServiceUnavailable])/float64(b.N), "503/burst")
			b.Logf("%s: statuses %v, peak RSS %.0f MiB, slowest answer %s", tc.name, statuses, float64(peak)/(1<<20), slowest.Round(time.Millisecond))
		})
	}
}

// csrfFromCookie renders a sign-in page with the cookie to read its token.
func csrfFromCookie(f interface {
	Test(*http.Request, ...int) (*http.Response, error)
}, ck *http.Cookie) string {
	req, _ := http.NewRequest(http.MethodGet, "/sign-in", nil)
	req.AddCookie(ck)
	res, err := f.Test(req, -1)
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	s := string(body)
	i := strings.Index(s, `name="_csrf" value="`)
	if i < 0 {
		return ""
	}
	s = s[i+len(`name="_csrf" value="`):]
	return s[:strings.IndexByte(s, '"')]
}

// resetPeakRSS resets the kernel's high-water mark of this process's
// resident memory (Linux: writing 5 to clear_refs).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset peak RSS here: %v", err)
	}
}
