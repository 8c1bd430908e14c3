package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/templates"
	"github.com/gofiber/fiber/v2"
)

// basePage is what every page's layout needs. Page structs embed it.
type basePage struct {
	Title          string
	User           *app.User
	CSRF           string
	Contrast       bool
	Partnership    string
	HelpContact    string
	QuickExitURL   string
	Path           string
	SessionTimeout int // seconds until an idle session ends; 0 when signed out
	// LearnerKey names the signed-in person to the page's script without
	// identifying them (answers kept on the device are filed under it).
	LearnerKey   string
	SignedOut    bool // the page after signing out: the script forgets answers kept on the device
	Errors       []app.FieldError
	ErrorMessage string
	Flash        string
	BackLink     string
	NavCourse    bool
	NavStaff     bool
	NavReports   bool
	NavProfile   bool
	// Body is the page's main content when it was written ahead of the
	// layout (a module page's pre-rendered body, as a marker); empty, the
	// page's template renders it.
	Body template.HTML
}

func (b *basePage) base() *basePage { return b }

// layoutPage is basePage as a type of its own, for executing the layout
// around a Body written ahead of it: every field is then at the top level.
// text/template looks a field up by name on every use, and for a field
// promoted from an embedded struct reflect searches the embedded structs
// each time, which was a sixth of a module page's CPU.
type layoutPage basePage

// MayManage is basePage.MayManage.
func (l *layoutPage) MayManage() bool { return (*basePage)(l).MayManage() }

// MayCoordinate is basePage.MayCoordinate.
func (l *layoutPage) MayCoordinate() bool { return (*basePage)(l).MayCoordinate() }

// MayManage reports whether the signed-in user may use the manager's pages.
func (b *basePage) MayManage() bool { return b.User != nil && app.MayManage(b.User) }

// MayCoordinate reports whether the signed-in user may see coordinators' reports.
func (b *basePage) MayCoordinate() bool { return b.User != nil && app.MayCoordinate(b.User) }

type page interface{ base() *basePage }

// pages holds one template set per page, each the layout plus that page.
type pages struct {
	set map[string]*template.Template
}

func loadPages(a *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset":      a.url,
		"date":       func(t time.Time) string { return t.In(london).Format("2 January 2006") },
		"datetime":   func(t time.Time) string { return t.In(london).Format("2 January 2006 at 3:04pm") },
		"isodate":    func(t time.Time) string { return t.Format("2006-01-02") },
		"code":       app.FormatCode,
		"html":       func(s string) template.HTML { return template.HTML(s) }, // #nosec G203 -- course content only: rendered at start-up from the course's own Markdown, never from user input
		"minutes":    minutesText,
		"add":        func(a, b int) int { return a + b },
		"fieldError": fieldError,
		"lines":      func(s string) []string { return strings.Split(s, "\n") },
		"likert":     func(scale string) []string { return app.LikertScales[scale] },
		"dict":       dict,
		"within":     within,
		"deref64": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templates.FS, "layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templates.FS, "*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{set: map[string]*template.Template{}}
	for _, n := range names {
		if n == "layout.html" || strings.HasPrefix(n, "_") {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templates.FS, n, "_*.html")
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		p.set[strings.TrimSuffix(n, ".html")] = t
	}
	return p, nil
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}()

func minutesText(m int) string {
	switch {
	case m < 60:
		return fmt.Sprintf("%d minutes", m)
	case m%60 == 0 && m == 60:
		return "1 hour"
	case m%60 == 0:
		return fmt.Sprintf("%d hours", m/60)
	case m < 120:
		return fmt.Sprintf("1 hour %d minutes", m%60)
	default:
		return fmt.Sprintf("%d hours %d minutes", m/60, m%60)
	}
}

func fieldError(errs []app.FieldError, field string) string {
	for _, e := range errs {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// render fills in the base page and writes the page into a buffer first, so
// a template error never sends half a page.
func (s *Server) render(c *fiber.Ctx, status int, name string, p page) error {
	b := p.base()
	s.fillBase(c, b)
	t, ok := s.pages.set[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(buf.Bytes())
}

func (s *Server) fillBase(c *fiber.Ctx, b *basePage) {
	b.User = currentUser(c)
	b.CSRF = s.csrfToken(c)
	b.Contrast = s.cookie(c, contrastCookie) == "high"
	b.Partnership = s.cfg.Partnership
	b.HelpContact = s.cfg.HelpContact
	b.QuickExitURL = s.cfg.QuickExitURL
	b.Path = c.OriginalURL()
	if b.User != nil {
		b.LearnerKey = s.learnerKey(b.User.ID)
		b.SessionTimeout = int(s.cfg.Accounts.IdleTimeout / time.Second)
	}
	if len(b.Errors) > 0 && !strings.HasPrefix(b.Title, "Error: ") {
		b.Title = "Error: " + b.Title
	}
}

// dict builds a map for passing several values to a sub-template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key-value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// within reports whether the page at path (a URL, query allowed) is the
// section's page or one below it, for marking the current navigation item.
func within(path, section string) bool {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	return path == section || strings.HasPrefix(path, section+"/")
}
