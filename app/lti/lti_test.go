package lti_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/lti"
	"github.com/foundations/foundations/app/lti/ltitest"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// recordingJobs keeps the jobs enqueued, so a test delivers them itself.
type recordingJobs struct {
	mu   sync.Mutex
	jobs []app.Job
}

func (r *recordingJobs) Enqueue(ctx context.Context, tx app.Store, job app.Job) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jobs = append(r.jobs, job)
	return nil
}

type env struct {
	st       *store.Store
	tool     *lti.Tool
	svc      *app.LTI
	jobs     *recordingJobs
	plat     *ltitest.Platform
	platform *app.LTIPlatform
	admin    *app.User
	learner  ltitest.User
	teacher  ltitest.User
	base     string
}

func setup(t *testing.T, st *store.Store) *env {
	ctx := context.Background()
	e := &env{st: st, jobs: &recordingJobs{}}
	toolSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := e.tool.MergeKeySet(r.Context(), nil)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(toolSrv.Close)
	e.base = toolSrv.URL
	e.tool = lti.New(st, e.base, func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) })
	e.plat = ltitest.Start(t, e.base)
	e.learner = ltitest.User{Subject: "moodle-user-7", Name: "Alex Byrne", Email: "alex@council.example", Roles: []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"}}
	e.plat.AddUser(e.learner)
	e.teacher = ltitest.User{Subject: "moodle-teacher-2", Name: "Tam Teacher", Roles: []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}}
	e.plat.AddUser(e.teacher)
	e.svc = &app.LTI{Store: st, Protocol: e.tool, Jobs: e.jobs, Course: storetest.RealCourse(t), BaseURL: e.base, Now: e.tool.Now}
	if err := st.EnsureOrganisations(ctx, []string{"Council"}); err != nil {
		t.Fatal(err)
	}
	orgs, err := st.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := e.tool.Now()
	e.admin = &app.User{Name: "Ada Admin", Email: "ada@council.example", EmailNorm: "ada@council.example", PasswordHash: app.NoPasswordHash(),
		OrganisationID: orgs[0].ID, JobRole: "Administrator", Roles: []string{app.RoleLearner, app.RoleAdmin}, CreatedAt: now, EmailVerifiedAt: &now}
	if err := st.CreateUser(ctx, e.admin); err != nil {
		t.Fatal(err)
	}
	e.platform, err = e.svc.SavePlatform(ctx, e.admin, 0, app.LTIPlatformForm{Name: "Council Moodle", Issuer: e.plat.URL, ClientID: e.plat.ClientID,
		DeploymentIDs: e.plat.DeploymentID + "\nother-deployment", AuthURL: e.plat.AuthURL(), TokenURL: e.plat.TokenURL(), KeySetURL: e.plat.KeySetURL()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// login runs the login initiation and returns the state and nonce the
// tool sent, and the browser's secret.
func (e *env) login(t *testing.T) (state, nonce, secret string) {
	t.Helper()
	start, err := e.svc.Login(context.Background(), app.LTILoginRequest{Issuer: e.plat.URL, LoginHint: e.learner.Subject,
		TargetLinkURI: e.base + "/lti/launch", ClientID: e.plat.ClientID, DeploymentID: e.plat.DeploymentID})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(start.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
		"client_id": e.plat.ClientID, "redirect_uri": e.base + "/lti/launch", "login_hint": e.learner.Subject} {
		if q.Get(k) != want {
			t.Fatalf("auth request %s = %q, want %q", k, q.Get(k), want)
		}
	}
	if !strings.HasPrefix(start.RedirectURL, e.plat.AuthURL()+"?") || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Fatalf("auth request %s", start.RedirectURL)
	}
	if start.CookieName != app.LTIStateCookie(q.Get("state")) {
		t.Fatal("cookie not named for the state")
	}
	return q.Get("state"), q.Get("nonce"), start.BrowserSecret
}

func (e *env) token(t *testing.T, kind, nonce string, mutate func(map[string]any)) string {
	t.Helper()
	who := e.learner
	if kind == "deeplink" {
		who = e.teacher
	}
	c := e.plat.Claims(who, kind, nonce)
	if mutate != nil {
		mutate(c)
	}
	tok, err := e.plat.Sign(c, e.plat.Key, e.plat.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (e *env) launches(t *testing.T) int {
	var n int64
	if err := e.st.DB().Raw(`SELECT COUNT(*) FROM lti_launches`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Every refusal is EINVALID with a message, consumes nothing (the same
// state then completes a good launch) and records no launch.
func TestLaunchRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := setup(t, st)
		otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		cases := []struct {
			name   string
			token  func(nonce string) string
			secret func(secret string) string
			state  func(state string) string
			want   string
			code   string // EINVALID unless set
		}{
			{name: "bad signature", token: func(n string) string {
				tok, _ := e.plat.Sign(e.plat.Claims(e.learner, "resource", n), otherKey, e.plat.KeyID)
				return tok
			}, want: "signature does not match"},
			{name: "unknown kid", token: func(n string) string {
				tok, _ := e.plat.Sign(e.plat.Claims(e.learner, "resource", n), otherKey, "someone-elses-key")
				return tok
			}, want: "does not publish"},
			{name: "HS256", token: func(n string) string {
				s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("0123456789abcdef0123456789abcdef")}, (&jose.SignerOptions{}).WithHeader("kid", e.plat.KeyID))
				tok, _ := jwt.Signed(s).Claims(e.plat.Claims(e.learner, "resource", n)).Serialize()
				return tok
			}, want: "RS256"},
			{name: "not a token", token: func(string) string { return "not.a.jwt" }, want: "RS256"},
			{name: "wrong issuer", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { c["iss"] = "https://evil.example" })
			}, want: "different platform"},
			{name: "wrong audience", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { c["aud"] = "another-tool" })
			}, want: "another tool"},
			{name: "several audiences, no azp", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { c["aud"] = []string{e.plat.ClientID, "another-tool"} })
			}, want: "another tool"},
			{name: "azp of another tool", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { c["aud"] = []string{e.plat.ClientID, "x"}; c["azp"] = "x" })
			}, want: "another tool"},
			{name: "expired", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) {
					c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
				})
			}, want: "expired"},
			{name: "no expiry", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { delete(c, "exp") })
			}, want: "expires"},
			{name: "issued in the future", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { c["iat"] = now.Add(time.Hour).Unix() })
			}, want: "future"},
			{name: "other nonce", token: func(string) string { return e.token(t, "resource", "a-nonce-from-another-login", nil) }, want: "nonce"},
			{name: "no nonce", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { delete(c, "nonce") })
			}, want: "nonce"},
			{name: "unknown deployment", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { c["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "deployment-9" })
			}, want: "deployment"},
			{name: "wrong message type", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) {
					c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiSubmissionReviewRequest"
				})
			}, want: "kind this course accepts"},
			{name: "wrong version", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { c["https://purl.imsglobal.org/spec/lti/claim/version"] = "1.1" })
			}, want: "1.3.0"},
			{name: "foreign target", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) {
					c["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"] = "https://evil.example/lti/launch"
				})
			}, want: "not this course"},
			{name: "no resource link", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { delete(c, "https://purl.imsglobal.org/spec/lti/claim/resource_link") })
			}, want: "resource_link"},
			{name: "anonymous", token: func(n string) string {
				return e.token(t, "resource", n, func(c map[string]any) { delete(c, "sub") })
			}, want: "who you are"},
			{name: "deep linking by a learner", token: func(n string) string {
				tok, _ := e.plat.Sign(e.plat.Claims(e.learner, "deeplink", n), e.plat.Key, e.plat.KeyID)
				return tok
			}, want: "Only a teacher", code: app.EFORBIDDEN},
			{name: "unknown state", state: func(string) string { return "made-up-state" }, want: "expired or was already used"},
			{name: "another browser", secret: func(string) string { return "another-browsers-secret" }, want: "another browser"},
			{name: "no cookie", secret: func(string) string { return "" }, want: "another browser"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				state, nonce, secret := e.login(t)
				tok := e.token(t, "deeplink", nonce, nil)
				if tc.token != nil {
					tok = tc.token(nonce)
				}
				badState, badSecret := state, secret
				if tc.state != nil {
					badState = tc.state(state)
				}
				if tc.secret != nil {
					badSecret = tc.secret(secret)
				}
				_, err := e.svc.Launch(context.Background(), tok, badState, badSecret)
				code := tc.code
				if code == "" {
					code = app.EINVALID
				}
				if app.ErrorCode(err) != code || !strings.Contains(app.ErrorMessage(err), tc.want) {
					t.Fatalf("Launch = %v; want %s saying %q", err, code, tc.want)
				}
				if n := e.launches(t); n != 0 {
					t.Fatalf("a refused launch recorded %d launches", n)
				}
				// Nothing was consumed: the state still completes a good launch.
				res, err := e.svc.Launch(context.Background(), e.token(t, "deeplink", nonce, nil), state, secret)
				if err != nil || res.DeepLink == nil {
					t.Fatalf("good launch after the refusal: %v", err)
				}
			})
		}
	})
}

