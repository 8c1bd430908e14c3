package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/foundations/foundations/app/web"
	"github.com/gofiber/fiber/v2"
)

// The kinds of user every route is tried as.
const (
	anon      = "anonymous"
	learnerA  = "learner A"
	learnerB  = "learner B"
	managerA  = "A's manager"
	managerX  = "another manager"
	coordUser = "coordinator"
	adminUser = "administrator"
)

var kinds = []string{anon, learnerA, learnerB, managerA, managerX, coordUser, adminUser}

// expect is one route's status for each kind of user, in the order of
// kinds. Learner A has completed the course (certificate issued) and named
// A's manager, who accepted them; learner B has not started. Every user is
// also a learner; the administrator holds only the admin role beyond that.
type expect [7]int

const (
	ok     = fiber.StatusOK
	see    = fiber.StatusSeeOther
	unauth = fiber.StatusUnauthorized
	forbid = fiber.StatusForbidden
	nf     = fiber.StatusNotFound
	confl  = fiber.StatusConflict
	unproc = fiber.StatusUnprocessableEntity
)

// routeAccess lists every registered route. A route added to the server
// without a row here fails TestEveryRouteAsEveryUser. POST bodies are
// chosen so that no request changes another user's state (a refused form,
// or an idempotent change), so the order of requests does not matter.
var routeAccess = map[string]struct {
	body   url.Values
	expect expect
}{
	//                                                                   anon    A       B       mgrA    mgrX    coord   admin
	"GET /healthz":                           {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /readyz":                            {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /static/*":                          {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /favicon.ico":                       {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /metrics":                           {nil, expect{nf, nf, nf, nf, nf, nf, nf}}, // no METRICS_TOKEN here: see TestMetrics
	"GET /":                                  {nil, expect{ok, see, see, see, see, see, see}},
	"GET /register":                          {nil, expect{ok, see, see, see, see, see, see}},
	"POST /register":                         {url.Values{}, expect{unproc, unproc, unproc, unproc, unproc, unproc, unproc}},
	"GET /sign-in":                           {nil, expect{ok, see, see, see, see, see, see}},
	"POST /sign-in":                          {url.Values{}, expect{unproc, unproc, unproc, unproc, unproc, unproc, unproc}},
	"GET /sign-in/link":                      {nil, expect{nf, nf, nf, nf, nf, nf, nf}},
	"POST /sign-in/link":                     {url.Values{}, expect{nf, nf, nf, nf, nf, nf, nf}},
	"GET /sign-in/setup":                     {nil, expect{nf, nf, nf, nf, nf, nf, nf}},
	"POST /sign-in/setup":                    {url.Values{}, expect{nf, nf, nf, nf, nf, nf, nf}},
	"POST /sign-out":                         {url.Values{}, expect{ok, ok, ok, ok, ok, ok, ok}},
	"POST /sign-in/oidc/:provider":           {url.Values{}, expect{nf, nf, nf, nf, nf, nf, nf}}, // no providers here: see TestOIDCSignIn
	"GET /sign-in/oidc/:provider/callback":   {nil, expect{nf, nf, nf, nf, nf, nf, nf}},
	"POST /preferences/contrast":             {url.Values{"return": {"/"}}, expect{see, see, see, see, see, see, see}},
	"GET /verify":                            {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /verify/:code":                      {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /accessibility":                     {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /.well-known/jwks.json":             {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /badges/issuer":                     {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /badges/achievements/:course":       {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /badges/status/:code":               {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /references":                        {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /glossary":                          {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /contacts":                          {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"POST /session/keepalive":                {url.Values{}, expect{unauth, ok, ok, ok, ok, ok, ok}},
	"GET /course":                            {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"POST /course/refresher":                 {url.Values{}, expect{unauth, confl, confl, confl, confl, confl, confl}},
	"GET /modules/:module":                   {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"POST /modules/:module":                  {url.Values{}, expect{unauth, unproc, unproc, unproc, unproc, unproc, unproc}},
	"POST /modules/:module/save":             {url.Values{}, expect{unauth, unproc, unproc, unproc, unproc, unproc, unproc}},
	"GET /modules/:module/result":            {nil, expect{see, ok, nf, nf, nf, nf, nf}},
	"GET /modules/:module/summary":           {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"GET /knowledge-check/:phase":            {nil, expect{see, nf, nf, nf, nf, nf, nf}},
	"POST /knowledge-check/:phase":           {url.Values{}, expect{unauth, nf, nf, nf, nf, nf, nf}},
	"GET /evaluation":                        {nil, expect{see, see, forbid, forbid, forbid, forbid, forbid}},
	"POST /evaluation":                       {url.Values{}, expect{unauth, confl, forbid, forbid, forbid, forbid, forbid}},
	"GET /certificate":                       {nil, expect{see, ok, nf, nf, nf, nf, nf}},
	"GET /certificate.pdf":                   {nil, expect{see, ok, nf, nf, nf, nf, nf}},
	"GET /certificate/badge.jwt":             {nil, expect{see, ok, nf, nf, nf, nf, nf}},
	"GET /profile":                           {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"GET /confirm-name":                      {nil, expect{see, see, see, see, see, see, see}},
	"POST /confirm-name":                     {url.Values{}, expect{unauth, confl, confl, confl, confl, confl, confl}},
	"POST /profile":                          {url.Values{}, expect{unauth, unproc, unproc, unproc, unproc, unproc, unproc}},
	"GET /staff":                             {nil, expect{see, forbid, forbid, ok, ok, forbid, forbid}},
	"GET /staff/:id":                         {nil, expect{see, forbid, forbid, ok, nf, forbid, forbid}},
	"POST /staff/:id/accept":                 {url.Values{}, expect{unauth, forbid, forbid, see, nf, forbid, forbid}},
	"POST /staff/:id/confirm":                {url.Values{}, expect{unauth, forbid, forbid, see, nf, forbid, forbid}},
	"POST /staff/:id/decline":                {url.Values{}, expect{unauth, forbid, forbid, ok, nf, forbid, forbid}}, // unconfirmed: asks first
	"GET /reports":                           {nil, expect{see, forbid, forbid, forbid, forbid, ok, ok}},
	"GET /reports/learners":                  {nil, expect{see, forbid, forbid, forbid, forbid, ok, ok}},
	"GET /reports/learners.csv":              {nil, expect{see, forbid, forbid, forbid, forbid, ok, ok}},
	"GET /reports/learners.xlsx":             {nil, expect{see, forbid, forbid, forbid, forbid, ok, ok}},
	"GET /reports/learners/:id":              {nil, expect{see, forbid, forbid, forbid, forbid, ok, ok}},
	"POST /reports/learners/:id/roles":       {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, see, see}},
	"POST /reports/learners/:id/manager":     {url.Values{"manager_email": {"manager@example.org"}}, expect{unauth, forbid, forbid, forbid, forbid, see, see}},
	"POST /reports/learners/:id/revoke":      {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, unproc, unproc}},
	"POST /reports/learners/:id/reissue":     {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, see, see}},
	"GET /reports/questions":                 {nil, expect{see, forbid, forbid, forbid, forbid, ok, ok}},
	"GET /reports/organisations":             {nil, expect{see, forbid, forbid, forbid, forbid, ok, ok}},
	"POST /reports/organisations":            {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, unproc, unproc}},
	"POST /reports/organisations/:id/rename": {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, unproc, unproc}},
	"POST /reports/organisations/:id/merge":  {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, unproc, unproc}},
	"GET /reports/audit":                     {nil, expect{see, forbid, forbid, forbid, forbid, ok, ok}},
	// Email, recovery and verification (no mail server in this test).
	"GET /forgot-password":                  {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"POST /forgot-password":                 {url.Values{}, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /reset-password":                   {nil, expect{nf, nf, nf, nf, nf, nf, nf}},
	"POST /reset-password":                  {url.Values{}, expect{nf, nf, nf, nf, nf, nf, nf}},
	"GET /verify-email":                     {nil, expect{nf, nf, nf, nf, nf, nf, nf}},
	"POST /verify-email":                    {url.Values{}, expect{nf, nf, nf, nf, nf, nf, nf}},
	"GET /profile/password":                 {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"POST /profile/password":                {url.Values{}, expect{unauth, unproc, unproc, unproc, unproc, unproc, unproc}},
	"GET /profile/email":                    {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"POST /profile/email":                   {url.Values{}, expect{unauth, unproc, unproc, unproc, unproc, unproc, unproc}},
	"POST /verify-email/resend":             {url.Values{}, expect{unauth, confl, confl, confl, confl, confl, confl}},
	"POST /reports/learners/:id/email":      {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, unproc, unproc}},
	"POST /reports/learners/:id/reset-link": {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, ok, ok}},
	"GET /unsubscribe":                      {nil, expect{nf, nf, nf, nf, nf, nf, nf}},
	"POST /unsubscribe":                     {url.Values{}, expect{nf, nf, nf, nf, nf, nf, nf}},
	"GET /profile/emails":                   {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"POST /profile/emails":                  {url.Values{"topic": {"updates", "reminders"}}, expect{unauth, see, see, see, see, see, see}},
	"GET /manager-invitation":               {nil, expect{nf, nf, nf, nf, nf, nf, nf}},
	"POST /manager-invitation":              {url.Values{}, expect{unauth, nf, nf, nf, nf, nf, nf}},
	"GET /privacy":                          {nil, expect{ok, ok, ok, ok, ok, ok, ok}},
	"GET /profile/data.json":                {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"GET /profile/data.csv":                 {nil, expect{see, ok, ok, ok, ok, ok, ok}},
	"POST /reports/learners/:id/erase":      {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, forbid, unproc}},
	"GET /admin/email":                      {nil, expect{see, forbid, forbid, forbid, forbid, forbid, ok}},
	"GET /admin/sign-in":                    {nil, expect{see, forbid, forbid, forbid, forbid, forbid, ok}},
	// LTI: launches are refused without the platform's parameters; the
	// platform pages are the administrators'.
	"GET /lti/login":      {nil, expect{unproc, unproc, unproc, unproc, unproc, unproc, unproc}},
	"POST /lti/login":     {url.Values{}, expect{unproc, unproc, unproc, unproc, unproc, unproc, unproc}},
	"POST /lti/launch":    {url.Values{}, expect{unproc, unproc, unproc, unproc, unproc, unproc, unproc}},
	"GET /admin/lti":      {nil, expect{see, forbid, forbid, forbid, forbid, forbid, ok}},
	"GET /admin/lti/new":  {nil, expect{see, forbid, forbid, forbid, forbid, forbid, ok}},
	"POST /admin/lti":     {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, forbid, unproc}},
	"POST /admin/lti/key": {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, forbid, see}},
	"GET /admin/lti/:id":  {nil, expect{see, forbid, forbid, forbid, forbid, forbid, nf}},
	"POST /admin/lti/:id": {url.Values{}, expect{unauth, forbid, forbid, forbid, forbid, forbid, unproc}},
}

func TestEveryRouteAsEveryUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st, func(c *web.Config) {
			c.Limits.SignInPerAddressAndEmail, c.Limits.SignInPerAddress, c.Limits.VerifyPerAddress = 10000, 10000, 10000
		})
		ctx := context.Background()

		// Learner A completes the course through the pages; everyone else is
		// created directly (one password hash for all: argon2 is slow).
		a := srv.signUp(t, "Alex Learner", "alex@example.org") // names manager@example.org as manager
		a.passAllModules()
		a.get("/evaluation").wantStatus(t, ok)
		a.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")
		aID := srv.userID(t, "alex@example.org")
		cert, err := srv.learning.Certificate(ctx, aID)
		if err != nil {
			t.Fatal(err)
		}
		orgs, err := st.Organisations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hash := app.HashPassword(strongPassword)
		ids := map[string]int64{learnerA: aID}
		for kind, u := range map[string]*app.User{
			learnerB:  {Name: "Bea Learner", Email: "bea@example.org", Roles: []string{app.RoleLearner}},
			managerA:  {Name: "Mo Manager", Email: "manager@example.org", Roles: []string{app.RoleLearner, app.RoleManager}},
			managerX:  {Name: "Xena Manager", Email: "xena@example.org", Roles: []string{app.RoleLearner, app.RoleManager}},
			coordUser: {Name: "Cora Coordinator", Email: "cora@example.org", Roles: []string{app.RoleLearner, app.RoleCoordinator}},
			adminUser: {Name: "Ada Admin", Email: "ada@example.org", Roles: []string{app.RoleLearner, app.RoleAdmin}},
		} {
			u.EmailNorm, u.PasswordHash, u.OrganisationID, u.JobRole, u.CreatedAt = u.Email, hash, orgs[0].ID, "Tester", srv.clock.Now()
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			ids[kind] = u.ID
		}
		mgr, _ := st.UserByID(ctx, ids[managerA])
		if err := srv.oversight.AcceptStaff(ctx, mgr, aID); err != nil {
			t.Fatal(err)
		}
		css := regexp.MustCompile(`/static/css/app\.[0-9a-f]+\.css`).FindString(string(a.get("/accessibility").body))

		params := strings.NewReplacer(":module", module1, ":id", fmt.Sprint(aID), ":code", app.FormatCode(cert.Code), ":course", srv.course.ID, "*", strings.TrimPrefix(css, "/static/"))
		orgParams := strings.NewReplacer(":id", fmt.Sprint(orgs[0].ID))

		// client returns a browser with a fresh session for the kind of user,
		// and a CSRF token, so that signing out in one request does not
		// affect the next.
		client := func(kind string) *client {
			c := srv.newClient(t)
			if kind != anon {
				token, err := srv.accounts.StartSession(ctx, ids[kind])
				if err != nil {
					t.Fatal(err)
				}
				c.cookies["foundations_session"] = token
			}
			c.get("/accessibility").wantStatus(t, ok)
			return c
		}

		seen := map[string]bool{}
		for _, r := range srv.app.GetRoutes(true) {
			method := r.Method
			if method == http.MethodHead {
				method = http.MethodGet // Fiber answers HEAD with the GET handler
			}
			key := method + " " + r.Path
			if seen[r.Method+" "+r.Path] {
				continue
			}
			seen[r.Method+" "+r.Path] = true
			row, listed := routeAccess[key]
			if !listed {
				t.Errorf("route %s %s has no entry in routeAccess: add its expected status for every kind of user", r.Method, r.Path)
				continue
			}
			path := params.Replace(r.Path)
			if strings.HasPrefix(r.Path, "/reports/organisations/") {
				path = orgParams.Replace(r.Path)
			}
			for i, kind := range kinds {
				c := client(kind)
				var res *response
				switch {
				case r.Method == http.MethodHead:
					res = c.do(httptest.NewRequest(http.MethodHead, path, nil))
				case row.body == nil:
					res = c.get(path)
				default:
					res = c.post(path, row.body)
				}
				if res.StatusCode != row.expect[i] {
					t.Errorf("%s %s as %s: status %d, want %d", r.Method, path, kind, res.StatusCode, row.expect[i])
				}
			}
		}
		for key := range routeAccess {
			if !seen[key] {
				t.Errorf("routeAccess lists %s, which the server does not register", key)
			}
		}
	})
}
