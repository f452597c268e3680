// Package admission holds what the OTLP receivers check before they take a request on: the bearer token and the bound on request bytes in memory.
package admission

import (
	"crypto/subtle"
	"strings"
	"sync/atomic"
)

// Limiter bounds the request bytes the receivers hold at once. A nil
// *Limiter admits everything.
type Limiter struct {
	max  int64
	used atomic.Int64
}

// NewLimiter returns a Limiter admitting up to max bytes at once, or nil
// (no bound) when max <= 0.
func NewLimiter(max int64) *Limiter {
	if max <= 0 {
		return nil
	}
	return &Limiter{max: max}
}

// TryAcquire takes n bytes if they fit and reports whether they did. It
// never waits: a receiver past its bound refuses work instead of queueing it.
func (l *Limiter) TryAcquire(n int64) bool {
	if l == nil || n <= 0 {
		return true
	}
	for {
		used := l.used.Load()
		if used+n > l.max {
			return false
		}
		if l.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// Release gives back n bytes taken by TryAcquire.
func (l *Limiter) Release(n int64) {
	if l != nil && n > 0 {
		l.used.Add(-n)
	}
}

// Full reports whether nothing more can be admitted.
func (l *Limiter) Full() bool { return l != nil && l.used.Load() >= l.max }

// InUse is the number of bytes held.
func (l *Limiter) InUse() int64 {
	if l == nil {
		return 0
	}
	return l.used.Load()
}

// Token checks "Bearer <token>" credentials. The zero Token (no token
// configured) accepts every request.
type Token struct {
	want []byte
	set  bool
}

// NewToken returns a Token accepting token, or the zero Token when token is "".
func NewToken(token string) Token {
	if token == "" {
		return Token{}
	}
	return Token{want: []byte(token), set: true}
}

// Enabled reports whether a token is required.
func (t Token) Enabled() bool { return t.set }

// Check reports whether the Authorization value carries the token. The
// scheme is case-insensitive (RFC 9110). The comparison takes a time that
// depends on the token's length only, not on its content nor on where a
// wrong one differs, and the lengths are compared apart: the sent value is
// cut or padded to the token's length first. (Hashing both sides with
// SHA-256 would do the same but links crypto's FIPS module, 64 KB of the
// Worker's gzip size.)
func (t Token) Check(authorization string) bool {
	if !t.set {
		return true
	}
	const scheme = "bearer "
	if len(authorization) < len(scheme) || !strings.EqualFold(authorization[:len(scheme)], scheme) {
		return false
	}
	got := strings.TrimSpace(authorization[len(scheme):])
	sameLen := subtle.ConstantTimeEq(int32(min(len(got), 1<<30)), int32(len(t.want)))
	buf := make([]byte, len(t.want))
	for i := range buf {
		if i < len(got) { // depends on the sender's own length only
			buf[i] = got[i]
		}
	}
	return subtle.ConstantTimeCompare(buf, t.want)&sameLen == 1
}
