package app

import "testing"

// The order cache holds at most maxOrders orders: when full it is emptied
// and fills again, and what it returns is always the order put in.
func TestOrderCacheIsBounded(t *testing.T) {
	q := &Question{ID: "q", Options: []*Option{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	order := []*Option{q.Options[2], q.Options[0], q.Options[1]}
	var c orderCache
	for i := range maxOrders + 10 {
		c.put(orderKey{user: int64(i), module: "m", attempt: 1, question: "q"}, q, order)
	}
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	if n != 10 {
		t.Fatalf("%d orders kept after %d put, want the 10 put since it was emptied", n, maxOrders+10)
	}
	if _, ok := c.get(orderKey{user: 0, module: "m", attempt: 1, question: "q"}, q); ok {
		t.Error("an order from before the cache was emptied is still there")
	}
	got, ok := c.get(orderKey{user: maxOrders + 9, module: "m", attempt: 1, question: "q"}, q)
	if !ok || len(got) != 3 || got[0] != q.Options[2] || got[1] != q.Options[0] || got[2] != q.Options[1] {
		t.Errorf("the latest order: %v, %v", got, ok)
	}
	// A question whose options changed since (a course reloaded with another
	// option count) is drawn again rather than given the wrong length.
	if _, ok := c.get(orderKey{user: maxOrders + 9, module: "m", attempt: 1, question: "q"}, &Question{ID: "q", Options: q.Options[:2]}); ok {
		t.Error("an order kept for three options given for two")
	}
}