// A state is single use: the same launch posted twice is refused the
// second time, and the login cannot be used again.
func TestLaunchReplayIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := setup(t, st)
		state, nonce, secret := e.login(t)
		tok := e.token(t, "deeplink", nonce, nil)
		if _, err := e.svc.Launch(context.Background(), tok, state, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Launch(context.Background(), tok, state, secret); app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "already used") {
			t.Fatalf("replay: %v, want refused as already used", err)
		}
		// The token with a fresh login's state: its nonce is not that login's.
		state2, _, secret2 := e.login(t)
		if _, err := e.svc.Launch(context.Background(), tok, state2, secret2); app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), "nonce") {
			t.Fatalf("replayed token with a new state: %v, want refused for its nonce", err)
		}
	})
}

// Two posts of one launch at the same moment: exactly one is accepted.
func TestLaunchRaceTakesTheStateOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := setup(t, st)
		state, nonce, secret := e.login(t)
		tok := e.token(t, "deeplink", nonce, nil)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.svc.Launch(context.Background(), tok, state, secret)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if app.ErrorCode(err) != app.EINVALID {
				t.Fatalf("unexpected error %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of 4 concurrent launches accepted, want 1", ok)
		}
	})
}

func TestLoginRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := setup(t, st)
		good := app.LTILoginRequest{Issuer: e.plat.URL, LoginHint: "x", TargetLinkURI: e.base + "/lti/launch", ClientID: e.plat.ClientID}
		for name, tc := range map[string]struct {
			change func(*app.LTILoginRequest)
			want   string
		}{
			"unknown issuer":     {func(r *app.LTILoginRequest) { r.Issuer = "https://other.example" }, "not registered"},
			"unknown client":     {func(r *app.LTILoginRequest) { r.ClientID = "other" }, "not registered"},
			"unknown deployment": {func(r *app.LTILoginRequest) { r.DeploymentID = "deployment-9" }, "deployment"},
			"foreign target":     {func(r *app.LTILoginRequest) { r.TargetLinkURI = "https://evil.example/lti/launch" }, "not this course"},
			"no login hint":      {func(r *app.LTILoginRequest) { r.LoginHint = "" }, "incomplete"},
		} {
			req := good
			tc.change(&req)
			if _, err := e.svc.Login(context.Background(), req); app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorMessage(err), tc.want) {
				t.Errorf("%s: %v, want EINVALID saying %q", name, err, tc.want)
			}
		}
		var n int64
		st.DB().Raw(`SELECT COUNT(*) FROM lti_states`).Scan(&n)
		if n != 0 {
			t.Fatalf("refused logins left %d states", n)
		}
	})
}

