package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/lti"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
)

// ltiServer is a test server whose tool lives at base, with one platform.
func ltiServer(t *testing.T, st *store.Store, base string) *testServer {
	srv := newTestServer(t, st, func(c *web.Config) {
		c.BaseURL = base
		c.LTI.BaseURL = base
		c.LTI.Protocol = lti.New(st, base, c.LTI.Now)
	})
	ctx := context.Background()
	orgs, err := st.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := srv.clock.Now()
	admin := &app.User{Name: "Ada Admin", Email: "ada.lti@example.org", EmailNorm: "ada.lti@example.org", PasswordHash: app.NoPasswordHash(),
		OrganisationID: orgs[0].ID, JobRole: "Administrator", Roles: []string{app.RoleLearner, app.RoleAdmin}, CreatedAt: now, EmailVerifiedAt: &now}
	if err := st.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	p := &app.LTIPlatform{Name: "Council Moodle", Issuer: "https://moodle.example", ClientID: "abc", DeploymentIDs: []string{"1"},
		AuthURL: "https://moodle.example/mod/lti/auth.php", TokenURL: "https://moodle.example/mod/lti/token.php",
		KeySetURL: "https://moodle.example/mod/lti/certs.php", UpdatedAt: srv.clock.Now()}
	if err := st.SaveLTIPlatform(ctx, p, &app.AuditEntry{ActorID: admin.ID, Action: "registered LTI platform", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return srv
}

// The login redirects to the platform's authentication request with a
// state cookie: SameSite=None and Secure behind https (the launch is a
// cross-site post), Lax over http (a browser refuses None without Secure).
func TestLTILoginCookie(t *testing.T) {
	for _, tc := range []struct{ base, sameSite, prefix string }{
		{"https://course.example", "SameSite=None", "__Host-lti_"},
		{"http://127.0.0.1:3000", "SameSite=Lax", "lti_"},
	} {
		srv := ltiServer(t, storetest.SQLite(t), tc.base)
		q := url.Values{"iss": {"https://moodle.example"}, "login_hint": {"7"}, "target_link_uri": {tc.base + "/lti/launch"}, "lti_message_hint": {"x"}, "client_id": {"abc"}}
		res := srv.newClient(t).get("/lti/login?" + q.Encode())
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "https://moodle.example/mod/lti/auth.php?") {
			t.Fatalf("%s: %d to %q", tc.base, res.StatusCode, res.Header.Get("Location"))
		}
		loc, _ := url.Parse(res.Header.Get("Location"))
		if loc.Query().Get("redirect_uri") != tc.base+"/lti/launch" || loc.Query().Get("lti_message_hint") != "x" || loc.Query().Get("prompt") != "none" {
			t.Errorf("auth request %s", loc)
		}
		ck := res.Header.Get("Set-Cookie")
		if !strings.HasPrefix(ck, tc.prefix) || !strings.Contains(ck, tc.sameSite) || !strings.Contains(ck, "HttpOnly") ||
			strings.Contains(strings.ToLower(ck), "secure") != strings.HasPrefix(tc.base, "https") {
			t.Errorf("%s: state cookie %q", tc.base, ck)
		}
	}
}

// A refused launch is a clear page with a 4xx that signs no one in; the
// launch endpoints take no form token (the platform posts them).
func TestLTILaunchRefusedPage(t *testing.T) {
	srv := ltiServer(t, storetest.SQLite(t), "http://localhost:3000")
	c := srv.newClient(t)
	res := c.postRaw("/lti/launch", url.Values{"id_token": {"x.y.z"}, "state": {"unknown"}}.Encode())
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "expired or was already used") {
		t.Fatalf("unknown state: %d %s", res.StatusCode, res.body)
	}
	res = c.postRaw("/lti/launch", url.Values{"error": {"login_required"}, "error_description": {"Not signed in"}}.Encode())
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "login_required") {
		t.Fatalf("platform error: %d %s", res.StatusCode, res.body)
	}
	res = c.get("/lti/login?iss=https://unknown.example&login_hint=1&target_link_uri=http://localhost:3000/lti/launch")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "not registered") {
		t.Fatalf("unknown platform: %d", res.StatusCode)
	}
	for name := range c.cookies {
		if name != "foundations_csrf" {
			t.Errorf("a refused launch left the cookie %s", name)
		}
	}
}

// The key set at /.well-known/jwks.json holds the badge keys and the LTI
// tool's RS256 key, public parts only.
func TestKeySetHoldsBadgeAndToolKeys(t *testing.T) {
	srv := ltiServer(t, storetest.SQLite(t), "http://localhost:3000")
	res := srv.newClient(t).get("/.well-known/jwks.json")
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(res.body, &set); err != nil {
		t.Fatal(err)
	}
	algs := map[string]bool{}
	for _, k := range set.Keys {
		algs[k["alg"].(string)] = true
		if _, private := k["d"]; private {
			t.Fatalf("private key published: %v", k["kid"])
		}
	}
	if !algs["ES256"] || !algs["RS256"] || len(set.Keys) != 2 {
		t.Fatalf("key set %s", res.body)
	}
}
