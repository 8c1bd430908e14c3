package mailtest

import (
	"encoding/base64"
	"strings"
)

func decodeBase64(b []byte) (string, error) {
	s := strings.Join(strings.Fields(string(b)), "")
	out, err := base64.StdEncoding.DecodeString(s)
	return string(out), err
}