// A platform whose key set is down or slow gives a clear 503-kind error
// within the timeout, and the launch can be retried.
func TestLaunchWithPlatformDownOrSlow(t *testing.T) {
	st := storetest.SQLite(t)
	e := setup(t, st)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	e.tool.HTTP.Timeout = 300 * time.Millisecond
	for name, keySetURL := range map[string]string{"down": "http://127.0.0.1:1/jwks", "slow": slow.URL + "/jwks"} {
		p := *e.platform
		p.KeySetURL = keySetURL
		f := app.LTIPlatformForm{Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, DeploymentIDs: strings.Join(p.DeploymentIDs, "\n"), AuthURL: p.AuthURL, TokenURL: p.TokenURL, KeySetURL: keySetURL}
		if _, err := e.svc.SavePlatform(context.Background(), e.admin, p.ID, f); err != nil {
			t.Fatal(err)
		}
		state, nonce, secret := e.login(t)
		start := time.Now()
		_, err := e.svc.Launch(context.Background(), e.token(t, "deeplink", nonce, nil), state, secret)
		if app.ErrorCode(err) != app.EUNAVAILABLE || !strings.Contains(app.ErrorMessage(err), "did not answer") {
			t.Fatalf("%s: %v, want EUNAVAILABLE", name, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("%s: took %v", name, d)
		}
	}
}

// A Deep Linking launch gives a response signed with the tool's key that
// the platform verifies against the tool's key set: one ltiResourceLink
// to the launch URL with a line item out of 100, and the request's data.
func TestDeepLinkingResponse(t *testing.T) {
	st := storetest.SQLite(t)
	e := setup(t, st)
	state, nonce, secret := e.login(t)
	res, err := e.svc.Launch(context.Background(), e.token(t, "deeplink", nonce, nil), state, secret)
	if err != nil {
		t.Fatal(err)
	}
	if res.DeepLink.ReturnURL != e.plat.URL+"/deep-link-return" {
		t.Fatalf("return url %q", res.DeepLink.ReturnURL)
	}
	resp, err := http.PostForm(res.DeepLink.ReturnURL, url.Values{"JWT": {res.DeepLink.Add}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("platform refused the response: %d %v", resp.StatusCode, e.plat.Errors())
	}
	links := e.plat.DeepLinks()
	if len(links) != 1 || len(links[0].Items) != 1 || links[0].Data != "opaque-data-42" {
		t.Fatalf("deep links %+v", links)
	}
	it := links[0].Items[0]
	li, _ := it["lineItem"].(map[string]any)
	if it["type"] != "ltiResourceLink" || it["url"] != e.base+"/lti/launch" || it["title"] != "Neglect Foundations" || li["scoreMaximum"] != float64(100) {
		t.Fatalf("content item %v", it)
	}
	if links[0].Claims["aud"] == nil || links[0].Claims["nonce"] == nil {
		t.Fatalf("claims %v", links[0].Claims)
	}
	resp, err = http.PostForm(res.DeepLink.ReturnURL, url.Values{"JWT": {res.DeepLink.Cancel}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if links := e.plat.DeepLinks(); len(links) != 2 || len(links[1].Items) != 0 {
		t.Fatalf("cancel: %+v", links)
	}
}

// launchedLearner is an account made by a launch of the test learner from
// the platform, with a line item that takes scores.
func (e *env) launchedLearner(t *testing.T, st *store.Store) *app.User {
	t.Helper()
	ctx, now := context.Background(), e.tool.Now()
	u := &app.User{Name: e.learner.Name, Email: e.learner.Email, EmailNorm: e.learner.Email, PasswordHash: app.NoPasswordHash(),
		OrganisationID: e.admin.OrganisationID, JobRole: "Social worker", Roles: []string{app.RoleLearner}, CreatedAt: now, EmailVerifiedAt: &now}
	if err := st.CreateUserWithIdentity(ctx, u, &app.Identity{Method: app.MethodLTI, Issuer: e.plat.URL, Subject: e.learner.Subject, Label: "Council Moodle", CreatedAt: now, LastUsedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordLTILaunch(ctx, &app.LTILaunch{PlatformID: e.platform.ID, Subject: e.learner.Subject, DeploymentID: e.plat.DeploymentID,
		ResourceLinkID: "link-1", LineItem: e.plat.LineItem(), Scopes: []string{app.LTIScoreScope}, LaunchedAt: now}); err != nil {
		t.Fatal(err)
	}
	return u
}

// Scores: a module pass and the completion are each owed once per
// learner, platform and event; delivery gets a token with a client
// assertion the platform verifies, posts to the line item (its query
// kept), is retried after a failure and never sent twice.
func TestScoresAreOwedOnceAndDelivered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := setup(t, st)
		now := e.tool.Now()
		u := e.launchedLearner(t, st)
		owe := func(f func(tx app.Store) error) {
			t.Helper()
			if err := st.InTx(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 { // the second time owes nothing more
			owe(func(tx app.Store) error { return e.svc.ModulePassed(ctx, tx, u.ID, 1, "module-1", 1, now) })
		}
		if len(e.jobs.jobs) != 1 {
			t.Fatalf("%d jobs for one pass", len(e.jobs.jobs))
		}
		id := e.jobs.jobs[0].(app.LTIScoreJob).ScoreID
		e.plat.FailScores(1)
		if err := e.svc.DeliverScore(ctx, id, 1, false); err == nil {
			t.Fatal("delivery to a failing platform reported success")
		}
		sc, _ := st.LTIScore(ctx, id)
		if sc.Status != app.LTIScoreRetrying || !strings.Contains(sc.LastError, "503") {
			t.Fatalf("after a failure: %+v", sc)
		}
		if err := e.svc.DeliverScore(ctx, id, 2, false); err != nil {
			t.Fatalf("retry: %v (platform: %v)", err, e.plat.Errors())
		}
		if err := e.svc.DeliverScore(ctx, id, 3, false); err != nil { // a stray retry sends nothing
			t.Fatal(err)
		}
		got := e.plat.Scores()
		if len(got) != 1 || got[0].UserID != e.learner.Subject || got[0].ScoreGiven != 20 || got[0].ScoreMaximum != 100 ||
			got[0].ActivityProgress != "InProgress" || got[0].GradingProgress != "Pending" {
			t.Fatalf("scores %+v", got)
		}
		owe(func(tx app.Store) error { return e.svc.CourseCompleted(ctx, tx, u.ID, 1, now.Add(time.Hour)) })
		id = e.jobs.jobs[1].(app.LTIScoreJob).ScoreID
		if err := e.svc.DeliverScore(ctx, id, 1, false); err != nil {
			t.Fatal(err)
		}
		got = e.plat.Scores()
		if len(got) != 2 || got[1].ScoreGiven != 100 || got[1].ActivityProgress != "Completed" || got[1].GradingProgress != "FullyGraded" {
			t.Fatalf("scores %+v", got)
		}
		counts, _ := st.LTIScoreCounts(ctx, e.platform.ID)
		if counts["sent"] != 2 {
			t.Fatalf("counts %v", counts)
		}
		// A learner who never launched from the platform owes it nothing.
		owe(func(tx app.Store) error { return e.svc.ModulePassed(ctx, tx, e.admin.ID, 1, "module-1", 1, now) })
		if len(e.jobs.jobs) != 2 {
			t.Fatal("a score was owed for someone who never launched")
		}
	})
}

// A learner's scores reach the platform in the order they were earned:
// a score waits while an earlier one to the same line item is still owed,
// and is sent once that one has gone. A score older than LTIScoreOrderWait
// waits no longer.
func TestScoresArriveInTheOrderEarned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := setup(t, st)
		now := e.tool.Now()
		u := e.launchedLearner(t, st)
		pass := func(module string, passed int, at time.Time) int64 {
			t.Helper()
			before := len(e.jobs.jobs)
			if err := st.InTx(ctx, func(tx app.Store) error { return e.svc.ModulePassed(ctx, tx, u.ID, 1, module, passed, at) }); err != nil {
				t.Fatal(err)
			}
			if len(e.jobs.jobs) != before+1 {
				t.Fatalf("passing %s owed %d scores", module, len(e.jobs.jobs)-before)
			}
			return e.jobs.jobs[before].(app.LTIScoreJob).ScoreID
		}
		first, second := pass("module-1", 1, now), pass("module-2", 2, now.Add(time.Second))

		if err := e.svc.DeliverScore(ctx, second, 1, false); !errors.Is(err, app.ErrLTIScoreWaiting) {
			t.Fatalf("the second score before the first: %v, want ErrLTIScoreWaiting", err)
		}
		if sc, _ := st.LTIScore(ctx, second); sc.Status != app.LTIScoreQueued || sc.Attempts != 0 {
			t.Fatalf("a waiting score was changed: %+v", sc)
		}
		if got := e.plat.Scores(); len(got) != 0 {
			t.Fatalf("the platform received %+v before the first score was sent", got)
		}
		if err := e.svc.DeliverScore(ctx, first, 1, false); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeliverScore(ctx, second, 1, false); err != nil {
			t.Fatalf("the second score after the first: %v", err)
		}
		got := e.plat.Scores()
		if len(got) != 2 || got[0].ScoreGiven != 20 || got[1].ScoreGiven != 40 {
			t.Fatalf("scores %+v, want 20 then 40", got)
		}

		// A first score the platform keeps refusing holds the next one
		// back only for LTIScoreOrderWait.
		e.plat.FailScores(1 << 30)
		old := now.Add(-app.LTIScoreOrderWait - time.Minute)
		third, fourth := pass("module-3", 3, old), pass("module-4", 4, old.Add(time.Second))
		if err := e.svc.DeliverScore(ctx, third, 1, false); err == nil || errors.Is(err, app.ErrLTIScoreWaiting) {
			t.Fatalf("delivery to a failing platform: %v", err)
		}
		e.plat.FailScores(0)
		if err := e.svc.DeliverScore(ctx, fourth, 1, false); err != nil {
			t.Fatalf("a score past the wait: %v", err)
		}
		if got := e.plat.Scores(); len(got) != 3 || got[2].ScoreGiven != 80 {
			t.Fatalf("scores %+v, want the 80 sent past the wait", got)
		}
	})
}

// The tool's key set: RS256 public keys only; a rotated key stays
// published.
func TestToolKeySetAndRotation(t *testing.T) {
	st := storetest.SQLite(t)
	e := setup(t, st)
	ctx := context.Background()
	b, err := e.tool.MergeKeySet(ctx, []byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":"badge"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	set := parseSet(t, b)
	if len(set.Keys) != 2 || set.Keys[0].KeyID != "badge" {
		t.Fatalf("merged set %s", b)
	}
	first := set.Keys[1]
	if first.Algorithm != "RS256" || !first.IsPublic() || first.Use != "sig" {
		t.Fatalf("tool key %+v", first)
	}
	kid, err := e.tool.RotateKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = e.tool.MergeKeySet(ctx, nil)
	set = parseSet(t, b)
	if len(set.Keys) != 2 || set.Keys[0].KeyID != kid || set.Keys[1].KeyID != first.KeyID {
		t.Fatalf("after rotation %s", b)
	}
	// New messages are signed with the new key and still verify.
	state, nonce, secret := e.login(t)
	res, err := e.svc.Launch(ctx, e.token(t, "deeplink", nonce, nil), state, secret)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(res.DeepLink.Add, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || tok.Headers[0].KeyID != kid {
		t.Fatalf("signed with %v, %v", tok, err)
	}
}

func parseSet(t *testing.T, b []byte) jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatal(err)
	}
	return set
}

// A slow score endpoint times out: the attempt is recorded as failed and
// retried later, and nothing waits on it.
func TestSlowScoreEndpointTimesOut(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	e := setup(t, st)
	now := e.tool.Now()
	u := &app.User{Name: e.learner.Name, Email: e.learner.Email, EmailNorm: e.learner.Email, PasswordHash: app.NoPasswordHash(),
		OrganisationID: e.admin.OrganisationID, JobRole: "Social worker", Roles: []string{app.RoleLearner}, CreatedAt: now, EmailVerifiedAt: &now}
	if err := st.CreateUserWithIdentity(ctx, u, &app.Identity{Method: app.MethodLTI, Issuer: e.plat.URL, Subject: e.learner.Subject, Label: "Council Moodle", CreatedAt: now, LastUsedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordLTILaunch(ctx, &app.LTILaunch{PlatformID: e.platform.ID, Subject: e.learner.Subject, DeploymentID: e.plat.DeploymentID, ResourceLinkID: "link-1",
		LineItem: e.plat.LineItem(), Scopes: []string{app.LTIScoreScope}, LaunchedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.InTx(ctx, func(tx app.Store) error { return e.svc.ModulePassed(ctx, tx, u.ID, 1, "module-1", 1, now) }); err != nil {
		t.Fatal(err)
	}
	id := e.jobs.jobs[0].(app.LTIScoreJob).ScoreID
	e.plat.DelayScores(5 * time.Second)
	e.tool.HTTP.Timeout = 300 * time.Millisecond
	start := time.Now()
	if err := e.svc.DeliverScore(ctx, id, 1, false); err == nil || strings.Contains(err.Error(), e.plat.LineItem()) {
		t.Fatalf("slow delivery: %v (must fail without naming the line item)", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("slow delivery took %v", d)
	}
	sc, _ := st.LTIScore(ctx, id)
	if sc.Status != app.LTIScoreRetrying {
		t.Fatalf("status %s", sc.Status)
	}
	// On the last attempt a failure is final.
	if err := e.svc.DeliverScore(ctx, id, app.LTIScoreAttempts, true); err == nil {
		t.Fatal("final attempt succeeded against a slow platform")
	}
	if sc, _ := st.LTIScore(ctx, id); sc.Status != app.LTIScoreFailed {
		t.Fatalf("after the final attempt: %s", sc.Status)
	}
}

// The hourly clean-up removes logins never finished, and the launches and
// finished scores of a subject no longer linked to any account.
func TestDeleteStaleLTI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		e := setup(t, st)
		e.login(t)
		now := e.tool.Now()
		if err := st.RecordLTILaunch(ctx, &app.LTILaunch{PlatformID: e.platform.ID, Subject: "erased-subject", LaunchedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordLTILaunch(ctx, &app.LTILaunch{PlatformID: e.platform.ID, Subject: "linked", LaunchedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := st.LinkIdentity(ctx, &app.Identity{UserID: e.admin.ID, Method: app.MethodLTI, Issuer: e.plat.URL, Subject: "linked", Label: "x", CreatedAt: now, LastUsedAt: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.DeleteStaleLTI(ctx, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		var states, launches int64
		st.DB().Raw(`SELECT COUNT(*) FROM lti_states`).Scan(&states)
		st.DB().Raw(`SELECT COUNT(*) FROM lti_launches`).Scan(&launches)
		if states != 1 || launches != 1 {
			t.Fatalf("within the login's life: %d states, %d launches (want 1, 1)", states, launches)
		}
		if _, err := st.DeleteStaleLTI(ctx, now.Add(app.LTILoginTTL+time.Minute)); err != nil {
			t.Fatal(err)
		}
		st.DB().Raw(`SELECT COUNT(*) FROM lti_states`).Scan(&states)
		if states != 0 {
			t.Fatalf("%d expired states kept", states)
		}
	})
}
