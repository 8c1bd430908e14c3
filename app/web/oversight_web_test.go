package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"
)

// Managers' and coordinators' pages through HTTP: what each may see, the
// confirmation, the learner list, the exports, the question analysis,
// revocation and the audit trail.

// ovUser creates a person directly in the store (registration through the
// form is tested elsewhere, and argon2 is slow), naming managerEmail as
// their line manager, with the learner role and any others given.
func (s *testServer) ovUser(t *testing.T, name, email, managerEmail string, roles ...string) int64 {
	t.Helper()
	ctx := context.Background()
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := &app.User{Name: name, Email: email, EmailNorm: app.NormaliseEmail(email), PasswordHash: "not used", OrganisationID: orgs[0].ID,
		JobRole: "Social worker", ManagerEmail: app.NormaliseEmail(managerEmail), Roles: append([]string{app.RoleLearner}, roles...), CreatedAt: s.clock.Now()}
	u.EmailVerifiedAt = &u.CreatedAt
	if err := s.store.CreateUser(ctx, u); err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u.ID
}

// ovSignIn returns a browser with a session for the user and a CSRF token.
func (s *testServer) ovSignIn(t *testing.T, userID int64) *client {
	t.Helper()
	token, err := s.accounts.StartSession(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	c := s.newClient(t)
	c.cookies["foundations_session"] = token
	c.get("/accessibility").wantStatus(t, fiber.StatusOK)
	return c
}

// ovComplete takes a learner through the course with the services: both
// modules passed at the first attempt, the evaluation sent.
func (s *testServer) ovComplete(t *testing.T, userID int64) {
	t.Helper()
	ctx := context.Background()
	for _, m := range []struct {
		id      string
		answers app.FormAnswers
	}{
		{module1, app.FormAnswers{"m1-colour": {"b"}, "m1-fruits": {"a", "b"}, "m1-count": {"b"}}},
		{module2, app.FormAnswers{"m2-day": {"a"}, "m2-shapes": {"a", "c"}, "m2-reflection": {"Something."}}},
	} {
		s.ovSubmit(t, userID, m.id, m.answers)
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.learning.SubmitEvaluation(ctx, u, app.EvaluationForm{"eval-useful": "4", "eval-confidence-after": "5"}); err != nil {
		t.Fatal(err)
	}
}

// ovSubmit opens a module, saves answers and submits them; it returns
// whether the attempt passed.
func (s *testServer) ovSubmit(t *testing.T, userID int64, moduleID string, answers app.FormAnswers) bool {
	t.Helper()
	ctx := context.Background()
	if _, err := s.learning.OpenModule(ctx, userID, moduleID); err != nil {
		t.Fatal(err)
	}
	if err := s.learning.SaveAnswers(ctx, userID, moduleID, answers); err != nil {
		t.Fatal(err)
	}
	res, err := s.learning.SubmitModule(ctx, userID, moduleID)
	if err != nil {
		t.Fatal(err)
	}
	return res.Score.Passed
}

// tableRows returns the text of each cell of each body row of the table
// whose caption is caption; nil if there is no such table.
func tableRows(t *testing.T, r *response, caption string) [][]string {
	t.Helper()
	for _, tbl := range findAll(r.html(t), element("table")) {
		cap := findFirst(tbl, element("caption"))
		if cap == nil || !strings.HasPrefix(textOf(cap), caption) {
			continue
		}
		rows := [][]string{}
		for _, tr := range findAll(tbl, element("tr")) {
			if tr.Parent == nil || tr.Parent.Data != "tbody" {
				continue
			}
			var cells []string
			for c := tr.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
					cells = append(cells, textOf(c))
				}
			}
			rows = append(rows, cells)
		}
		return rows
	}
	return nil
}

// summaryValue is the value of the summary list row whose key is key.
func summaryValue(t *testing.T, r *response, key string) string {
	t.Helper()
	for _, row := range findAll(r.html(t), element("div", "class", "govuk-summary-list__row")) {
		if k := findFirst(row, element("dt")); k != nil && textOf(k) == key {
			return textOf(findFirst(row, element("dd")))
		}
	}
	t.Fatalf("%s: no summary row %q", r.Request.URL, key)
	return ""
}

// learnerNames lists the names in the coordinator's learner table, in order.
func learnerNames(t *testing.T, r *response) []string {
	t.Helper()
	r.wantStatus(t, fiber.StatusOK)
	var names []string
	for _, tbl := range findAll(r.html(t), element("table")) {
		if cap := findFirst(tbl, element("caption")); cap == nil || !strings.HasPrefix(textOf(cap), "Learners, page") {
			continue
		}
		for _, a := range findAll(tbl, element("a")) {
			if strings.HasPrefix(attr(a, "href"), "/reports/learners/") {
				names = append(names, textOf(a))
			}
		}
		return names
	}
	t.Fatalf("%s: no learner table", r.Request.URL)
	return nil
}

func TestOversightManagerStaffPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		const secret = "MY-PRIVATE-REFLECTION-42"

		lena := srv.signUp(t, "Lena Learner", "lena@example.org") // names manager@example.org
		lenaID := srv.userID(t, "lena@example.org")
		lena.submitModule(module1, merge(module1Right(), url.Values{"q.m1-reflection": {secret}})).wantRedirect(t, "/modules/"+module1+"/result")
		answers := module2Right()
		answers.Set("q.m2-reflection", secret)
		lena.submitModule(module2, answers).wantRedirect(t, "/modules/"+module2+"/result")

		moID := srv.ovUser(t, "Mo Manager", "manager@example.org", "", app.RoleManager)
		xenaID := srv.ovUser(t, "Xena Manager", "xena@example.org", "", app.RoleManager)
		omarID := srv.ovUser(t, "Omar Other", "omar@example.org", "xena@example.org")
		coordID := srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		mo, xena, coord := srv.ovSignIn(t, moID), srv.ovSignIn(t, xenaID), srv.ovSignIn(t, coordID)
		member := fmt.Sprintf("/staff/%d", lenaID)

		t.Run("pending: name and email only", func(t *testing.T) {
			mo := mo.in(t)
			res := mo.get("/staff")
			res.wantStatus(t, fiber.StatusOK)
			pending := tableRows(t, res, "Staff waiting for you to accept them")
			if len(pending) != 1 || len(pending[0]) != 3 || pending[0][0] != "Lena Learner" || pending[0][1] != "lena@example.org" {
				t.Fatalf("pending rows %q, want Lena's name and email", pending)
			}
			if tableRows(t, res, "Your staff and their progress") != nil {
				t.Error("a progress table before anyone is accepted")
			}
			for _, leak := range []string{"of 2", "In progress", "Passed", "Health visitor", "Omar", "Modules passed"} {
				if bytes.Contains(res.body, []byte(leak)) {
					t.Errorf("the staff page shows %q before Lena is accepted", leak)
				}
			}
			if findFirst(res.html(t), element("a", "href", member)) != nil {
				t.Error("a link to a pending learner's page")
			}
			if findFirst(res.html(t), element("form", "action", member+"/accept")) == nil {
				t.Error("no accept button for Lena")
			}
			mo.get(member).wantStatus(t, fiber.StatusNotFound)
			mo.post(member+"/confirm", url.Values{}).wantStatus(t, fiber.StatusNotFound)
			mo.post(fmt.Sprintf("/staff/%d/accept", omarID), url.Values{}).wantStatus(t, fiber.StatusNotFound)
			mo.get(fmt.Sprintf("/staff/%d", omarID)).wantStatus(t, fiber.StatusNotFound)
		})

		mo.post(member+"/accept", url.Values{}).wantRedirect(t, fmt.Sprintf("/staff?done=accepted&id=%d", lenaID))

		t.Run("accepted: progress", func(t *testing.T) {
			mo := mo.in(t)
			res := mo.get("/staff")
			if p := tableRows(t, res, "Staff waiting for you to accept them"); p != nil {
				t.Errorf("pending rows %q after accepting", p)
			}
			rows := tableRows(t, res, "Your staff and their progress")
			want := []string{"Lena Learner", "2 of 2", "In progress", "Not yet", "None", "No"}
			if len(rows) != 1 || !slices.Equal(rows[0], want) {
				t.Fatalf("staff rows %q, want %q", rows, want)
			}
			res = mo.get(member)
			res.wantStatus(t, fiber.StatusOK)
			if h := heading(t, res); h != "Lena Learner" {
				t.Errorf("h1 %q", h)
			}
			mods := tableRows(t, res, "Progress by module")
			if len(mods) != 2 || mods[0][1] != "Passed (100%)" || mods[1][1] != "Passed (100%)" || mods[0][2] != "1" {
				t.Errorf("module rows %q", mods)
			}
			if findFirst(res.html(t), element("form", "action", member+"/confirm")) != nil {
				t.Error("a confirm form before Lena has completed")
			}
			mo.post(member+"/confirm", url.Values{"note": {"Too soon"}}).wantStatus(t, fiber.StatusConflict)
			if n := srv.count(t, "confirmations", ""); n != 0 {
				t.Errorf("%d confirmations before completion", n)
			}
		})

		lena.post("/evaluation", evaluationForm()).wantRedirect(t, "/certificate?issued=1")

		t.Run("confirm", func(t *testing.T) {
			mo := mo.in(t)
			res := mo.get(member)
			if findFirst(res.html(t), element("form", "action", member+"/confirm")) == nil {
				t.Fatal("no confirm form once Lena has completed")
			}
			long := strings.Repeat("n", app.MaxNoteLength+1)
			res = mo.post(member+"/confirm", url.Values{"note": {long}})
			wantFieldError(t, res, "note")
			if got := textareaText(t, res.html(t), "note"); got != long {
				t.Error("the refused note was not kept in the form")
			}
			mo.post(member+"/confirm", url.Values{"note": {"Discussed in supervision on 3 March"}}).wantRedirect(t, member+"?confirmed=1")
			res = mo.get(member + "?confirmed=1")
			if p := findFirst(res.html(t), element("h1", "class", "govuk-panel__title")); p == nil || textOf(p) != "Training confirmed" {
				t.Error("no confirmation panel")
			}
			if !strings.Contains(textOf(res.html(t)), "Confirmed by Mo Manager on 14 March 2025. Note: Discussed in supervision on 3 March") {
				t.Error("the staff member page does not show who confirmed, when, and the note")
			}
			srv.clock.Advance(5 * time.Minute) // within the sessions' idle timeout
			mo.post(member+"/confirm", url.Values{"note": {"Again"}}).wantRedirect(t, member+"?confirmed=1")
			if n := srv.count(t, "confirmations", "learner_id = ? AND note = ?", lenaID, "Discussed in supervision on 3 March"); n != 1 || srv.count(t, "confirmations", "") != 1 {
				t.Error("confirming again changed the confirmation")
			}
			rows := tableRows(t, mo.get("/staff"), "Your staff and their progress")
			if len(rows) != 1 || rows[0][2] != "Confirmed by manager" || rows[0][5] != "Yes, 14 March 2025" {
				t.Errorf("staff rows %q after confirming", rows)
			}
		})

		t.Run("another manager sees none of it", func(t *testing.T) {
			xena := xena.in(t)
			res := xena.get("/staff")
			res.wantStatus(t, fiber.StatusOK)
			if p := tableRows(t, res, "Staff waiting for you to accept them"); len(p) != 1 || p[0][0] != "Omar Other" {
				t.Errorf("Xena's pending rows %q, want only Omar", p)
			}
			for _, res := range []*response{res, xena.get(member), xena.post(member+"/accept", url.Values{}), xena.post(member+"/confirm", url.Values{})} {
				if res.Request.URL.Path != "/staff" {
					res.wantStatus(t, fiber.StatusNotFound)
				}
				if bytes.Contains(res.body, []byte("Lena")) {
					t.Errorf("%s %s shows Lena to another manager", res.Request.Method, res.Request.URL)
				}
			}
			if n := srv.count(t, "manager_links", "learner_id = ?", lenaID); n != 1 {
				t.Errorf("%d manager links for Lena, want Mo's only", n)
			}
		})

		t.Run("the coordinator sees the confirmation", func(t *testing.T) {
			coord := coord.in(t)
			res := coord.get("/reports/learners?status=confirmed")
			rows := tableRows(t, res, "Learners, page")
			if len(rows) != 1 || !strings.HasPrefix(rows[0][0], "Lena Learner") || rows[0][2] != "Confirmed by manager" {
				t.Fatalf("confirmed learners %q, want Lena", rows)
			}
			for _, other := range []string{"?status=completed", "?status=in_progress"} {
				for _, row := range tableRows(t, coord.get("/reports/learners"+other), "Learners, page") {
					if strings.HasPrefix(row[0], "Lena") {
						t.Errorf("%s lists Lena", other)
					}
				}
			}
			res = coord.get(fmt.Sprintf("/reports/learners/%d", lenaID))
			res.wantStatus(t, fiber.StatusOK)
			if got := summaryValue(t, res, "Confirmed by manager"); got != "Mo Manager, 14 March 2025: Discussed in supervision on 3 March" {
				t.Errorf("learner page confirmation %q", got)
			}
			if got := summaryValue(t, res, "Status"); got != "Confirmed by manager" {
				t.Errorf("learner page status %q", got)
			}
			row := byEmail(csvRecords(t, coord.get("/reports/learners.csv?status=confirmed")))["lena@example.org"]
			if len(row) != len(app.ExportHeader) || row[4] != "Confirmed by manager" || row[9] != "2025-03-14" {
				t.Errorf("the export's row for Lena %q, want her confirmed on 2025-03-14", row)
			}
			if n := len(findAll(res.html(t), func(n *html.Node) bool {
				return n.Type == html.ElementNode && n.Data == "li" && strings.HasPrefix(textOf(n), "Attempt 1,")
			})); n != 2 {
				t.Errorf("%d first attempts listed, want one per module", n)
			}
		})

		t.Run("no page or export shows a reflection", func(t *testing.T) {
			for _, c := range []struct {
				who   string
				c     *client
				paths []string
			}{
				{"manager", mo.in(t), []string{"/staff", member, member + "?confirmed=1"}},
				{"coordinator", coord.in(t), []string{"/reports", "/reports/learners", fmt.Sprintf("/reports/learners/%d", lenaID), "/reports/questions",
					"/reports/audit", "/reports/learners.csv", "/reports/learners.xlsx"}},
			} {
				for _, p := range c.paths {
					res := c.c.get(p)
					res.wantStatus(t, fiber.StatusOK)
					if bytes.Contains(res.body, []byte(secret)) {
						t.Errorf("the %s's %s shows the learner's reflection", c.who, p)
					}
					if strings.HasSuffix(p, ".xlsx") {
						for _, row := range xlsxRows(t, res) {
							for _, cell := range row {
								if strings.Contains(cell, secret) {
									t.Errorf("the Excel export holds the learner's reflection")
								}
							}
						}
					}
				}
			}
		})
	})
}

