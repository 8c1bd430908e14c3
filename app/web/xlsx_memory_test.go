package web

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foundations/foundations/app"
)

// TestXLSXMemoryIsFlat writes XLSX_MEMORY_ROWS synthetic learners (default
// 5,000; the README's figure is for 100,000) through the learner workbook
// to a discarding writer and checks the process's peak resident memory
// (VmHWM) stays under 100 MB. Run alone so nothing else shares the peak:
//
//	XLSX_MEMORY_ROWS=100000 go test ./app/web -run TestXLSXMemoryIsFlat -count=1 -v
func TestXLSXMemoryIsFlat(t *testing.T) {
	rows := 5000
	if v := os.Getenv("XLSX_MEMORY_ROWS"); v != "" {
		rows, _ = strconv.Atoi(v)
	}
	before := PeakRSS(t)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	wb, err := newLearnerWorkbook()
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	for i := range rows {
		at := now.AddDate(0, 0, -i%700)
		exp := at.AddDate(3, 0, 0)
		r := &app.LearnerRow{UserID: int64(i), Name: fmt.Sprintf("Learner Number %d", i), Email: fmt.Sprintf("learner%d@example.org", i),
			Organisation: "Example NHS Foundation Trust", JobRole: "Health visitor", RegisteredAt: at, StartedAt: &at, ModulesPassed: i % 6,
			CompletedAt: &at, CertificateCode: strings.Repeat("A", 24), CertificateExpiresAt: &exp}
		if err := wb.Add(r, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.Finish(); err != nil {
		t.Fatal(err)
	}
	cw := &countingWriter{}
	bw := bufio.NewWriter(cw)
	if _, err := wb.WriteTo(bw); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	peak := PeakRSS(t)
	t.Logf("%d rows: %d KB of XLSX; peak RSS %d MB (%d MB before writing)", wb.Rows(), cw.n/1024, peak>>20, before>>20)
	if wb.Rows() != rows {
		t.Errorf("wrote %d rows, want %d", wb.Rows(), rows)
	}
	if peak > 100<<20 {
		t.Errorf("peak RSS %d MB, want under 100 MB", peak>>20)
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// PeakRSS is the process's peak resident set size in bytes (VmHWM on
// Linux), for this package's tests and web_test's benchmarks. Under
// CI=true (Linux) a missing figure fails; elsewhere it skips.
func PeakRSS(tb testing.TB) int64 {
	tb.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		if os.Getenv("CI") == "true" { // CI runs on Linux: the figure must be there
			tb.Fatalf("no /proc/self/status: %v", err)
		}
		tb.Skipf("no /proc/self/status (not Linux?): %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("no VmHWM in /proc/self/status")
	}
	tb.Skip("no VmHWM in /proc/self/status")
	return 0
}
