package worker

import (
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

// Log levels, numbered as log/slog's.
const (
	LevelDebug = -4
	LevelInfo  = 0
	LevelWarn  = 4
	LevelError = 8
)

// Logger writes one logfmt line per event, "level=WARN msg=... key=value",
// as the server's slog.TextHandler does (without the time: Workers' logs
// carry their own). The Worker does without log/slog, which would add
// 0.16 MB or more to its 0.93 MB gzip size (slog's handlers link
// encoding/json, fmt and reflect whether they are used or not).
type Logger struct {
	mu  sync.Mutex
	w   io.Writer
	min int
}

// NewLogger returns a Logger writing events at level min or above to w.
func NewLogger(w io.Writer, min int) *Logger { return &Logger{w: w, min: min} }

// Enabled reports whether events at level are written.
func (l *Logger) Enabled(level int) bool { return level >= l.min }

// Log writes msg and the key-value pairs kv (keys are strings; values are
// printed as fmt's %v would: strings, integers, booleans, errors, Stringers)
// when level is enabled.
func (l *Logger) Log(level int, msg string, kv ...any) {
	if !l.Enabled(level) {
		return
	}
	b := make([]byte, 0, 256)
	b = append(b, "level="...)
	b = append(b, levelName(level)...)
	b = append(b, " msg="...)
	b = appendValue(b, msg)
	for i := 0; i+1 < len(kv); i += 2 {
		b = append(b, ' ')
		b = fmtlite.Appendf(b, "%v", kv[i])
		b = append(b, '=')
		v, ok := kv[i+1].(string)
		if !ok {
			v = fmtlite.Sprintf("%v", kv[i+1])
		}
		b = appendValue(b, v)
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(b)
}

func levelName(level int) string {
	switch {
	case level >= LevelError:
		return "ERROR"
	case level >= LevelWarn:
		return "WARN"
	case level >= LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}

// parseLevel reads debug, info, warn or error, in any case.
func parseLevel(s string) (int, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return LevelDebug, true
	case "info":
		return LevelInfo, true
	case "warn", "warning":
		return LevelWarn, true
	case "error":
		return LevelError, true
	}
	return 0, false
}

// appendValue quotes s when logfmt needs it (empty, spaces, quotes, '=',
// control characters or invalid UTF-8), as slog.TextHandler does.
func appendValue(b []byte, s string) []byte {
	if s != "" && utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == '"' || r == '=' || r == 0x7f
	}) {
		return append(b, s...)
	}
	return strconv.AppendQuote(b, s)
}
