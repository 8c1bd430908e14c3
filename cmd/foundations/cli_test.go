package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runtimeUID is the distroless "nonroot" user the Dockerfile runs as.
const runtimeUID = 65532

// runCLI runs the binary with env and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(foundationsBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "DATA_DIR=" + t.TempDir()}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitCode()
	default:
		t.Fatalf("run foundations %v: %v", args, err)
		return "", "", -1
	}
}

// TestHelpPrintsUsage: help, -h and --help print the commands and succeed,
// and a command's own -h does too.
func TestHelpPrintsUsage(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		out, errOut, code := runCLI(t, nil, args...)
		if code != 0 || !strings.HasPrefix(out, "Usage: foundations") || errOut != "" {
			t.Errorf("foundations %v: exit %d, stdout %q, stderr %q; want usage on stdout and exit 0", args, code, out, errOut)
		}
		for _, cmd := range []string{"serve", "courses check", "users add", "demo", "healthcheck", "backup"} {
			if !strings.Contains(out, "\n  "+cmd) {
				t.Errorf("foundations %v does not list %q", args, cmd)
			}
		}
	}
	out, errOut, code := runCLI(t, nil, "demo", "-h")
	if code != 0 || !strings.Contains(out+errOut, "-append") {
		t.Errorf("foundations demo -h: exit %d, output %q; want its flags and exit 0", code, out+errOut)
	}
}

// TestCommandErrorsAreOneLine: a mistake on the command line is one plain
// line on stderr (not a JSON log record) and exit status 1.
func TestCommandErrorsAreOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"frobnicate"}, nil, `foundations: unknown command "frobnicate"; run 'foundations help' for the list`},
		{[]string{"backup"}, nil, "foundations: backup needs one argument, the file to write: foundations backup FILE"},
		{[]string{"serve"}, []string{"SECRET_KEY=short"}, "foundations: SECRET_KEY must be at least 32 characters"},
		{[]string{"healthcheck", "--url", "http://127.0.0.1:1"}, nil, "foundations: healthcheck: "},
	} {
		out, errOut, code := runCLI(t, tc.env, tc.args...)
		if code != 1 {
			t.Errorf("foundations %v: exit %d, want 1", tc.args, code)
		}
		// Log records may come first (serve warns about unset settings);
		// the error itself is one plain last line, not a record.
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		last := lines[len(lines)-1]
		if out != "" || !strings.HasSuffix(errOut, "\n") || !strings.HasPrefix(last, tc.want) || strings.Contains(last, "{") || strings.Contains(errOut, "foundations stopped") {
			t.Errorf("foundations %v: stdout %q, stderr %q; want the error as one plain last line starting %q", tc.args, out, errOut, tc.want)
		}
	}
}

// TestRunsAsUnprivilegedUser runs the binary as the container does: as an
// unprivileged user, with no SECRET_KEY, on a fresh data folder that
// belongs to that user (the Dockerfile's /data). It starts, keeps its
// generated key there, answers `healthcheck --url`, and `backup` copies
// the live database. A data folder the user cannot write is a one-line
// error, not a crash loop of log records.
func TestRunsAsUnprivilegedUser(t *testing.T) {
	uid := os.Getuid()
	root, err := os.MkdirTemp("", "foundations-nonroot-") // t.TempDir's parent is private to root
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "foundations")
	copyFile(t, foundationsBinary(t), bin, 0o755)
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	var cred *syscall.Credential
	if uid == 0 { // as root (CI here), drop to the image's user
		uid = runtimeUID
		cred = &syscall.Credential{Uid: runtimeUID, Gid: runtimeUID}
		if err := os.Chown(data, runtimeUID, runtimeUID); err != nil {
			t.Fatal(err)
		}
	}
	command := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"DATA_DIR=" + data, "PORT=" + strconv.Itoa(freePort(t)), "LOG_LEVEL=warn"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = root
		return cmd
	}

	srv := command()
	port := strings.TrimPrefix(srv.Env[1], "PORT=")
	var logs lockedBuffer
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	t.Cleanup(func() {
		srv.Process.Kill()
		<-done
	})
	url := "http://127.0.0.1:" + port
	deadline := time.Now().Add(30 * time.Second)
	for {
		check := command("healthcheck", "--url", url)
		if out, err := check.CombinedOutput(); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("healthcheck --url %s never passed (%v: %s); server log:\n%s", url, err, out, logs.String())
		}
		select {
		case err := <-done:
			t.Fatalf("the server exited (%v):\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	for _, name := range []string{"secret.key", "foundations.db"} {
		fi, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			t.Fatalf("%s was not written in the data folder: %v", name, err)
		}
		if owner := fi.Sys().(*syscall.Stat_t).Uid; int(owner) != uid {
			t.Errorf("%s belongs to uid %d, want the runtime user %d", name, owner, uid)
		}
	}
	resp, err := http.Get(url + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET / as the unprivileged server: %v %v", resp, err)
	}
	resp.Body.Close()

	copyPath := filepath.Join(data, "backup.db")
	if out, err := command("backup", copyPath).CombinedOutput(); err != nil {
		t.Fatalf("backup while serving: %v\n%s", err, out)
	}
	head := make([]byte, 16)
	f, err := os.Open(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.ReadFull(f, head); err != nil || string(head) != "SQLite format 3\x00" {
		t.Errorf("the backup is not a SQLite database: %q %v", head, err)
	}
	if out, err := command("backup", copyPath).CombinedOutput(); err == nil || !strings.Contains(string(out), "already exists") {
		t.Errorf("a second backup to the same file: %v %q; want it refused", err, out)
	}

	if cred != nil { // the crash the Dockerfile's /data prevents: a folder owned by root
		rootOwned := filepath.Join(root, "root-owned")
		if err := os.Mkdir(rootOwned, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := command()
		cmd.Env[0] = "DATA_DIR=" + rootOwned
		out, err := cmd.CombinedOutput()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		want := "foundations: the data folder " + rootOwned + " is not writable by this user (uid 65532): permission denied"
		if err == nil || !strings.HasPrefix(lines[len(lines)-1], want) {
			t.Errorf("serving from a root-owned data folder: %v, output %q; want a last line saying %q", err, out, want)
		}
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// TestDockerfileGivesDataToRuntimeUser keeps the image in step with the
// test above: /data is created in the image and owned by the user it runs as.
func TestDockerfileGivesDataToRuntimeUser(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	if !strings.Contains(df, "USER nonroot:nonroot") || !strings.Contains(df, "--chown=65532:65532 /out/data /data") || !strings.Contains(df, "DATA_DIR=/data") {
		t.Errorf("the Dockerfile must run as nonroot (65532) with DATA_DIR=/data created and owned by that user")
	}
}

// TestMetricsPort: with METRICS_PORT, /metrics is served on that port only
// (not on the public one), with the database pool's figures.
func TestMetricsPort(t *testing.T) {
	port := strconv.Itoa(freePort(t))
	srv := startServer(t, []string{"DATA_DIR=" + t.TempDir(), "METRICS_PORT=" + port})
	resp, err := http.Get("http://127.0.0.1:" + port + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("metrics port: status %d", resp.StatusCode)
	}
	for _, want := range []string{`go_sql_open_connections{db_name="sqlite"}`, "foundations_http_requests_total", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the metrics port lacks %q", want)
		}
	}
	public, err := http.Get(srv.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	public.Body.Close()
	if public.StatusCode != 404 {
		t.Errorf("/metrics on the public port: status %d, want 404 without METRICS_TOKEN", public.StatusCode)
	}
}
