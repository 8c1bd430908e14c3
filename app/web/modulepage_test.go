package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/content"
	"github.com/foundations/foundations/courses"
)

// The pre-rendered module body, filled in for a learner, is exactly what the
// template renders in full for them, for every module of the real course.
func TestPrerenderedModuleIsTheTemplate(t *testing.T) {
	// Every placeholder the course uses, filled with a value to escape.
	course, err := content.Load(courses.FS, "neglect-foundations", content.DefaultOptions(benchPlaceholders(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{Learning: &app.Learning{Course: course}}, log: slog.Default()}
	if s.assets, err = loadAssets(); err != nil {
		t.Fatal(err)
	}
	if s.pages, err = loadPages(s.assets); err != nil {
		t.Fatal(err)
	}
	if s.modules, err = s.prerenderModules(); err != nil {
		t.Fatal(err)
	}
	shuffled := 0
	defer func() {
		if shuffled == 0 {
			t.Error("no question's options were in another order than the course file's: the test did not exercise the learner's order")
		}
	}()
	for _, m := range course.Modules {
		for _, q := range m.Questions() {
			v := &app.ModuleView{Module: m, UserID: 42, Attempts: 2, OrderKey: []byte("a key for the option order")}
			if o := v.Options(q); len(o) > 1 && o[0] != q.Options[0] {
				shuffled++
			}
		}
		for _, fill := range []string{"none", "some", "all"} {
			answers := app.Answers{}
			for i, q := range m.Questions() {
				if fill == "none" || (fill == "some" && i%2 == 1) {
					continue
				}
				a := app.Answer{QuestionID: q.ID, ModuleID: m.ID}
				if q.Type == app.QuestionReflection {
					a.Text = `I'd "record" <this> & that` + "\nsecond line"
				} else {
					a.Options = []string{q.Options[len(q.Options)-1].ID}
					if q.Type == app.QuestionMultiple {
						a.Options = append(a.Options, q.Options[0].ID)
					}
				}
				answers[q.ID] = a
			}
			// Options in a learner's own order, as served.
			v := &app.ModuleView{Module: m, Answers: answers, CanAnswer: true, Attempts: 2, UserID: 42, OrderKey: []byte("a key for the option order")}
			p := &modulePage{basePage: basePage{CSRF: "tok<&>en"}, View: v, Module: m, Answers: answers, Saved: fill == "all", Total: len(course.Modules), PassMark: course.PassMark}
			var full, top, fast bytes.Buffer
			if err := s.pages.set["module"].ExecuteTemplate(&full, "module-body", p); err != nil {
				t.Fatal(err)
			}
			if err := s.pages.set["module"].ExecuteTemplate(&top, "module-top", p); err != nil {
				t.Fatal(err)
			}
			s.modules[m.ID].write(&fast, v, p.CSRF, top.Bytes())
			if full.String() != fast.String() {
				a, b := full.String(), fast.String()
				i := 0
				for i < len(a) && i < len(b) && a[i] == b[i] {
					i++
				}
				t.Fatalf("module %s, %s answered: the pre-rendered page differs at byte %d:\nfull: %q\nfast: %q", m.ID, fill, i, snippet(a, i), snippet(b, i))
			}
			var gz bytes.Buffer
			g := newGzipStitch(&gz)
			_, _ = g.WriteString("<head>")
			writePieces(g, s.modules[m.ID].pieces, v, p.CSRF, top.Bytes())
			_, _ = g.WriteString("</tail>")
			g.close()
			zr, err := gzip.NewReader(&gz)
			if err != nil {
				t.Fatal(err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("module %s: the stitched gzip does not decompress: %v", m.ID, err)
			}
			if string(unzipped) != "<head>"+full.String()+"</tail>" {
				t.Fatalf("module %s: the stitched gzip decompresses to something else", m.ID)
			}
			if strings.Contains(fast.String(), "⟦") {
				t.Fatalf("module %s: a marker is left in the page", m.ID)
			}
		}
	}
}

// BenchmarkModuleBody compares writing a module's body from the
// pre-rendered pieces with rendering the template in full, for a learner
// with every question answered. Run: go test ./app/web -run XXX -bench ModuleBody -benchmem
func BenchmarkModuleBody(b *testing.B) {
	course, err := content.Load(courses.FS, "neglect-foundations", content.DefaultOptions(benchPlaceholders(b)))
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{cfg: Config{Learning: &app.Learning{Course: course}}, log: slog.Default()}
	if s.assets, err = loadAssets(); err != nil {
		b.Fatal(err)
	}
	if s.pages, err = loadPages(s.assets); err != nil {
		b.Fatal(err)
	}
	if s.modules, err = s.prerenderModules(); err != nil {
		b.Fatal(err)
	}
	m := course.Modules[2]
	answers := app.Answers{}
	for _, q := range m.Questions() {
		a := app.Answer{QuestionID: q.ID, ModuleID: m.ID, Text: "A reflection of a few words."}
		if q.Type != app.QuestionReflection {
			a.Text, a.Options = "", []string{q.Options[0].ID}
		}
		answers[q.ID] = a
	}
	v := &app.ModuleView{Module: m, Answers: answers, CanAnswer: true}
	p := &modulePage{basePage: basePage{CSRF: "token"}, View: v, Module: m, Answers: answers, Total: len(course.Modules), PassMark: course.PassMark}
	b.Run("template", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var buf bytes.Buffer
			if err := s.pages.set["module"].ExecuteTemplate(&buf, "module-body", p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("prerendered-gzip", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var top, buf bytes.Buffer
			if err := s.pages.set["module"].ExecuteTemplate(&top, "module-top", p); err != nil {
				b.Fatal(err)
			}
			g := newGzipStitch(&buf)
			writePieces(g, s.modules[m.ID].pieces, v, p.CSRF, top.Bytes())
			g.close()
		}
	})
	b.Run("prerendered", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var top, buf bytes.Buffer
			if err := s.pages.set["module"].ExecuteTemplate(&top, "module-top", p); err != nil {
				b.Fatal(err)
			}
			s.modules[m.ID].write(&buf, v, p.CSRF, top.Bytes())
		}
	})
}

func benchPlaceholders(tb testing.TB) map[string]string {
	placeholders := map[string]string{}
	files, _ := fs.Glob(courses.FS, "neglect-foundations/*.yaml")
	for _, f := range files {
		b, err := fs.ReadFile(courses.FS, f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`\{\{([a-z_]+)\}\}`).FindAllStringSubmatch(string(b), -1) {
			placeholders[m[1]] = "Local & <value>"
		}
	}
	return placeholders
}

func snippet(s string, i int) string {
	lo, hi := max(0, i-80), min(len(s), i+80)
	return s[lo:hi]
}

// The layout around a pre-rendered body is the same whether it is given
// the whole page or its layoutPage, for anyone who may see it.
func TestLayoutPageIsTheLayout(t *testing.T) {
	course, err := content.Load(courses.FS, "neglect-foundations", content.DefaultOptions(benchPlaceholders(t)))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{cfg: Config{Learning: &app.Learning{Course: course}}, log: slog.Default()}
	if s.assets, err = loadAssets(); err != nil {
		t.Fatal(err)
	}
	if s.pages, err = loadPages(s.assets); err != nil {
		t.Fatal(err)
	}
	m := course.Modules[0]
	for _, u := range []*app.User{
		{ID: 7, Name: "Lee <Learner>", Roles: []string{app.RoleLearner}},
		{ID: 8, Name: "Mo Manager", Roles: []string{app.RoleLearner, app.RoleManager}},
		{ID: 9, Name: "Cat Coordinator", Roles: []string{app.RoleCoordinator}},
		{ID: 10, Name: "Ada Admin", Roles: []string{app.RoleAdmin}},
	} {
		p := &modulePage{basePage: basePage{Title: m.Title, User: u, CSRF: "tok<&>en", Contrast: u.ID%2 == 0, Partnership: "Example & Partners",
			HelpContact: "help@example.org", QuickExitURL: "https://www.bbc.co.uk/weather", Path: "/modules/" + m.ID, SessionTimeout: 1800,
			LearnerKey: "key", BackLink: "/course", NavCourse: true, NavStaff: u.ID == 8, NavReports: u.ID >= 9, NavProfile: true,
			Errors: []app.FieldError{{Field: "q.x", Message: "Choose <one>"}}, Body: bodyMarker},
			Module: m, View: &app.ModuleView{Module: m, CanAnswer: true}}
		var whole, layout bytes.Buffer
		if err := s.pages.set["module"].ExecuteTemplate(&whole, "layout.html", p); err != nil {
			t.Fatal(err)
		}
		if err := s.pages.set["module"].ExecuteTemplate(&layout, "layout.html", (*layoutPage)(&p.basePage)); err != nil {
			t.Fatal(err)
		}
		if whole.String() != layout.String() {
			t.Fatalf("for %s the layout differs:\n%s\n----\n%s", u.Name, whole.String(), layout.String())
		}
		if !strings.Contains(whole.String(), bodyMarker) || !strings.Contains(whole.String(), "tok&lt;&amp;&gt;en") {
			t.Fatalf("for %s the layout lacks the body marker or the form token", u.Name)
		}
		if admin := strings.Contains(whole.String(), `href="/admin/`); admin != (u.ID == 10) {
			t.Fatalf("for %s the layout links to the admin pages: %v", u.Name, admin)
		}
	}
}