// csvRecords checks the CSV export's framing and returns its records.
func csvRecords(t *testing.T, res *response) [][]string {
	t.Helper()
	res.wantStatus(t, fiber.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !bytes.HasPrefix(res.body, []byte("\xef\xbb\xbf")) {
		t.Fatalf("the CSV does not start with the UTF-8 byte order mark: %q", snippet(res.body[:min(len(res.body), 20)]))
	}
	recs, err := csv.NewReader(bytes.NewReader(res.body[3:])).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], app.ExportHeader) {
		t.Fatalf("CSV header %q, want %q", recs[:min(len(recs), 1)], app.ExportHeader)
	}
	return recs
}

// xlsxRows opens the Excel export and returns its rows; every cell must be
// a value, never a formula.
func xlsxRows(t *testing.T, res *response) [][]string {
	t.Helper()
	res.wantStatus(t, fiber.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("Content-Type %q", ct)
	}
	f, err := excelize.OpenReader(bytes.NewReader(res.body))
	if err != nil {
		t.Fatalf("open the Excel export: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"Learners"}) {
		t.Errorf("sheets %q, want one named Learners", sheets)
	}
	rows, err := f.GetRows("Learners")
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		for j := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if formula, err := f.GetCellFormula("Learners", cell); err != nil || formula != "" {
				t.Errorf("cell %s is a formula %q (%v)", cell, formula, err)
			}
		}
	}
	return rows
}

