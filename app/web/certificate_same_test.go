package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/foundations/foundations/app"
	"github.com/foundations/foundations/app/store"
	"github.com/foundations/foundations/app/store/storetest"
)

// pdfText extracts a PDF's text with pdftotext, white space collapsed. A
// missing pdftotext skips the test locally and fails it in CI.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not found: CI must install poppler-utils")
		}
		t.Skip("pdftotext not found: install poppler-utils")
	}
	file := filepath.Join(t.TempDir(), "c.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestOneRecordEverywhere checks that the PDF, the HTML certificate, the
// verification page, its JSON and the badge all give the same name, dates
// and code: they all come from the one certificate record.
func TestOneRecordEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		srv := newTestServer(t, st)
		ctx := context.Background()
		id := srv.ovUser(t, "Nguyễn Thị Minh Khai", "khai@example.org", "")
		srv.ovComplete(t, id)
		cert, err := srv.learning.Certificate(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		code := app.FormatCode(cert.Code)
		const completed, expires = "14 March 2025", "14 March 2028"
		learner := srv.ovSignIn(t, id)

		pdf := learner.get("/certificate.pdf")
		pdf.wantStatus(t, fiber.StatusOK)
		text := pdfText(t, pdf.body)
		for _, want := range []string{cert.LearnerName, code, completed, "Valid until", expires} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF lacks %q: %s", want, text)
			}
		}
		for _, page := range []*response{learner.get("/certificate"), srv.newClient(t).get("/verify/" + code)} {
			page.wantStatus(t, fiber.StatusOK)
			for key, want := range map[string]string{"Name": cert.LearnerName, "Certificate code": code, "Completed": completed, "Valid until": expires} {
				if got := summaryValue(t, page, key); got != want {
					t.Errorf("%s: %s is %q, want %q", page.Request.URL.Path, key, got, want)
				}
			}
		}
		v := verifyJSON(t, srv.newClient(t), code, fiber.StatusOK)
		if v.LearnerName != cert.LearnerName || v.Code != code || v.CompletedOn != "2025-03-14" || v.ValidUntil == nil || *v.ValidUntil != "2028-03-14" {
			t.Errorf("JSON %+v", v)
		}
		badge := learner.get("/certificate/badge.jwt")
		badge.wantStatus(t, fiber.StatusOK)
		vc := checkBadge(t, string(badge.body), srv.newClient(t).get("/.well-known/jwks.json").body)
		subject := vc["credentialSubject"].(map[string]any)
		if name := subject["identifier"].([]any)[0].(map[string]any)["identityHash"]; name != cert.LearnerName ||
			vc["id"] != "http://localhost:3000/verify/"+code || !strings.HasPrefix(vc["validUntil"].(string), "2028-03-14") ||
			!strings.HasPrefix(subject["activityEndDate"].(string), "2025-03-14") || !strings.Contains(vc["description"].(string), code) {
			t.Errorf("badge %v", vc)
		}
	})
}

// Pages are gzipped for a browser that accepts it; the certificate PDF,
// compressed already, is not compressed again.
func TestPagesAreGzippedAndThePDFIsNot(t *testing.T) {
	st := storetest.SQLite(t)
	srv := newTestServer(t, st)
	id := srv.ovUser(t, "Gus Zip", "gus@example.org", "")
	srv.ovComplete(t, id)
	learner := srv.ovSignIn(t, id)
	for path, want := range map[string]string{"/certificate": "gzip", "/course": "gzip", "/certificate.pdf": ""} {
		r := learner.get(path, "Accept-Encoding", "gzip")
		r.wantStatus(t, fiber.StatusOK)
		if got := r.Header.Get("Content-Encoding"); got != want {
			t.Errorf("%s: Content-Encoding %q, want %q", path, got, want)
		}
	}
}
