package certificate

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
)

const sampleURL = "https://foundations.example.org/verify/ABCDEFGHIJKLMNOPQRSTUVWX"

func sample() *app.Certificate {
	return &app.Certificate{
		ID:          42,
		Code:        "ABCDEFGHIJKLMNOPQRSTUVWX",
		LearnerName: "Zoë Ní Bhriain-Łukasz",
		CourseTitle: "Safeguarding Foundations",
		Modules: []string{
			"What safeguarding means",
			"Recognising abuse and neglect",
			"Listening to children and adults at risk",
			"Recording and sharing information",
			"Making a referral",
			"Looking after yourself",
		},
		CompletedAt: time.Date(2026, 11, 21, 14, 5, 0, 0, time.UTC),
		CPDMinutes:  100,
		IssuedAt:    time.Date(2026, 11, 21, 14, 6, 0, 0, time.UTC),
		ExpiresAt:   time.Date(2029, 11, 21, 0, 0, 0, 0, time.UTC),
		Partnership: "North Shire Safeguarding Partnership",
	}
}

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := NewRenderer(Options{SignatoryName: "Dr Amara Okafor", SignatoryRole: "Independent Scrutineer, North Shire Safeguarding Partnership"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func render(t testing.TB, r *Renderer, c *app.Certificate) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Render(&buf, c, sampleURL); err != nil {
		t.Fatal(err)
	}
	// Keep the PDF for looking at, e.g. with pdftoppm -png -r 60.
	if dir := os.Getenv("CERTIFICATE_PDF_DIR"); dir != "" {
		name := strings.ReplaceAll(t.Name(), "/", "_") + ".pdf"
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// poppler runs one of poppler-utils' tools on pdf and returns its output.
// Locally a missing tool skips the test; in CI it fails it.
func poppler(t *testing.T, pdf []byte, tool string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: CI must install poppler-utils", tool)
		}
		t.Skipf("%s not found: install poppler-utils to check the PDF's text", tool)
	}
	file := filepath.Join(t.TempDir(), "certificate.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append(args, file)
	if tool == "pdftotext" {
		args = append(args, "-") // to standard output
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	return string(out)
}

// words returns the text of pdf with all white space collapsed, so a phrase
// wrapped over two lines still matches.
func words(t *testing.T, pdf []byte) string {
	return strings.Join(strings.Fields(poppler(t, pdf, "pdftotext")), " ")
}

func TestRenderShowsTheCertificate(t *testing.T) {
	r := newRenderer(t)
	pdf := render(t, r, sample())
	text := words(t, pdf)
	for _, want := range []string{
		"North Shire Safeguarding Partnership",
		"Certificate of completion",
		"Zoë Ní Bhriain-Łukasz",
		"Safeguarding Foundations",
		"1. What safeguarding means",
		"6. Looking after yourself",
		"21 November 2026",
		"1 hour 40 minutes",
		"Valid until 21 November 2029",
		"ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
		sampleURL,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q; it is:\n%s", want, text)
		}
	}
	if strings.Contains(text, "REVOKED") {
		t.Errorf("a valid certificate says REVOKED:\n%s", text)
	}
	fonts := poppler(t, pdf, "pdffonts")
	if strings.Count(fonts, " yes yes ") != 2 { // emb sub columns
		t.Errorf("want 2 embedded subset fonts (Noto Sans regular and bold; no CJK font for a Latin name):\n%s", fonts)
	}
}

func TestRenderRevoked(t *testing.T) {
	r := newRenderer(t)
	c := sample()
	at := time.Date(2027, 3, 3, 10, 0, 0, 0, time.UTC)
	c.RevokedAt = &at
	c.RevokedReason = "issued in error"
	c.ReplacedBy = "BCDEFGHIJKLMNOPQRSTUVWXY"
	text := words(t, render(t, r, c))
	for _, want := range []string{
		"REVOKED on 3 March 2027",
		"replaced by a reissued certificate",
		"Revoked on 3 March 2027",
		"Zoë Ní Bhriain-Łukasz",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q; it is:\n%s", want, text)
		}
	}
	// A revoked certificate is not valid until any date, and the code of
	// the certificate that replaced it is the learner's business alone.
	for _, unwanted := range []string{"Valid until", "BCDE-FGHI"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("a revoked certificate's PDF says %q:\n%s", unwanted, text)
		}
	}
	if strings.Contains(text, c.RevokedReason) {
		t.Errorf("the revocation reason is for verifiers, not printed: %s", text)
	}
}