// trimmed drops trailing empty cells, as a spreadsheet's rows do.
func trimmed(recs [][]string) [][]string {
	out := make([][]string, len(recs))
	for i, r := range recs {
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		out[i] = r[:n]
	}
	return out
}

func byEmail(recs [][]string) map[string][]string {
	out := map[string][]string{}
	for _, r := range recs[1:] {
		out[r[1]] = r
	}
	return out
}

func TestOversightExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		evil := `=HYPERLINK("http://evil.example","click")`
		// Registration refuses such names now (app.PrintableName), but one
		// accepted before the name rule can still be in the database.
		srv.ovUser(t, evil, "evil@example.org", "")
		dangerous := map[string]string{"evil@example.org": evil}
		for email, name := range map[string]string{
			"plus@example.org": "+SUM(1,2)", "minus@example.org": "-2+3", "at@example.org": "@SUM(A1:A2)",
			"tab@example.org": "\t=1+1", "cr@example.org": "\r=1+1",
		} {
			srv.ovUser(t, name, email, "")
			dangerous[email] = name
		}
		zoeID := srv.ovUser(t, "Zoe Normal", "zoe@example.org", "")
		srv.ovComplete(t, zoeID)
		orgs, _ := st.Organisations(ctx)
		other := orgs[1]
		plusID := srv.userID(t, "plus@example.org")
		plus, _ := st.UserByID(ctx, plusID)
		plus.OrganisationID, plus.JobRole = other.ID, "-1 Job" // straight to the store: "Your details" would refuse the old name
		if err := st.UpdateProfile(ctx, plus); err != nil {
			t.Fatal(err)
		}
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))
		users := int(srv.count(t, "users", ""))

		recs := csvRecords(t, coord.get("/reports/learners.csv"))
		t.Run("CSV", func(t *testing.T) {
			if len(recs)-1 != users {
				t.Errorf("%d rows, want one per learner (%d)", len(recs)-1, users)
			}
			rows := byEmail(recs)
			for email, name := range dangerous {
				if got := rows[email][0]; got != "'"+name {
					t.Errorf("%s: name cell %q, want %q", email, got, "'"+name)
				}
			}
			if got := rows["plus@example.org"][3]; got != "'-1 Job" {
				t.Errorf("job role cell %q, want it neutralised", got)
			}
			zoe := rows["zoe@example.org"]
			cert, _ := srv.learning.Certificate(ctx, zoeID)
			want := []string{"Zoe Normal", "zoe@example.org", orgs[0].Name, "Social worker", "Completed", "2025-03-14", "2025-03-14", "2", "2025-03-14", "", app.FormatCode(cert.Code), "2028-03-14", "Password"}
			if !slices.Equal(zoe, want) {
				t.Errorf("Zoe's row %q, want %q", zoe, want)
			}
			for _, r := range recs {
				for _, cell := range r {
					if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
						t.Errorf("cell %q would run as a formula", cell)
					}
				}
			}
		})

		t.Run("filtered CSV", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				want  []string // emails
			}{
				{"status=completed", []string{"zoe@example.org"}},
				{"status=not_started&q=EXAMPLE.ORG", []string{"at@example.org", "cora@example.org", "cr@example.org", "evil@example.org", "minus@example.org", "plus@example.org", "tab@example.org"}},
				{"q=evil", []string{"evil@example.org"}},
				{fmt.Sprintf("organisation=%d", other.ID), []string{"plus@example.org"}},
				{"from=2025-03-14&to=2025-03-14", []string{"zoe@example.org"}},
				{"from=2025-03-15", nil},
				{"to=2025-03-13", nil},
			} {
				var got []string
				for _, r := range csvRecords(t, coord.get("/reports/learners.csv?"+tc.query))[1:] {
					got = append(got, r[1])
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want) {
					t.Errorf("%s: %q, want %q", tc.query, got, tc.want)
				}
			}
		})

		t.Run("XLSX", func(t *testing.T) {
			res := coord.get("/reports/learners.xlsx")
			if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".xlsx") {
				t.Errorf("Content-Disposition %q", cd)
			}
			rows := xlsxRows(t, res)
			// The same values as the CSV, without the CSV's apostrophes.
			want := trimmed(recs)
			for _, r := range want {
				for j, c := range r {
					if len(c) > 1 && c[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(c[1])) {
						r[j] = c[1:]
					}
				}
			}
			if !slices.EqualFunc(trimmed(rows), want, slices.Equal) {
				t.Errorf("Excel rows differ from the CSV rows:\n%q\n%q", rows, want)
			}
			f, _ := excelize.OpenReader(bytes.NewReader(res.body))
			defer f.Close()
			const sheet = "Learners"
			found := false
			for i, row := range rows {
				if len(row) > 1 && row[1] == "evil@example.org" {
					found = true
					cell, _ := excelize.CoordinatesToCellName(1, i+1)
					v, _ := f.GetCellValue(sheet, cell)
					formula, _ := f.GetCellFormula(sheet, cell)
					typ, _ := f.GetCellType(sheet, cell)
					if v != evil || formula != "" || typ != excelize.CellTypeInlineString {
						t.Errorf("cell %s: value %q, formula %q, type %v; want the inert text %q with no apostrophe", cell, v, formula, typ, evil)
					}
				}
				if len(row) > 1 && row[1] == "zoe@example.org" {
					n := i + 1
					raw := func(col string) string {
						v, _ := f.GetCellValue(sheet, fmt.Sprintf("%s%d", col, n), excelize.Options{RawCellValue: true})
						return v
					}
					serial, _ := excelize.ExcelDateToTime(45730, false) // 2025-03-14
					if raw("F") != "45730" || !serial.Equal(time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)) {
						t.Errorf("Registered cell holds %q, want the date 2025-03-14 as a date (serial 45730)", raw("F"))
					}
					if typ, _ := f.GetCellType(sheet, fmt.Sprintf("H%d", n)); raw("H") != "2" || typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
						t.Errorf("Modules passed cell %q (type %v), want the number 2", raw("H"), typ)
					}
				}
			}
			if !found {
				t.Error("the planted name is not in the Excel export")
			}
			style, _ := f.GetCellStyle(sheet, "A1")
			if st, err := f.GetStyle(style); err != nil || st.Font == nil || !st.Font.Bold {
				t.Errorf("the header row is not bold (%+v, %v)", st, err)
			}
			if panes, _ := f.GetPanes(sheet); !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("panes %+v, want the header row frozen", panes)
			}
			if tables, _ := f.GetTables(sheet); len(tables) != 1 || tables[0].Range != fmt.Sprintf("A1:M%d", len(rows)) {
				t.Errorf("tables %+v, want a filter over A1:M%d", tables, len(rows))
			}
			if w, _ := f.GetColWidth(sheet, "B"); w < 20 {
				t.Errorf("the email column is %v wide, want it set wide enough to read", w)
			}
			filtered := xlsxRows(t, coord.get("/reports/learners.xlsx?status=completed"))
			if len(filtered) != 2 || filtered[1][1] != "zoe@example.org" {
				t.Errorf("filtered Excel rows %q, want the header and Zoe", filtered)
			}
		})

		t.Run("the list's download links keep its filters", func(t *testing.T) {
			res := coord.get("/reports/learners?status=completed&q=zoe&sort=registered&dir=desc")
			for _, label := range []string{"CSV", "Excel"} {
				var href string
				for _, a := range findAll(res.html(t), element("a")) {
					if textOf(a) == label {
						href = attr(a, "href")
					}
				}
				u, err := url.Parse(href)
				if err != nil || href == "" {
					t.Fatalf("%s link %q: %v", label, href, err)
				}
				q := u.Query()
				if q.Get("status") != "completed" || q.Get("q") != "zoe" || q.Get("sort") != "registered" || q.Get("dir") != "desc" {
					t.Errorf("%s link %q does not carry the list's filters and order", label, href)
				}
				if label == "CSV" {
					if recs := csvRecords(t, coord.get(href)); len(recs) != 2 || recs[1][1] != "zoe@example.org" {
						t.Errorf("the CSV link exports %q, want Zoe only", recs)
					}
				}
			}
		})
	})
}

