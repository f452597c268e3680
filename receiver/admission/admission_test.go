package admission

import (
	"sync"
	"testing"
)

func TestLimiter(t *testing.T) {
	l := NewLimiter(100)
	if !l.TryAcquire(60) || l.TryAcquire(41) || !l.TryAcquire(40) {
		t.Fatal("60 then 41 then 40 of 100: want yes, no, yes")
	}
	if !l.Full() || l.InUse() != 100 {
		t.Fatalf("Full %v InUse %d, want true 100", l.Full(), l.InUse())
	}
	l.Release(60)
	if l.Full() || !l.TryAcquire(60) {
		t.Fatal("after Release(60): want room for 60")
	}

	var wg sync.WaitGroup
	l = NewLimiter(1000)
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				if l.TryAcquire(7) {
					if l.InUse() > 1000 {
						t.Error("over the bound")
					}
					l.Release(7)
				}
			}
		})
	}
	wg.Wait()
	if l.InUse() != 0 {
		t.Fatalf("InUse %d after every Release, want 0", l.InUse())
	}

	var none *Limiter = NewLimiter(0)
	if !none.TryAcquire(1<<62) || none.Full() {
		t.Fatal("no bound: want everything admitted")
	}
	none.Release(1)
}

func TestToken(t *testing.T) {
	tok := NewToken("s3cret")
	for _, c := range []struct {
		header string
		ok     bool
	}{
		{"Bearer s3cret", true},
		{"bearer s3cret", true},
		{"BEARER  s3cret ", true},
		{"Bearer s3cre", false},
		{"Bearer s3cret2", false},
		{"Basic s3cret", false},
		{"s3cret", false},
		{"", false},
		{"Bearer ", false},
	} {
		if got := tok.Check(c.header); got != c.ok {
			t.Errorf("Check(%q) = %v, want %v", c.header, got, c.ok)
		}
	}
	if open := NewToken(""); open.Enabled() || !open.Check("") {
		t.Error("no token configured: want every request accepted")
	}
}
