package app

import (
	"bytes"
	"html/template"
	"strings"
)

// letter is the content of one email, written once and rendered as plain
// text and as simple, accessible HTML (one column, real headings and
// links, no images, no layout tables).
type letter struct {
	Kind        string
	To          string
	UserID      *int64
	Subject     string
	Greeting    string   // "Dear Sam,"
	Before      []string // paragraphs before the button
	Action      string   // link label, e.g. "Choose a new password"
	ActionURL   string
	After       []string // paragraphs after it
	Unsubscribe string   // one-click unsubscribe URL for non-essential mail
}

var letterHTML = template.Must(template.New("letter").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:19px;line-height:1.5;color:#0b0c0c;background:#ffffff">
<div style="max-width:580px">
<p style="margin:0 0 16px;font-weight:bold;font-size:16px">{{.Partnership}}</p>
<h1 style="font-size:27px;margin:0 0 16px">{{.Subject}}</h1>
{{if .Greeting}}<p>{{.Greeting}}</p>{{end}}
{{range .Before}}<p>{{.}}</p>
{{end}}{{if .ActionURL}}<p><a href="{{.ActionURL}}" style="color:#1d70b8;font-weight:bold">{{.Action}}</a></p>
<p style="font-size:16px">If the link does not work, copy this address into your browser: {{.ActionURL}}</p>
{{end}}{{range .After}}<p>{{.}}</p>
{{end}}<hr style="border:0;border-top:1px solid #b1b4b6;margin:24px 0">
<p style="font-size:16px">This email was sent by {{.Partnership}}.{{if .HelpContact}} For help, contact {{.HelpContact}}.{{end}}</p>
{{if .Unsubscribe}}<p style="font-size:16px"><a href="{{.Unsubscribe}}" style="color:#1d70b8">Unsubscribe from these emails</a></p>{{end}}
</div>
</body>
</html>
`))

// compose renders a letter into a Message with both parts.
func (m *Mail) compose(l letter) Message {
	var t strings.Builder
	t.WriteString(m.Partnership + "\n\n")
	if l.Greeting != "" {
		t.WriteString(l.Greeting + "\n\n")
	}
	for _, p := range l.Before {
		t.WriteString(p + "\n\n")
	}
	if l.ActionURL != "" {
		t.WriteString(l.Action + ":\n" + l.ActionURL + "\n\n")
	}
	for _, p := range l.After {
		t.WriteString(p + "\n\n")
	}
	t.WriteString("--\nThis email was sent by " + m.Partnership + ".")
	if m.HelpContact != "" {
		t.WriteString(" For help, contact " + m.HelpContact + ".")
	}
	t.WriteString("\n")
	if l.Unsubscribe != "" {
		t.WriteString("Unsubscribe from these emails: " + l.Unsubscribe + "\n")
	}
	var h bytes.Buffer
	data := struct {
		letter
		Partnership, HelpContact string
	}{l, m.Partnership, m.HelpContact}
	if err := letterHTML.Execute(&h, data); err != nil {
		h.Reset() // cannot happen with these fields; the text part still goes
	}
	return Message{To: l.To, Kind: l.Kind, Subject: l.Subject, Text: t.String(), HTML: h.String(), Unsubscribe: l.Unsubscribe, UserID: l.UserID}
}

// greeting is "Dear <first name>," or a neutral greeting for no name.
func greeting(name string) string {
	if f := strings.Fields(name); len(f) > 0 {
		return "Dear " + f[0] + ","
	}
	return "Hello,"
}
