package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"

	"github.com/foundations/foundations/app"
)

// A module page is about 44 KB of course content that is the same for every
// learner. prerenderModules renders each module's body once at start-up,
// with markers where the learner's own parts go (the page's top, the CSRF
// token, each option's checked state, each reflection's text, and
// the order of each question's options), and cuts it into pieces; a
// request then writes the pieces and fills in only those parts. The page
// is the same as the template renders it in full (a test holds them
// together); the full rendering is used when there are errors to show or
// the module is read-only.

// pieceKind is what a piece of a pre-rendered module writes.
type pieceKind int

const (
	pieceStatic  pieceKind = iota // text, as it is
	pieceTop                      // the module-top template
	pieceCSRF                     // the CSRF token
	pieceText                     // a reflection's saved text, escaped
	pieceChecked                  // " checked" if the option is chosen
	pieceOptions                  // a question's options, in the learner's order
)

type piece struct {
	kind     pieceKind
	text     string
	deflated *deflatedRun // for a large static piece: text, deflated once
	q        *app.Question
	option   string
	options  map[string][]piece // for pieceOptions: each option's pieces
}

// prerendered is one module's body, cut into pieces.
type prerendered struct {
	pieces []piece
	size   int // bytes of static text, to size the buffer
}

// optionSeparator is what the template writes between two options.
const optionSeparator = "\n      "

var slotRE = regexp.MustCompile(`⟦([a-z-]+)((?:\|[^⟧|]*)*)⟧`)

// Slot is a marker for a learner's part of the page, written only while
// pre-rendering. It is plain text that no escaper changes.
func (p *modulePage) Slot(kind string, ids ...string) string {
	return "⟦" + kind + joinIDs(ids) + "⟧"
}

// SlotAttr is Slot where the template expects attributes.
func (p *modulePage) SlotAttr(kind string, ids ...string) template.HTMLAttr {
	return template.HTMLAttr(p.Slot(kind, ids...)) // #nosec G203 -- a fixed marker made of the course's own IDs
}

func joinIDs(ids []string) string {
	var b strings.Builder
	for _, id := range ids {
		b.WriteByte('|')
		b.WriteString(id)
	}
	return b.String()
}

// prerenderModules renders every module of the course once.
func (s *Server) prerenderModules() (map[string]*prerendered, error) {
	t, ok := s.pages.set["module"]
	if !ok {
		return nil, fmt.Errorf("no module template")
	}
	course := s.cfg.Learning.Course
	out := map[string]*prerendered{}
	for _, m := range course.Modules {
		p := &modulePage{Module: m, Prerender: true, Answers: app.Answers{}, Total: len(course.Modules), PassMark: course.PassMark,
			View: &app.ModuleView{Module: m, CanAnswer: true}}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "module-body", p); err != nil {
			return nil, fmt.Errorf("pre-render module %s: %w", m.ID, err)
		}
		pr, err := cutPieces(buf.String(), m)
		if err != nil {
			return nil, fmt.Errorf("pre-render module %s: %w", m.ID, err)
		}
		pr.deflate()
		out[m.ID] = pr
	}
	return out, nil
}