func TestOversightLearnerList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ids := map[int]int64{}
		for i := 1; i <= 55; i++ {
			ids[i] = srv.ovUser(t, fmt.Sprintf("Paging Learner %02d", i), fmt.Sprintf("learner%02d@paging.example.org", i), "")
		}
		coordID := srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		// Completed on three days, in the order 11, 42, 03.
		for i, n := range []int{11, 42, 3} {
			if i > 0 {
				srv.clock.Advance(24 * time.Hour)
			}
			srv.ovComplete(t, ids[n])
		}
		coord := srv.ovSignIn(t, coordID)
		status := func(r *response) string {
			p := findFirst(r.html(t), element("p", "class", "govuk-pagination__status"))
			if p == nil {
				return ""
			}
			return textOf(p)
		}

		t.Run("pages", func(t *testing.T) {
			res := coord.get("/reports/learners")
			names := learnerNames(t, res)
			if len(names) != 50 || names[0] != "Cora Coordinator" || names[1] != "Paging Learner 01" || names[49] != "Paging Learner 49" {
				t.Fatalf("page 1: %d names from %q to %q", len(names), names[0], names[len(names)-1])
			}
			if s := status(res); s != "Page 1 of 2" {
				t.Errorf("pagination %q", s)
			}
			if !strings.Contains(textOf(res.html(t)), "56 learners") {
				t.Error("the list does not give the total")
			}
			next := findFirst(res.html(t), element("a", "rel", "next"))
			if next == nil || findFirst(res.html(t), element("a", "rel", "prev")) != nil {
				t.Fatal("page 1 wants a next link and no previous link")
			}
			res = coord.get(attr(next, "href"))
			names = learnerNames(t, res)
			want := []string{"Paging Learner 50", "Paging Learner 51", "Paging Learner 52", "Paging Learner 53", "Paging Learner 54", "Paging Learner 55"}
			if !slices.Equal(names, want) {
				t.Errorf("page 2: %q, want %q", names, want)
			}
			if s := status(res); s != "Page 2 of 2" {
				t.Errorf("pagination %q", s)
			}
			if findFirst(res.html(t), element("a", "rel", "next")) != nil || findFirst(res.html(t), element("a", "rel", "prev")) == nil {
				t.Error("page 2 wants a previous link and no next link")
			}
			if names := learnerNames(t, coord.get("/reports/learners?page=99")); len(names) != 0 {
				t.Errorf("a page past the end lists %q", names)
			}
		})

		t.Run("search", func(t *testing.T) {
			for _, tc := range []struct {
				q    string
				want []string
			}{
				{"NER07@PAGING", []string{"Paging Learner 07"}},
				{" learner07@paging.example.org ", []string{"Paging Learner 07"}},
				{"paging learner 5", []string{"Paging Learner 50", "Paging Learner 51", "Paging Learner 52", "Paging Learner 53", "Paging Learner 54", "Paging Learner 55"}},
				{"100%", nil},
				{"learner_7", nil},
			} {
				res := coord.get("/reports/learners?q=" + url.QueryEscape(tc.q))
				if got := learnerNames(t, res); !slices.Equal(got, tc.want) {
					t.Errorf("search %q: %q, want %q", tc.q, got, tc.want)
				}
				if in := findFirst(res.html(t), element("input", "name", "q")); in == nil || attr(in, "value") != strings.ToLower(strings.TrimSpace(tc.q)) {
					t.Errorf("search %q: the search box does not keep it", tc.q)
				}
			}
		})

		t.Run("sort by completion", func(t *testing.T) {
			names := learnerNames(t, coord.get("/reports/learners?sort=completed&dir=desc"))
			if want := []string{"Paging Learner 03", "Paging Learner 42", "Paging Learner 11"}; !slices.Equal(names[:3], want) {
				t.Errorf("newest completion first: %q, want %q", names[:3], want)
			}
			res := coord.get("/reports/learners?sort=completed")
			names = learnerNames(t, res)
			if want := []string{"Paging Learner 11", "Paging Learner 42", "Paging Learner 03"}; !slices.Equal(names[:3], want) {
				t.Errorf("oldest completion first: %q, want %q", names[:3], want)
			}
			rows := tableRows(t, res, "Learners, page")
			if rows[0][4] != "14 March 2025" || rows[2][4] != "16 March 2025" || rows[3][4] != "" {
				t.Errorf("completion dates %q, %q, %q", rows[0][4], rows[2][4], rows[3][4])
			}
			next := findFirst(coord.get("/reports/learners?sort=completed&dir=desc&status=").html(t), element("a", "rel", "next"))
			if next == nil {
				t.Fatal("no next link")
			}
			u, _ := url.Parse(attr(next, "href"))
			if u.Query().Get("sort") != "completed" || u.Query().Get("dir") != "desc" || u.Query().Get("page") != "2" {
				t.Errorf("next link %q loses the order", attr(next, "href"))
			}
		})

		t.Run("filters", func(t *testing.T) {
			if got := learnerNames(t, coord.get("/reports/learners?from=2025-03-15&to=2025-03-15")); !slices.Equal(got, []string{"Paging Learner 42"}) {
				t.Errorf("completed on 15 March: %q", got)
			}
			if got := learnerNames(t, coord.get("/reports/learners?status=completed&sort=name")); len(got) != 3 {
				t.Errorf("completed: %q", got)
			}
			orgs, _ := st.Organisations(context.Background())
			if got := learnerNames(t, coord.get(fmt.Sprintf("/reports/learners?organisation=%d", orgs[1].ID))); len(got) != 0 {
				t.Errorf("an organisation nobody is in lists %q", got)
			}
			// Malformed choices fall back to their defaults (a typed date
			// that is not one is an error: TestReportFilterErrors).
			for _, q := range []string{"status=nonsense", "organisation=x", "page=-3", "sort=password_hash"} {
				if got := learnerNames(t, coord.get("/reports/learners?"+q)); len(got) != 50 {
					t.Errorf("%s: %d rows, want the first page of everyone", q, len(got))
				}
			}
		})
	})
}

