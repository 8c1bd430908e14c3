package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"strconv"
	"sync"
	"sync/atomic"
)

// OptionOrder is the order in which one learner sees a question's options
// on one attempt: a permutation of q.Options drawn from a keyed hash of
// the learner, module, attempt and question, so it is the same every time
// the page is shown during that attempt (and can be shown again later from
// the attempt number alone), differs between attempts and learners, and
// cannot be predicted without key. Answers are stored by option ID, never
// by position, so the order never affects scoring or question analysis.
// A question with fewer than two options, or an empty key, keeps the
// order of the course file. q.Options itself is not changed.
func OptionOrder(key []byte, userID int64, moduleID string, attempt int, q *Question) []*Option {
	return newShuffler(key).order(userID, moduleID, attempt, q)
}

// shuffler draws OptionOrder's permutations with one keyed MAC, reset
// between hashes, so a page of questions keys HMAC once rather than once
// per hash; its orders are OptionOrder's. It is not safe for concurrent
// use.
type shuffler struct {
	key   string
	mac   hash.Hash // nil without a key
	seed  [sha256.Size]byte
	block [sha256.Size]byte
}

func newShuffler(key []byte) *shuffler {
	s := &shuffler{key: string(key)}
	if len(key) > 0 {
		s.mac = hmac.New(sha256.New, key)
	}
	return s
}

func (s *shuffler) order(userID int64, moduleID string, attempt int, q *Question) []*Option {
	out := append([]*Option(nil), q.Options...)
	if len(out) < 2 || s.mac == nil {
		return out
	}
	s.mac.Reset()
	// Length-prefixed fields, so ("ab", "c") and ("a", "bc") differ.
	var num [20]byte
	for _, f := range [...][]byte{strconv.AppendInt(num[:0], userID, 10), []byte(moduleID), strconv.AppendInt(nil, int64(attempt), 10), []byte(q.ID)} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(f))) // #nosec G115 -- IDs and numbers, far below 4 GiB
		s.mac.Write(n[:])
		s.mac.Write(f)
	}
	stream := hashStream{s: s, seed: s.mac.Sum(s.seed[:0])}
	// Fisher–Yates, each draw unbiased by rejection.
	for i := len(out) - 1; i > 0; i-- {
		j := stream.below(uint64(i + 1))
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// hashStream yields uniform numbers from HMAC(key, seed || counter).
type hashStream struct {
	s       *shuffler
	seed    []byte
	block   []byte
	counter uint64
}

func (h *hashStream) next() uint64 {
	if len(h.block) < 8 {
		mac := h.s.mac
		mac.Reset()
		mac.Write(h.seed)
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], h.counter)
		mac.Write(c[:])
		h.counter++
		h.block = mac.Sum(h.s.block[:0])
	}
	v := binary.BigEndian.Uint64(h.block[:8])
	h.block = h.block[8:]
	return v
}

// below returns a uniform number in [0, n).
func (h *hashStream) below(n uint64) int {
	limit := ^uint64(0) - (^uint64(0))%n // largest multiple of n
	for {
		if v := h.next(); v < limit {
			return int(v % n) // #nosec G115 -- v % n < n, which came from an int (a slice length)
		}
	}
}

// orderCache keeps option orders already drawn, as positions in the
// question's options, so a module page seen again draws no HMAC. It is
// the process's own copy of a pure function of the key, so instances
// need not share it. At most maxOrders are kept; when full it is emptied
// and fills again with the orders in use.
type orderCache struct {
	m sync.Map // orderKey → []uint8
	n atomic.Int64
}

// maxOrders bounds orderCache: one entry per question per learner
// working on a module, about 100 bytes each.
const maxOrders = 100_000

type orderKey struct {
	user     int64
	module   string
	attempt  int
	question string
}

func (c *orderCache) get(k orderKey, q *Question) ([]*Option, bool) {
	v, ok := c.m.Load(k)
	if !ok {
		return nil, false
	}
	pos := v.([]uint8)
	if len(pos) != len(q.Options) {
		return nil, false
	}
	out := make([]*Option, len(pos))
	for i, p := range pos {
		out[i] = q.Options[p]
	}
	return out, true
}

func (c *orderCache) put(k orderKey, q *Question, order []*Option) {
	if len(q.Options) > 256 {
		return // positions are bytes; no question has that many options
	}
	pos := make([]uint8, len(order))
	for i, o := range order {
		for j, x := range q.Options {
			if x == o {
				pos[i] = uint8(j) // #nosec G115 -- j < len(q.Options) <= 256
				break
			}
		}
	}
	if c.n.Add(1) > maxOrders {
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(k, pos)
}
