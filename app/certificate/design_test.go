package certificate

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRenderMetadata(t *testing.T) {
	r := newRenderer(t)
	c := sample()
	c.LearnerName = "Nguyễn Thị Minh Khai"
	pdf := render(t, r, c)
	info := poppler(t, pdf, "pdfinfo")
	for _, want := range []string{
		"Title:           Certificate of completion: Safeguarding Foundations",
		"Author:          North Shire Safeguarding Partnership",
		"Subject:         Safeguarding Foundations completed by Nguyễn Thị Minh Khai on 21 November 2026",
		"Pages:           1",
		"Page size:       842 x 595 pts (A4)",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
	if !bytes.Contains(pdf, []byte("/Lang(en)")) {
		t.Error("the PDF does not declare its language")
	}
	// pdfinfo read the whole file, so the patched catalog left the
	// cross-reference table right; qpdf-style damage would show as errors.
	if strings.Contains(info, "Error") {
		t.Errorf("pdfinfo reports errors:\n%s", info)
	}
}

// TestRenderSize keeps every certificate small enough to email: under
// 60 KB with a Latin name and with a CJK one (which adds a font subset).
func TestRenderSize(t *testing.T) {
	r := newRenderer(t)
	for _, name := range []string{"Zoë Ní Bhriain-Łukasz", "王小明", "김민준"} {
		c := sample()
		c.LearnerName = name
		n := len(render(t, r, c))
		t.Logf("%s: %d bytes", name, n)
		if n >= 60*1024 {
			t.Errorf("certificate for %s is %d KB, want under 60 KB", name, n/1024)
		}
	}
}

func testImage(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), 60, uint8(y * 255 / h), 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRenderWithLogoAndSignature(t *testing.T) {
	r, err := NewRenderer(Options{Logo: testImage(t, "png", 300, 100), Signature: testImage(t, "jpeg", 200, 60),
		SignatoryName: "Dr Amara Okafor", SignatoryRole: "Independent Scrutineer"})
	if err != nil {
		t.Fatal(err)
	}
	pdf := render(t, r, sample())
	list := poppler(t, pdf, "pdfimages", "-list")
	if n := strings.Count(list, "\n") - 2; n != 3 { // a header of two lines, then one per image
		t.Errorf("want 3 images (QR code, logo, signature):\n%s", list)
	}
	text := words(t, pdf)
	for _, want := range []string{"Dr Amara Okafor", "Independent Scrutineer"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q: %s", want, text)
		}
	}
	checkInsideBorder(t, pdf)

	for _, bad := range []Options{{Logo: []byte("GIF89a not really")}, {Signature: []byte("<svg/>")}} {
		if _, err := NewRenderer(bad); err == nil || !strings.Contains(err.Error(), "PNG or JPEG") {
			t.Errorf("NewRenderer with a bad image: %v, want an error asking for PNG or JPEG", err)
		}
	}
}

func TestRenderWithoutSignatory(t *testing.T) {
	r, err := NewRenderer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if text := words(t, render(t, r, sample())); !strings.Contains(text, "For North Shire Safeguarding Partnership") {
		t.Errorf("an unsigned certificate should be signed for the partnership: %s", text)
	}
}

// TestScreenshot renders the README's picture of the certificate. It
// rewrites docs/screenshots/certificate-pdf.png only when
// UPDATE_SCREENSHOTS=1; otherwise it renders into a temporary folder, so
// the pipeline is still tested and no tracked file changes.
func TestScreenshot(t *testing.T) {
	r := newRenderer(t)
	c := sample()
	c.CourseTitle = "Neglect Foundations"
	c.Modules = []string{
		"What neglect is and why it matters",
		"Recognising the signs of neglect",
		"Listening to children and their families",
		"Recording, sharing and escalating concerns",
		"Working together: referral and next steps",
	}
	c.CPDMinutes = 150
	c.CompletedAt = time.Date(2026, 11, 21, 14, 5, 0, 0, time.UTC)
	pdf := render(t, r, c)
	poppler(t, pdf, "pdfinfo") // skips or fails the test like the others if poppler is missing
	dir := t.TempDir()
	if os.Getenv("UPDATE_SCREENSHOTS") == "1" {
		dir = filepath.Join("..", "..", "docs", "screenshots")
	}
	file := filepath.Join(t.TempDir(), "certificate.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "certificate-pdf")
	if b, err := exec.Command("pdftoppm", "-png", "-r", "110", "-singlefile", file, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}
	st, err := os.Stat(out + ".png")
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > 300*1024 {
		t.Errorf("screenshot is %d KB; keep README screenshots under 300 KB", st.Size()/1024)
	}
}