func TestOversightQuestionAnalysis(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		right1 := app.FormAnswers{"m1-colour": {"b"}, "m1-fruits": {"a", "b"}, "m1-count": {"b"}}
		a := srv.ovUser(t, "Ann", "ann@example.org", "")
		b := srv.ovUser(t, "Ben", "ben@example.org", "")
		c := srv.ovUser(t, "Cai", "cai@example.org", "")
		// Ann: green at first, then right. Ben: right at once, then Sunday in
		// module 2. Cai: green and five.
		if srv.ovSubmit(t, a, module1, app.FormAnswers{"m1-colour": {"a"}, "m1-fruits": {"a", "b"}, "m1-count": {"b"}}) {
			t.Fatal("Ann's wrong first attempt passed")
		}
		srv.ovSubmit(t, a, module1, right1)
		srv.ovSubmit(t, b, module1, right1)
		srv.ovSubmit(t, b, module2, app.FormAnswers{"m2-day": {"b"}, "m2-shapes": {"a", "c"}, "m2-reflection": {"MY-PRIVATE-REFLECTION-42"}})
		srv.ovSubmit(t, c, module1, app.FormAnswers{"m1-colour": {"a"}, "m1-fruits": {"a", "b"}, "m1-count": {"c"}})
		coord := srv.ovSignIn(t, srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator))

		res := coord.get("/reports/questions")
		res.wantStatus(t, fiber.StatusOK)
		rows := tableRows(t, res, "First-attempt results per question")
		want := map[string][3]string{ // question → first attempts, share correct, most chosen wrong answer
			"m1-colour": {"3", "33%", "Green (chosen 2 times)"},
			"m1-fruits": {"3", "100%", "–"},
			"m1-count":  {"3", "66%", "Five (chosen 1 times)"},
			"m2-day":    {"1", "0%", "Sunday (chosen 1 times)"},
			"m2-shapes": {"1", "100%", "–"},
		}
		if len(rows) != len(want) {
			t.Fatalf("%d rows %q, want one per scored question (%d)", len(rows), rows, len(want))
		}
		for _, row := range rows {
			var id string
			for q := range want {
				if strings.Contains(row[0], "("+q+")") {
					id = q
				}
			}
			if id == "" {
				t.Errorf("row %q is not a scored question", row)
				continue
			}
			if got := [3]string{row[1], row[2], row[3]}; got != want[id] {
				t.Errorf("%s: %q, want %q", id, got, want[id])
			}
		}
		if bytes.Contains(res.body, []byte("-reflection")) || bytes.Contains(res.body, []byte("MY-PRIVATE-REFLECTION-42")) {
			t.Error("the question analysis mentions reflections")
		}
	})
}

func TestOversightRevokeReissueAndAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		lenaID := srv.ovUser(t, "Lena Learner", "lena@example.org", "")
		srv.ovComplete(t, lenaID)
		first, err := srv.learning.Certificate(ctx, lenaID)
		if err != nil {
			t.Fatal(err)
		}
		moID := srv.ovUser(t, "Mo Manager", "manager@example.org", "", app.RoleManager)
		coordID := srv.ovUser(t, "Cora Coordinator", "cora@example.org", "", app.RoleCoordinator)
		srv.clock.Advance(48 * time.Hour) // revoked on 16 March
		coord := srv.ovSignIn(t, coordID)
		anon := srv.newClient(t)
		page := fmt.Sprintf("/reports/learners/%d", lenaID)

		coord.get(page).wantStatus(t, fiber.StatusOK)
		wantFieldError(t, coord.post(page+"/revoke", url.Values{"reason": {"  "}}), "reason")
		wantFieldError(t, coord.post(page+"/revoke", url.Values{"reason": {"  "}, "confirm": {"yes"}}), "reason")
		// First "are you sure": nothing changes until it is confirmed.
		ask := coord.post(page+"/revoke", url.Values{"reason": {"Issued in error"}, "public_reason": {"  Issued   in error "}})
		ask.wantStatus(t, fiber.StatusOK)
		if h := heading(t, ask); h != "Are you sure you want to revoke Lena Learner's certificate?" {
			t.Errorf("revoking asks %q", h)
		}
		form := findFirst(ask.html(t), element("form", "action", page+"/revoke"))
		if form == nil {
			t.Fatal("the confirmation has no form")
		}
		sent := url.Values{}
		for _, in := range findAll(form, element("input")) {
			sent.Set(attr(in, "name"), attr(in, "value"))
		}
		if sent.Get("reason") != "Issued in error" || sent.Get("public_reason") != "Issued in error" || sent.Get("confirm") != "yes" {
			t.Errorf("the confirmation form sends %v", sent)
		}
		if back := findFirst(ask.html(t), element("a", "href", page)); back == nil || !strings.Contains(textOf(back), "without revoking") {
			t.Error("the confirmation has no way back that says it changes nothing")
		}
		if cert, _ := srv.learning.Certificate(ctx, lenaID); cert == nil || cert.RevokedAt != nil || srv.count(t, "audit_log", "action = ?", "revoked certificate") != 0 {
			t.Fatal("asking for confirmation revoked the certificate")
		}
		coord.post(page+"/revoke", url.Values{"reason": {"Issued in error"}, "confirm": {"yes"}}).wantRedirect(t, page+"?done=revoked")

		verify := func(code string) *response {
			t.Helper()
			res := anon.get("/verify/" + app.FormatCode(code))
			res.wantStatus(t, fiber.StatusOK)
			return res
		}
		statusText := func(r *response) string {
			if el := findFirst(r.html(t), element("", "class", "app-verify-status")); el != nil {
				return textOf(el)
			}
			return ""
		}
		res := verify(first.Code)
		if s := statusText(res); !strings.Contains(s, "Revoked certificate. This certificate was revoked on 16 March 2025 and is not valid.") {
			t.Errorf("verification of a revoked certificate says %q", s)
		}
		if body := textOf(res.html(t)); strings.Contains(strings.ToLower(body), "valid until") || strings.Contains(body, "Issued in error") {
			t.Errorf("verification of a revoked certificate says when it is valid until, or the audit reason: %s", body)
		}
		if !strings.HasPrefix(pageTitle(t, res), "Certificate revoked") {
			t.Errorf("title %q", pageTitle(t, res))
		}
		if findFirst(res.html(t), element("h2", "class", "govuk-panel__title")) != nil {
			t.Error("a revoked certificate still shows the Valid panel")
		}
		res = coord.get(page + "?done=revoked")
		if got := summaryValue(t, res, "Certificate"); !strings.Contains(got, "(revoked 16 March 2025: Issued in error)") {
			t.Errorf("learner page certificate %q", got)
		}
		if got := summaryValue(t, res, "Status"); got != "Certificate revoked" {
			t.Errorf("learner page status %q", got)
		}
		if rows := tableRows(t, coord.get("/reports/learners?status=revoked"), "Learners, page"); len(rows) != 1 || !strings.HasPrefix(rows[0][0], "Lena Learner") {
			t.Errorf("revoked learners %q", rows)
		}

		coord.post(page+"/reissue", url.Values{}).wantRedirect(t, page+"?done=reissued")
		second, _ := srv.learning.Certificate(ctx, lenaID)
		if second.Code == first.Code || !strings.HasPrefix(statusText(verify(second.Code)), "Valid certificate") {
			t.Errorf("the reissued certificate %s does not verify as valid", second.Code)
		}
		coord.post(page+"/reissue", url.Values{}).wantRedirect(t, page+"?done=reissued")
		third, _ := srv.learning.Certificate(ctx, lenaID)
		// The replaced certificate says so, without leading to the new one
		// (and so to the learner's current record).
		replaced := verify(second.Code)
		if s := statusText(replaced); !strings.Contains(s, "Replaced certificate") || !strings.Contains(s, "replaced by a reissued certificate") {
			t.Errorf("a replaced certificate verifies as %q", s)
		}
		if body := string(replaced.body); strings.Contains(body, third.Code) || strings.Contains(body, app.FormatCode(third.Code)) || strings.Contains(strings.ToLower(textOf(replaced.html(t))), "valid until") {
			t.Errorf("a replaced certificate's page gives the new code or a valid-until date: %s", textOf(replaced.html(t)))
		}

		// More changes for the audit trail: a manager assigned, roles,
		// organisations, the manager's confirmation.
		coord.post(page+"/manager", url.Values{"manager_email": {"Manager@Example.org"}}).wantRedirect(t, page+"?done=manager")
		coord.post(page+"/roles", url.Values{"role": {app.RoleManager}}).wantRedirect(t, page+"?done=roles")
		if u, _ := st.UserByID(ctx, lenaID); !u.Has(app.RoleManager) || u.ManagerEmail != "manager@example.org" {
			t.Errorf("after the coordinator's changes Lena is %+v", u)
		}
		wantFieldError(t, coord.post(page+"/manager", url.Values{"manager_email": {"nope"}}), "manager_email")
		coord.get("/reports/organisations").wantStatus(t, fiber.StatusOK)
		coord.post("/reports/organisations", url.Values{"name": {"Audit Academy"}}).wantRedirect(t, "/reports/organisations?done=added")
		wantFieldError(t, coord.post("/reports/organisations", url.Values{"name": {"audit academy"}}), "name")
		orgs, _ := st.Organisations(ctx)
		var auditOrg, police int64
		for _, o := range orgs {
			switch o.Name {
			case "Audit Academy":
				auditOrg = o.ID
			case "Police":
				police = o.ID
			}
		}
		coord.post(fmt.Sprintf("/reports/organisations/%d/rename", auditOrg), url.Values{"name": {"Audit Academy Trust"}}).wantRedirect(t, "/reports/organisations?done=renamed")
		coord.post(fmt.Sprintf("/reports/organisations/%d/merge", auditOrg), url.Values{"into": {fmt.Sprint(police)}}).wantRedirect(t, "/reports/organisations?done=merged")
		mo := srv.ovSignIn(t, moID)
		mo.get(fmt.Sprintf("/staff/%d", lenaID)).wantStatus(t, fiber.StatusOK) // accepted at once: assigned by a coordinator
		mo.post(fmt.Sprintf("/staff/%d/confirm", lenaID), url.Values{"note": {"Seen"}}).wantRedirect(t, fmt.Sprintf("/staff/%d?confirmed=1", lenaID))

		res = coord.get("/reports/audit")
		res.wantStatus(t, fiber.StatusOK)
		rows := tableRows(t, res, "Audit trail")
		var got []string
		for _, r := range rows {
			got = append(got, strings.Join(r[1:4], " | "))
		}
		want := []string{ // newest first
			"Mo Manager | manager confirmed training | Lena Learner",
			"Cora Coordinator | merged organisations | –",
			"Cora Coordinator | renamed organisation | –",
			"Cora Coordinator | added organisation | –",
			"Cora Coordinator | changed roles | Lena Learner",
			"Cora Coordinator | assigned manager | Lena Learner",
			"Cora Coordinator | reissued certificate | Lena Learner",
			"Cora Coordinator | reissued certificate | Lena Learner",
			"Cora Coordinator | revoked certificate | Lena Learner",
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit trail:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(rows) > 0 && (rows[len(rows)-1][4] != "Issued in error" || rows[0][0] != "16 March 2025 at 9:30am") {
			t.Errorf("audit detail %q at %q", rows[len(rows)-1][4], rows[0][0])
		}
		if a := findFirst(res.html(t), element("a", "href", page)); a == nil {
			t.Error("the audit trail does not link to the learner's record")
		}
	})
}
