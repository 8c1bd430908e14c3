package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/foundations/foundations/static"
	"github.com/gofiber/fiber/v2"
)

// assets serves static files under content-hashed names:
// css/app.css → /static/css/app.3f2a9c1e.css, cached for a year.
type assets struct {
	byURL  map[string]asset  // hashed URL path → asset
	byName map[string]string // "css/app.css" → hashed URL path
}

type asset struct {
	body []byte
	mime string
}

func loadAssets() (*assets, error) {
	a := &assets{byURL: map[string]asset{}, byName: map[string]string{}}
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		url := "/static/" + strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		typ := mime.TypeByExtension(ext)
		if ext == ".ico" { // not in Go's built-in table, and distroless has no mime.types
			typ = "image/x-icon"
		}
		a.byURL[url] = asset{body: b, mime: typ}
		a.byName[p] = url
		return nil
	})
	return a, err
}

// url returns the hashed URL of a static file; a missing file is a
// template bug, caught when templates are executed in tests.
func (a *assets) url(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return u, nil
}

func (a *assets) handle(c *fiber.Ctx) error {
	f, ok := a.byURL[c.Path()]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderContentType, f.mime)
	return c.Send(f.body)
}

// handleFavicon answers /favicon.ico, which browsers and tools ask for
// whatever the page links to.
func (a *assets) handleFavicon(c *fiber.Ctx) error {
	f, ok := a.byURL[a.byName["img/favicon.ico"]]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set(fiber.HeaderContentType, f.mime)
	return c.Send(f.body)
}
