package web

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

// A module page is gzipped from pieces: each large static piece of the
// module's body is deflated once at start-up into a self-contained run of
// deflate blocks ending on a byte boundary (a sync flush), and a request
// deflates only the learner's parts and the layout around them, then
// writes one gzip stream of the runs in order. Deflate blocks may follow
// one another freely once each run ends byte-aligned, so the result is an
// ordinary gzip body; the CRC and length cover the whole page.

// minDeflated is the shortest run of the learner's parts worth deflating
// per request; shorter ones are stored (they are a few bytes each, and a
// deflate flush costs more than it saves).
const minDeflated = 1024

// minPrecompressed is the smallest static piece worth deflating on its own;
// smaller ones go out with the learner's parts around them.
const minPrecompressed = 128

// deflatedRun is a static piece deflated once at start-up, with its text
// as bytes for the page's CRC (so no request converts it again).
type deflatedRun struct {
	text     []byte
	deflated []byte
}

// deflateOnce compresses a static piece at start-up.
func deflateOnce(text string) *deflatedRun {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression) // the level is valid
	_, _ = w.Write([]byte(text))                         // a bytes.Buffer does not fail
	_ = w.Flush()
	return &deflatedRun{text: []byte(text), deflated: buf.Bytes()}
}

var flatePool = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	return w
}}

// gzipStitch writes one gzip member from raw text and pre-deflated runs.
type gzipStitch struct {
	out     io.Writer // memory: its writes cannot fail
	crc     uint32
	size    uint32
	pending []byte
	kept    *[]byte // pending's buffer, back to pendingPool on close
}

var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255} // deflate, no name, no time, unknown OS

// pendingPool keeps the buffers of the learner's parts between requests.
var pendingPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func newGzipStitch(out io.Writer) *gzipStitch {
	_, _ = out.Write(gzipHeader)
	kept := pendingPool.Get().(*[]byte)
	return &gzipStitch{out: out, pending: (*kept)[:0], kept: kept}
}

// Write adds text that is deflated with what comes next.
func (g *gzipStitch) Write(p []byte) (int, error) {
	g.pending = append(g.pending, p...)
	return len(p), nil
}

// WriteString adds text like Write.
func (g *gzipStitch) WriteString(s string) (int, error) {
	g.pending = append(g.pending, s...)
	return len(s), nil
}

// static adds a static piece whose deflated run is ready.
func (g *gzipStitch) static(_ string, run *deflatedRun) {
	g.flush()
	_, _ = g.out.Write(run.deflated)
	g.crc = crc32.Update(g.crc, crc32.IEEETable, run.text)
	g.size += uint32(len(run.text)) // #nosec G115 -- gzip's ISIZE is the length modulo 2^32 by definition (RFC 1952)
}

func (g *gzipStitch) flush() {
	if len(g.pending) == 0 {
		return
	}
	g.crc = crc32.Update(g.crc, crc32.IEEETable, g.pending)
	g.size += uint32(len(g.pending)) // #nosec G115 -- gzip's ISIZE is the length modulo 2^32 by definition (RFC 1952)
	if n := len(g.pending); n < minDeflated {
		// A short run (an attribute, a token, a line of the learner's
		// text) is cheaper stored than deflated: a stored block is a
		// 5-byte header and the bytes (RFC 1951, 3.2.4).
		_, _ = g.out.Write([]byte{0x00, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)}) // #nosec G115 -- n < minDeflated, two bytes
		_, _ = g.out.Write(g.pending)
		g.pending = g.pending[:0]
		return
	}
	w := flatePool.Get().(*flate.Writer)
	w.Reset(g.out)
	_, _ = w.Write(g.pending) // into a bytes.Buffer
	_ = w.Flush()             // ends byte-aligned, not final
	flatePool.Put(w)
	g.pending = g.pending[:0]
}

// close writes the final block and the gzip trailer.
func (g *gzipStitch) close() {
	g.flush()
	_, _ = g.out.Write([]byte{0x01, 0x00, 0x00, 0xff, 0xff}) // an empty final stored block
	var t [8]byte
	binary.LittleEndian.PutUint32(t[:4], g.crc)
	binary.LittleEndian.PutUint32(t[4:], g.size)
	_, _ = g.out.Write(t[:])
	*g.kept = g.pending[:0]
	pendingPool.Put(g.kept)
	g.pending, g.kept = nil, nil
}
