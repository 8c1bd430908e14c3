// Package templates embeds the HTML templates. layout.html wraps every
// page; each other file defines the "main" block of one page.
package templates

import "embed"

// FS holds the *.html templates.
//
//go:embed *.html
var FS embed.FS