// TestRenderFitsLongText checks that long names are shrunk or wrapped, not
// cut or run off the page: every word is present and inside the border.
func TestRenderFitsLongText(t *testing.T) {
	r := newRenderer(t)
	long := sample()
	long.Partnership = "The Greater Northamptonshire, Milton Keynes and Bedfordshire Multi-Agency Safeguarding Children and Adults Partnership Board"
	long.LearnerName = "Maria-Fernanda Anastasia Wolfeschlegelsteinhausen-Bergerdorff de la Cruz y Ó Súilleabháin-Przybyszewska"
	long.CourseTitle = "Safeguarding Foundations for Volunteers, Staff and Trustees in Community, Faith and Voluntary Organisations"
	long.Modules = append(long.Modules,
		"Understanding the legal framework for safeguarding adults and children across England and Wales",
		"Domestic abuse", "Exploitation", "Online safety", "Radicalisation", "Modern slavery")
	revoked := *long
	at := time.Date(2027, 3, 3, 10, 0, 0, 0, time.UTC)
	revoked.RevokedAt = &at
	revoked.ReplacedBy = "BCDEFGHIJKLMNOPQRSTUVWXY"

	for name, c := range map[string]*app.Certificate{"valid": long, "revoked": &revoked} {
		t.Run(name, func(t *testing.T) {
			pdf := render(t, r, c)
			text := words(t, pdf)
			for _, want := range []string{c.Partnership, c.LearnerName, c.CourseTitle, "12. Modern slavery", sampleURL} {
				if !strings.Contains(text, want) {
					t.Errorf("PDF text lacks %q; it is:\n%s", want, text)
				}
			}
			checkInsideBorder(t, pdf)
		})
	}
}

// checkInsideBorder fails t if any word of pdf, except the REVOKED
// watermark, lies outside the page's border or overlaps another word.
func checkInsideBorder(t *testing.T, pdf []byte) {
	t.Helper()
	// pdftotext -bbox gives each word's box in points.
	var doc struct {
		Words []struct {
			XMin float64 `xml:"xMin,attr"`
			XMax float64 `xml:"xMax,attr"`
			YMin float64 `xml:"yMin,attr"`
			YMax float64 `xml:"yMax,attr"`
			Text string  `xml:",chardata"`
		} `xml:"body>doc>page>word"`
	}
	dec := xml.NewDecoder(strings.NewReader(poppler(t, pdf, "pdftotext", "-bbox")))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Words) < 50 {
		t.Fatalf("found only %d words", len(doc.Words))
	}
	ws := doc.Words[:0]
	for _, w := range doc.Words {
		if w.YMax-w.YMin < 60 { // the watermark's rotated letters are taller
			ws = append(ws, w)
		}
	}
	for i, w := range ws {
		if w.XMin < 36 || w.XMax > pageW-36 || w.YMin < 36 || w.YMax > pageH-36 {
			t.Errorf("word %q at x %.0f–%.0f, y %.0f–%.0f is outside the border", w.Text, w.XMin, w.XMax, w.YMin, w.YMax)
		}
		for _, v := range ws[i+1:] {
			// Boxes include the font's ascent and descent, so allow lines set
			// solid to touch by a point or two.
			if w.XMin < v.XMax && v.XMin < w.XMax && w.YMin+2 < v.YMax && v.YMin+2 < w.YMax {
				t.Errorf("words %q and %q overlap", w.Text, v.Text)
			}
		}
	}
}

