// Package static embeds the CSS, JavaScript and images. app/web serves each
// file under a URL holding a hash of its content, so it can be cached for a
// year and still change the moment it does.
package static

import "embed"

// FS holds css/, js/ and img/.
//
//go:embed css js img
var FS embed.FS
