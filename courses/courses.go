// Package courses embeds the course content (YAML files) so the binary
// carries its courses. app/content loads and validates them.
package courses

import "embed"

// FS holds every course folder, e.g. "neglect-foundations/course.yaml".
//
//go:embed */*.yaml
var FS embed.FS