func TestRenderRefusesUnprintableName(t *testing.T) {
	r := newRenderer(t)
	c := sample()
	c.LearnerName = "محمد" // Arabic needs shaping and right-to-left layout
	var buf bytes.Buffer
	err := r.Render(&buf, c, sampleURL)
	if app.ErrorCode(err) != app.EINVALID {
		t.Fatalf("err = %v, want an %s error", err, app.EINVALID)
	}
	if !strings.Contains(app.ErrorMessage(err), "learner name") {
		t.Errorf("message %q does not name the field", app.ErrorMessage(err))
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %d bytes on error", buf.Len())
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	r := newRenderer(t)
	a, b := render(t, r, sample()), render(t, r, sample())
	if !bytes.Equal(a, b) {
		t.Fatal("the same certificate gave different PDFs")
	}
	if !bytes.Contains(a, []byte("/CreationDate(D:20261121140600+00'00')")) {
		t.Error("the creation date is not the issue date")
	}
}

func TestRenderConcurrently(t *testing.T) {
	r := newRenderer(t)
	want := render(t, r, sample())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				var buf bytes.Buffer
				if err := r.Render(&buf, sample(), sampleURL); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Error("a concurrent render differs")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestPrintable(t *testing.T) {
	r := newRenderer(t)
	for _, tt := range []struct {
		in, want string
		invalid  bool
	}{
		{in: "Zoë Ní Bhriain-Łukasz", want: "Zoë Ní Bhriain-Łukasz"},
		{in: "Zoe\u0308", want: "Zoë"}, // decomposed input is composed
		{in: "Ștefan Țurcanu", want: "Ștefan Țurcanu"},
		{in: "Nguyễn Thị", want: "Nguyễn Thị"}, // printed exactly, every accent
		{in: "ǅemal", want: "ǅemal"},
		{in: "Anne\u2011Marie", want: "Anne\u2011Marie"}, // non-breaking hyphen
		{in: "GROẞ", want: "GROẞ"},
		{in: "  Ann\t\nLee  ", want: "Ann Lee"},
		{in: "Ann\u200bLee\u00ad", want: "AnnLee"}, // invisible characters
		{in: "李小龍", want: "李小龍"},
		{in: "김민준", want: "김민준"},
		{in: "😀", invalid: true},
		{in: "محمد", invalid: true},
	} {
		got, err := r.printable("learner name", tt.in, map[*face]bool{})
		if tt.invalid {
			if app.ErrorCode(err) != app.EINVALID {
				t.Errorf("printable(%q) = %q, %v; want an %s error", tt.in, got, err, app.EINVALID)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("printable(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatMinutes(t *testing.T) {
	for in, want := range map[int]string{
		1: "1 minute", 45: "45 minutes", 60: "1 hour", 61: "1 hour 1 minute",
		100: "1 hour 40 minutes", 120: "2 hours", 150: "2 hours 30 minutes",
	} {
		if got := formatMinutes(in); got != want {
			t.Errorf("formatMinutes(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatDateIsUKCalendarDay(t *testing.T) {
	r := newRenderer(t)
	// 23:30 UTC on 20 June is 00:30 on 21 June in London.
	if got := formatDate(time.Date(2026, 6, 20, 23, 30, 0, 0, time.UTC), r.loc); got != "21 June 2026" {
		t.Errorf("got %q", got)
	}
}

func BenchmarkRender(b *testing.B) {
	r := newRenderer(b)
	c := sample()
	var buf bytes.Buffer
	b.ReportAllocs()
	// CPU time as well as wall time: on a shared machine the wall time
	// mostly measures the other processes.
	before := cpuTime()
	for b.Loop() {
		buf.Reset()
		if err := r.Render(&buf, c, sampleURL); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}
