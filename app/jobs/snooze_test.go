package jobs

import (
	"testing"
	"time"
)

// A score waiting for an earlier one looks again after a second, then
// twice as long each time, never longer than five minutes.
func TestScoreWaitsDoubleUpToFiveMinutes(t *testing.T) {
	for _, c := range []struct {
		metadata string
		want     time.Duration
	}{
		{``, time.Second},
		{`{}`, time.Second},
		{`{"snoozes": 1}`, 2 * time.Second},
		{`{"snoozes": 3}`, 8 * time.Second},
		{`{"snoozes": 8}`, 256 * time.Second},
		{`{"snoozes": 9}`, 5 * time.Minute},
		{`{"snoozes": 400}`, 5 * time.Minute},
	} {
		if got := snoozeFor([]byte(c.metadata)); got != c.want {
			t.Errorf("after metadata %q: wait %v, want %v", c.metadata, got, c.want)
		}
	}
}
