package app

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"sort"
	"strings"
	"sync"
)

// The breached-password corpus: every password of 12 or more characters
// in the top million of a published list of leaked passwords, lower-cased
// and sorted (source and licence: breached-passwords.NOTICE). It ships in
// the binary, compressed (about 320 KB), and is unpacked on first use.
//
//go:embed breached-passwords.txt.gz
var breachedGz []byte

var breached = sync.OnceValue(func() []string {
	zr, err := gzip.NewReader(bytes.NewReader(breachedGz))
	if err != nil {
		panic("breached-passwords.txt.gz: " + err.Error()) // embedded at build time: cannot happen
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		panic("breached-passwords.txt.gz: " + err.Error())
	}
	list := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !sort.StringsAreSorted(list) {
		panic("breached-passwords.txt.gz is not sorted")
	}
	return list
})

// Breached reports whether a lower-case password is in the corpus.
func Breached(lower string) bool {
	list := breached()
	i := sort.SearchStrings(list, lower)
	return i < len(list) && list[i] == lower
}
