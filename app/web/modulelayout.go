package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"sync/atomic"
)

// The layout around a module's pre-rendered body, and the top of the
// module (moduleTop), are kept once rendered. The layout is, like the body, the
// same for every learner with the same roles on the same page but for the
// form token and the learner's key. It is rendered once per shape of page
// (every field of basePage but those two, the user reduced to their
// roles), with markers in their places, and kept as pieces: static runs,
// deflated once when large enough, and the two slots. A request writes the
// pieces with its own values, so no template runs for the layout.

const (
	csrfMarker    = "⟦csrf⟧"
	learnerMarker = "⟦learner⟧"
)

// maxLayouts bounds the shapes kept: modules × role sets × contrast is a
// few dozen. Past the bound a page is still served, its layout rendered.
const maxLayouts = 512

type layoutSlot int

const (
	slotNone layoutSlot = iota
	slotCSRF
	slotLearner
)

type layoutPiece struct {
	text     string
	deflated *deflatedRun // text deflated once, or nil
	slot     layoutSlot
}

// moduleLayout is the layout of one shape of module page, cut at the body.
type moduleLayout struct {
	head, tail []layoutPiece
}

type layoutCache struct {
	m sync.Map // layoutShape → *moduleLayout
	n atomic.Int64

	tops  sync.Map // moduleTop → []byte
	ntops atomic.Int64
}

// maxTops bounds the module tops kept: per module, a few for each
// question a learner may have reached, times attempts and the saved
// banner.
const maxTops = 8192

// moduleTop returns the top of a module page, rendered once per value.
func (s *Server) moduleTop(t moduleTop) ([]byte, error) {
	if b, ok := s.layouts.tops.Load(t); ok {
		return b.([]byte), nil
	}
	var buf bytes.Buffer
	if err := s.pages.set["module"].ExecuteTemplate(&buf, "module-top", t); err != nil {
		return nil, fmt.Errorf("render the top of module %s: %w", t.Module.ID, err)
	}
	b := buf.Bytes()
	if s.layouts.ntops.Load() < maxTops {
		if _, loaded := s.layouts.tops.LoadOrStore(t, b); !loaded {
			s.layouts.ntops.Add(1)
		}
	}
	return b, nil
}

// layout returns the pieces of p's layout, rendering them the first time
// this shape of page is seen.
func (s *Server) layout(p *modulePage) (*moduleLayout, error) {
	shape := p.basePage
	shape.CSRF, shape.LearnerKey, shape.Body = csrfMarker, learnerMarker, template.HTML(bodyMarker) // #nosec G203 -- fixed markers
	roles := ""
	if shape.User != nil {
		roles = strings.Join(shape.User.Roles, ",")
	}
	shape.User = nil
	key := shapeOf(p.Module.ID, roles, &p.basePage)
	if l, ok := s.layouts.m.Load(key); ok {
		return l.(*moduleLayout), nil
	}
	if p.basePage.User != nil {
		u := *p.basePage.User
		shape.User = &u
		u.Name, u.Email, u.EmailNorm, u.PasswordHash, u.ManagerEmail, u.JobRole = "", "", "", "", "", "" // the layout may only depend on roles
	}
	var out bytes.Buffer
	if err := s.pages.set["module"].ExecuteTemplate(&out, "layout.html", (*layoutPage)(&shape)); err != nil {
		return nil, fmt.Errorf("render the layout of module %s: %w", p.Module.ID, err)
	}
	head, tail, ok := strings.Cut(out.String(), bodyMarker)
	if !ok || strings.Contains(tail, bodyMarker) {
		return nil, fmt.Errorf("render the layout of module %s: the body is not in it once", p.Module.ID)
	}
	l := &moduleLayout{head: layoutPieces(head), tail: layoutPieces(tail)}
	if s.layouts.n.Load() < maxLayouts {
		if _, loaded := s.layouts.m.LoadOrStore(key, l); !loaded {
			s.layouts.n.Add(1)
		}
	}
	return l, nil
}

// layoutShape is what a module page's layout depends on: every field of
// basePage but the form token, the learner's key and the body, with the
// user reduced to their roles. TestLayoutShapeHasEveryField holds it to
// basePage's fields, so a field added there cannot be left out here.
type layoutShape struct {
	module, roles                                                    string
	title, partnership, helpContact, quickExitURL, path              string
	errorMessage, flash, backLink, errors                            string
	sessionTimeout                                                   int
	contrast, signedOut, navCourse, navStaff, navReports, navProfile bool
}

func shapeOf(module, roles string, b *basePage) layoutShape {
	var errs strings.Builder
	for _, e := range b.Errors {
		errs.WriteString(e.Field)
		errs.WriteByte(0)
		errs.WriteString(e.Message)
		errs.WriteByte(1)
	}
	return layoutShape{module: module, roles: roles, title: b.Title, partnership: b.Partnership, helpContact: b.HelpContact,
		quickExitURL: b.QuickExitURL, path: b.Path, errorMessage: b.ErrorMessage, flash: b.Flash, backLink: b.BackLink,
		errors: errs.String(), sessionTimeout: b.SessionTimeout, contrast: b.Contrast, signedOut: b.SignedOut,
		navCourse: b.NavCourse, navStaff: b.NavStaff, navReports: b.NavReports, navProfile: b.NavProfile}
}

// layoutPieces cuts rendered layout text at its markers.
func layoutPieces(text string) []layoutPiece {
	var out []layoutPiece
	for text != "" {
		i, slot, n := -1, slotNone, 0
		if j := strings.Index(text, csrfMarker); j >= 0 {
			i, slot, n = j, slotCSRF, len(csrfMarker)
		}
		if j := strings.Index(text, learnerMarker); j >= 0 && (i < 0 || j < i) {
			i, slot, n = j, slotLearner, len(learnerMarker)
		}
		if i < 0 {
			i = len(text)
		}
		if i > 0 {
			lp := layoutPiece{text: text[:i]}
			if len(lp.text) >= minPrecompressed {
				lp.deflated = deflateOnce(lp.text)
			}
			out = append(out, lp)
		}
		if slot != slotNone {
			out = append(out, layoutPiece{slot: slot})
			i += n
		}
		text = text[i:]
	}
	return out
}

// writeLayout writes layout pieces with the request's form token and
// learner key, escaped as the template would for a quoted attribute.
func writeLayout(b sink, pieces []layoutPiece, csrf, learnerKey string) {
	for i := range pieces {
		switch p := &pieces[i]; p.slot {
		case slotCSRF:
			template.HTMLEscape(b, []byte(csrf))
		case slotLearner:
			template.HTMLEscape(b, []byte(learnerKey))
		default:
			if p.deflated != nil {
				b.static(p.text, p.deflated)
			} else {
				_, _ = b.WriteString(p.text) // into memory: cannot fail
			}
		}
	}
}
