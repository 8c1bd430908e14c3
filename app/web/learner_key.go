package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// learnerKey is an opaque, stable name for a user on pages, for the
// script to file answers it keeps on the device under (so one learner's
// unsent answers are never restored, or sent, in another's session on a
// shared computer). Keyed with the secret, it tells no one the user's id.
func (s *Server) learnerKey(userID int64) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("learner key:" + strconv.FormatInt(userID, 10)))
	return hex.EncodeToString(m.Sum(nil))[:20]
}
