package templates

import _ "embed"

// AccessibilityResults is the accessibility suite's last recorded result
// (cmd/foundations/a11y_test.go writes it with UPDATE_SCREENSHOTS=1), from
// which the accessibility statement says how and when the service was tested.
//
//go:embed accessibility-results.json
var AccessibilityResults []byte
