package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/foundations/foundations/app"
	"golang.org/x/net/html"
)

// pageBudget is the most a module page may transfer on a first visit:
// HTML, CSS and JavaScript, gzipped, as on a poor mobile connection.
const pageBudget = 50 * 1024

// hashedAsset is the shape of a content-hashed static URL: /static/css/app.3f2a9c1e0b7d.css.
var hashedAsset = regexp.MustCompile(`^/static/[a-z0-9/_-]+\.[0-9a-f]{12}\.[a-z0-9]+$`)

// TestPageWeightAndCaching asks the server directly, as a browser with an
// empty cache would (Accept-Encoding: gzip), for each of the 5 module pages
// and what they load, and requires each to transfer under 50 KB. Every
// static file a page refers to must have a content-hashed URL served with
// Cache-Control: max-age=31536000, immutable, and the CSS may refer to no
// file that would escape the hashing.
func TestPageWeightAndCaching(t *testing.T) {
	t.Parallel()
	course := loadTestCourse(t)
	srv := startServer(t, []string{"DATA_DIR=" + t.TempDir()})
	c := newHTTPClient(t)
	registerHTTP(t, c, srv.url, "Wendy Weight", "weight@example.org", demoPassword)
	raw := &http.Client{Jar: c.Jar, Transport: &http.Transport{DisableCompression: true}}

	assets := map[string]bool{}
	measure := func(path string) int {
		t.Helper()
		body, n := fetchGzip(t, raw, srv.url+path)
		total := n
		doc, err := html.Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range pageAssets(doc) {
			assets[u] = true
			_, size := fetchGzip(t, raw, srv.url+u)
			total += size
		}
		return total
	}

	for _, p := range []string{"/", "/register", "/sign-in", "/course", "/accessibility"} {
		if n := measure(p); n >= pageBudget {
			t.Errorf("%s transfers %d bytes gzipped with its CSS and JavaScript, over the %d budget", p, n, pageBudget)
		}
	}
	for _, m := range course.Modules {
		n := measure("/modules/" + m.ID)
		t.Logf("module %d (%s): %.1f KB gzipped with its CSS and JavaScript", m.Number, m.ID, float64(n)/1024)
		if n >= pageBudget {
			t.Errorf("module %d transfers %d bytes gzipped with its CSS and JavaScript, over the %d budget", m.Number, n, pageBudget)
		}
		passModuleHTTP(t, c, srv.url, m)
	}
	if n := measure("/modules/" + course.Modules[0].ID + "/result"); n >= pageBudget {
		t.Errorf("a result page transfers %d bytes, over the %d budget", n, pageBudget)
	}

	if len(assets) < 2 {
		t.Fatalf("the pages refer to %d static files, want the CSS and the JavaScript at least", len(assets))
	}
	for u := range assets {
		if !hashedAsset.MatchString(u) {
			t.Errorf("static URL %s is not content-hashed", u)
		}
		resp, err := raw.Get(srv.url + u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cc := resp.Header.Get("Cache-Control")
		if resp.StatusCode != 200 || !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("GET %s: status %d, Cache-Control %q; want 200 and max-age=31536000, immutable", u, resp.StatusCode, cc)
		}
		if strings.HasSuffix(u, ".css") {
			for _, m := range regexp.MustCompile(`url\(\s*['"]?([^'")]+)`).FindAllStringSubmatch(string(body), -1) {
				if !strings.HasPrefix(m[1], "data:") && !hashedAsset.MatchString(m[1]) {
					t.Errorf("%s refers to %s, which is not content-hashed", u, m[1])
				}
			}
		}
		unhashed := regexp.MustCompile(`\.[0-9a-f]{12}(\.[a-z0-9]+)$`).ReplaceAllString(u, "$1")
		if resp, err := raw.Get(srv.url + unhashed); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s (without its hash): status %d, want 404 so that no page can load a stale copy", unhashed, resp.StatusCode)
			}
		}
	}
	srv.stop(t)
}

// fetchGzip gets a URL asking for gzip and returns the decoded body and the
// number of bytes that crossed the network.
func fetchGzip(t *testing.T, c *http.Client, u string) ([]byte, int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	wire, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", u, resp.StatusCode)
	}
	if enc := resp.Header.Get("Content-Encoding"); enc != "gzip" {
		t.Errorf("GET %s with Accept-Encoding: gzip: Content-Encoding %q, want gzip", u, enc)
		return wire, len(wire)
	}
	body, err := gunzip(wire)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return body, len(wire)
}

// pageAssets lists the same-origin files a page loads: stylesheets,
// scripts, images and icons.
func pageAssets(doc *html.Node) []string {
	var out []string
	for _, n := range findAll(doc, func(n *html.Node) bool {
		return (n.Data == "link" && (attr(n, "rel") == "stylesheet" || strings.Contains(attr(n, "rel"), "icon") || attr(n, "rel") == "preload")) ||
			(n.Data == "script" && attr(n, "src") != "") || (n.Data == "img" && attr(n, "src") != "")
	}) {
		u := attr(n, "href")
		if u == "" {
			u = attr(n, "src")
		}
		if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
			out = append(out, u)
		}
	}
	return out
}

// passModuleHTTP answers every question of m correctly and submits it, as
// the form does without JavaScript.
func passModuleHTTP(t *testing.T, c *http.Client, base string, m *app.Module) {
	t.Helper()
	doc := getHTML(t, c, base+"/modules/"+m.ID, http.StatusOK)
	form := url.Values{"_csrf": {csrfToken(t, doc)}, "action": {"submit"}}
	for _, q := range m.Questions() {
		if q.Type == app.QuestionReflection {
			form.Set("q."+q.ID, "A reflection.")
			continue
		}
		for _, o := range correctOptions(q) {
			form.Add("q."+q.ID, o)
		}
	}
	_, path := postForm(t, c, base+"/modules/"+m.ID, form, http.StatusOK)
	if path != "/modules/"+m.ID+"/result" {
		t.Fatalf("after submitting module %s, landed on %s", m.ID, path)
	}
}

// gunzip decodes a gzipped body.
func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
