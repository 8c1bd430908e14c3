package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"reflect"
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
	s, course := prerenderServer(t)
	var err error
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
			p := &modulePage{basePage: basePage{CSRF: "tok<&>en"}, View: v, Module: m, Answers: answers, Saved: fill == "all", Total: len(course.Modules), PassMark: course.PassMark,
				Position: app.Position(m, answers)}
			var full, fast bytes.Buffer
			if err := s.pages.set["module"].ExecuteTemplate(&full, "module-body", p); err != nil {
				t.Fatal(err)
			}
			var top []byte
			for range 2 { // rendered, then from the kept tops
				if top, err = s.moduleTop(p.Top()); err != nil {
					t.Fatal(err)
				}
				fast.Reset()
				s.modules[m.ID].write(&fast, v, p.CSRF, top)
			}
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
			writePieces(g, s.modules[m.ID].pieces, v, p.CSRF, top)
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
	s, course := prerenderServer(b)
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
			if err := s.pages.set["module"].ExecuteTemplate(&top, "module-top", p.Top()); err != nil {
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
			if err := s.pages.set["module"].ExecuteTemplate(&top, "module-top", p.Top()); err != nil {
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

// The layout around a pre-rendered body, written from the pieces kept
// for its shape of page, is the layout the template renders for the same
// page, for anyone who may see it, with and without gzip.
func TestModuleLayoutIsTheTemplate(t *testing.T) {
	s, course := prerenderServer(t)
	users := []*app.User{
		{ID: 7, Name: "Lee <Learner>", Email: "lee@example.org", Roles: []string{app.RoleLearner}},
		{ID: 8, Name: "Mo Manager", Roles: []string{app.RoleLearner, app.RoleManager}},
		{ID: 9, Name: "Cat Coordinator", Roles: []string{app.RoleCoordinator}},
		{ID: 10, Name: "Ada Admin", Roles: []string{app.RoleAdmin}},
		{ID: 11, Name: "Another Learner", Email: "another@example.org", Roles: []string{app.RoleLearner}},
	}
	for _, m := range course.Modules[:2] {
		for _, u := range users {
			for _, contrast := range []bool{false, true} {
				p := &modulePage{basePage: basePage{Title: m.Title, User: u, CSRF: fmt.Sprintf("tok<&>\"'en-%d", u.ID), Contrast: contrast,
					Partnership: "Example & Partners", HelpContact: "help@example.org", QuickExitURL: "https://www.bbc.co.uk/weather",
					Path: "/modules/" + m.ID, SessionTimeout: 1800, LearnerKey: fmt.Sprintf("key-%d<", u.ID), BackLink: "/course", NavCourse: true,
					NavStaff: u.ID == 8, NavReports: u.ID == 9 || u.ID == 10, NavProfile: true},
					Module: m, View: &app.ModuleView{Module: m, CanAnswer: true}}
				what := fmt.Sprintf("module %s, %s, contrast %v", m.ID, u.Name, contrast)
				p.Body = bodyMarker
				var want bytes.Buffer
				if err := s.pages.set["module"].ExecuteTemplate(&want, "layout.html", p); err != nil {
					t.Fatal(err)
				}
				p.Body = ""
				l, err := s.layout(p)
				if err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				writeLayout(plainSink{&got}, l.head, p.CSRF, p.LearnerKey)
				got.WriteString(bodyMarker)
				writeLayout(plainSink{&got}, l.tail, p.CSRF, p.LearnerKey)
				if got.String() != want.String() {
					t.Fatalf("%s: the layout differs:\n%s\n----\n%s", what, want.String(), got.String())
				}
				var zipped bytes.Buffer
				g := newGzipStitch(&zipped)
				writeLayout(g, l.head, p.CSRF, p.LearnerKey)
				_, _ = g.WriteString(bodyMarker)
				writeLayout(g, l.tail, p.CSRF, p.LearnerKey)
				g.close()
				zr, err := gzip.NewReader(&zipped)
				if err != nil {
					t.Fatal(err)
				}
				unzipped, err := io.ReadAll(zr)
				if err != nil || string(unzipped) != want.String() {
					t.Fatalf("%s: the gzipped layout differs (%v)", what, err)
				}
				if admin := strings.Contains(want.String(), `href="/admin/`); admin != (u.ID == 10) {
					t.Fatalf("%s: the layout links to the admin pages: %v", what, admin)
				}
			}
		}
	}
	// One shape per module, role set and contrast: two learners share one.
	if n := s.layouts.n.Load(); n != 2*4*2 {
		t.Errorf("%d layouts kept, want %d", n, 2*4*2)
	}
}

// prerenderServer is a Server with the real course, every placeholder it
// uses filled with a value to escape, its pages and its pre-rendered
// module bodies.
func prerenderServer(t testing.TB) (*Server, *app.Course) {
	t.Helper()
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
	return s, course
}

// Every field of basePage but the form token, the learner's key and the
// body changes a module page's layout shape, so a field added to basePage
// cannot be left out of the layout cache's key.
func TestLayoutShapeHasEveryField(t *testing.T) {
	zero := shapeOf("m", "", &basePage{})
	typ := reflect.TypeOf(basePage{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Name {
		case "CSRF", "LearnerKey", "Body": // the layout's slots, and the body it goes around
			continue
		case "User": // the user counts by their roles, passed apart
			continue
		}
		var b basePage
		v := reflect.ValueOf(&b).Elem().Field(i)
		switch v.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int:
			v.SetInt(1)
		case reflect.Slice:
			v.Set(reflect.Append(v, reflect.Zero(f.Type.Elem())))
			if f.Name == "Errors" {
				b.Errors[0] = app.FieldError{Field: "q", Message: "Answer this."}
			}
		default:
			t.Fatalf("basePage.%s is a %s: teach shapeOf and this test about it", f.Name, v.Kind())
		}
		if shapeOf("m", "", &b) == zero {
			t.Errorf("basePage.%s does not change the layout shape", f.Name)
		}
	}
	if shapeOf("m", "learner", &basePage{}) == zero || shapeOf("n", "", &basePage{}) == zero {
		t.Error("the roles or the module do not change the layout shape")
	}
	if shapeOf("m", "", &basePage{CSRF: "a", LearnerKey: "b", Body: "c"}) != zero {
		t.Error("the form token, the learner's key or the body changes the layout shape")
	}
	one := shapeOf("m", "", &basePage{Errors: []app.FieldError{{Field: "a", Message: "b"}, {Field: "c", Message: "d"}}})
	two := shapeOf("m", "", &basePage{Errors: []app.FieldError{{Field: "a", Message: "bc"}, {Field: "", Message: "d"}}})
	if one == two {
		t.Error("two different lists of errors give one shape")
	}
}