// cutPieces turns rendered HTML with markers into pieces.
func cutPieces(html string, m *app.Module) (*prerendered, error) {
	pr := &prerendered{}
	var stack [][]piece // open option groups; the bottom is the page
	stack = append(stack, nil)
	var groups []map[string][]piece // per open question: its options so far
	var current []string            // question and option of the open group
	add := func(p piece) { stack[len(stack)-1] = append(stack[len(stack)-1], p) }
	last := 0
	for _, loc := range slotRE.FindAllStringSubmatchIndex(html, -1) {
		if loc[0] > last {
			text := html[last:loc[0]]
			switch {
			case current != nil && current[1] == "": // between two options: write puts the same space there
				if strings.TrimSpace(text) != "" || text != optionSeparator {
					return nil, fmt.Errorf("unexpected text between the options of %s", current[0])
				}
			default:
				add(piece{kind: pieceStatic, text: text})
				pr.size += len(text)
			}
		}
		last = loc[1]
		kind := html[loc[2]:loc[3]]
		var ids []string
		if loc[4] < loc[5] {
			ids = strings.Split(html[loc[4]+1:loc[5]], "|")
		}
		q := func() (*app.Question, error) {
			if len(ids) == 0 || m.Question(ids[0]) == nil {
				return nil, fmt.Errorf("marker %s names no question", kind)
			}
			return m.Question(ids[0]), nil
		}
		switch kind {
		case "top":
			add(piece{kind: pieceTop})
		case "csrf":
			add(piece{kind: pieceCSRF})
		case "text":
			qq, err := q()
			if err != nil {
				return nil, err
			}
			add(piece{kind: pieceText, q: qq})
		case "checked":
			qq, err := q()
			if err != nil || len(ids) != 2 {
				return nil, fmt.Errorf("marker %s: %v", kind, err)
			}
			add(piece{kind: pieceChecked, q: qq, option: ids[1]})
		case "option":
			qq, err := q()
			if err != nil || len(ids) != 2 {
				return nil, fmt.Errorf("marker option: %v", err)
			}
			if len(current) == 0 || current[0] != qq.ID { // the first option of a question
				if len(current) != 0 {
					return nil, fmt.Errorf("question %s's options are not together", current[0])
				}
				groups = append(groups, map[string][]piece{})
				add(piece{kind: pieceOptions, q: qq})
			}
			current = []string{qq.ID, ids[1]}
			stack = append(stack, nil)
		case "end-option":
			if len(stack) < 2 || len(ids) != 2 || current == nil || current[1] != ids[1] {
				return nil, fmt.Errorf("unbalanced option markers")
			}
			g := groups[len(groups)-1]
			g[ids[1]] = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			// The pieces between two options (whitespace) belong to
			// neither; the next marker decides whether the group goes on.
			current = []string{current[0], ""}
			if len(g) == len(m.Question(current[0]).Options) {
				page := stack[len(stack)-1]
				page[len(page)-1].options = g
				current = nil
			}
		default:
			return nil, fmt.Errorf("unknown marker %q", kind)
		}
	}
	if len(stack) != 1 || current != nil {
		return nil, fmt.Errorf("unbalanced option markers at the end")
	}
	if last < len(html) {
		stack[0] = append(stack[0], piece{kind: pieceStatic, text: html[last:]})
		pr.size += len(html) - last
	}
	pr.pieces = stack[0]
	return pr, nil
}

// sink is where pieces are written: plain text, or a gzip stream stitched
// from pre-deflated runs.
type sink interface {
	textWriter
	static(text string, run *deflatedRun)
}

// textWriter is memory a page is written into: a bytes.Buffer, or the
// response's own body (responseBody). Its writes cannot fail.
type textWriter interface {
	io.Writer
	io.StringWriter
}

type plainSink struct{ textWriter }

func (p plainSink) static(text string, _ *deflatedRun) { p.WriteString(text) } // #nosec G104 -- into memory: writes cannot fail

// responseBody writes into the response's pooled body buffer, so a page
// is not first built in a buffer allocated for it (and zeroed, and then
// collected) and then handed over.
type responseBody struct {
	r interface {
		AppendBody([]byte)
		AppendBodyString(string)
	}
}

func (b responseBody) Write(p []byte) (int, error) { b.r.AppendBody(p); return len(p), nil }

func (b responseBody) WriteString(s string) (int, error) { b.r.AppendBodyString(s); return len(s), nil }

// write writes the module's body for one learner.
func (pr *prerendered) write(b *bytes.Buffer, v *app.ModuleView, csrf string, top []byte) {
	b.Grow(pr.size + len(top) + 1024)
	writePieces(plainSink{b}, pr.pieces, v, csrf, top)
}

// deflate prepares the large static pieces for writeGzip.
func (pr *prerendered) deflate() { deflatePieces(pr.pieces) }

func deflatePieces(pieces []piece) {
	for i := range pieces {
		switch p := &pieces[i]; {
		case p.kind == pieceStatic && len(p.text) >= minPrecompressed:
			p.deflated = deflateOnce(p.text)
		case p.kind == pieceOptions:
			for _, o := range p.options {
				deflatePieces(o)
			}
		}
	}
}

// #nosec G104 -- every sink writes into memory (bytes.Buffer, gzipStitch): its writes cannot fail
func writePieces(b sink, pieces []piece, v *app.ModuleView, csrf string, top []byte) {
	for i := range pieces {
		p := &pieces[i]
		switch p.kind {
		case pieceStatic:
			if p.deflated != nil {
				b.static(p.text, p.deflated)
			} else {
				b.WriteString(p.text)
			}
		case pieceTop:
			b.Write(top)
		case pieceCSRF:
			template.HTMLEscape(b, []byte(csrf))
		case pieceText:
			template.HTMLEscape(b, []byte(v.Answers[p.q.ID].Text))
		case pieceChecked:
			if v.Answers[p.q.ID].Chose(p.option) {
				b.WriteString(" checked")
			}
		case pieceOptions:
			for n, o := range v.Options(p.q) {
				if n > 0 {
					b.WriteString(optionSeparator)
				}
				writePieces(b, p.options[o.ID], v, csrf, top)
			}
		}
	}
}
