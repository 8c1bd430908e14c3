package app

import (
	"fmt"
	"time"
)

// Reference is one source the course draws on, listed on the references
// page. Text cites it with a [ref:id] tag, which links to it.
type Reference struct {
	ID        string
	Title     string
	Publisher string
	Date      string // as the source gives it: "September 2022", "2023"
	URL       string
	Cite      string // the short form shown in the text: "NSPCC, 2018"
	NoteHTML  string // optional: what the course takes from it
	Reading   bool   // further reading, not a source of a fact
}

// GlossaryTerm is one entry of the course glossary.
type GlossaryTerm struct {
	ID   string
	Term string
	HTML string // the definition, rendered from Markdown
}

// Reference returns the course's reference with the given id, or nil.
func (c *Course) Reference(id string) *Reference {
	for _, r := range c.References {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// ReviewOverdue reports whether the course's review date has passed at now
// (a course is due for review from the start of its review date).
func (c *Course) ReviewOverdue(now time.Time) bool {
	return !c.ReviewDate.IsZero() && !now.Before(c.ReviewDate)
}

// ReviewWarnings are the warnings (not errors) about a course at now: a
// course past its review date still runs, but its owner should know.
func (c *Course) ReviewWarnings(now time.Time) []string {
	if c.ReviewOverdue(now) {
		return []string{fmt.Sprintf("the course's review date (%s) has passed: %s should review it and set a new review_date in course.yaml",
			c.ReviewDate.Format("2 January 2006"), c.Owner)}
	}
	return nil
}

// LocalContacts are the local services the course sends people to, from
// the deployment's configuration. Unset names each setting still at its
// placeholder default, for the administrator's warning.
type LocalContacts struct {
	FrontDoorName       string
	FrontDoorPhone      string
	FrontDoorURL        string
	OutOfHoursPhone     string
	EscalationPolicyURL string
	NeglectToolkitURL   string
	TrainingContact     string
	Unset               []string // environment variables not set, e.g. "FRONT_DOOR_PHONE"
}

// Complete reports whether every local contact has been configured.
func (lc LocalContacts) Complete() bool { return len(lc.Unset) == 0 }
