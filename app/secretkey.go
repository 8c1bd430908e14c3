package app

import (
	"encoding/base64"

	"golang.org/x/crypto/argon2"
)

// KeyFingerprint is what the database keeps of an instance's secret key so
// that every instance can check it holds the same key without the key
// itself being stored: a slow, salted hash (argon2id), so that a copy of
// the database does not make even a weak key quick to guess.
func KeyFingerprint(key string) string {
	sum := argon2.IDKey([]byte(key), []byte("foundations secret key fingerprint v1"), 2, argonMemory, 1, 32)
	return "argon2id:" + base64.RawStdEncoding.EncodeToString(sum)
}
