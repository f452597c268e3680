package batch

import (
	"math"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
	"github.com/otlp2parquet/otlp2parquet/otlp"
)

// RejectedTimes counts the records Build would reject (times past a signed
// 64-bit nanosecond timestamp) and says why, as Build does, without
// building anything: for checking a request before accepting it.
func RejectedTimes(l *otlp.Logs) (rejected int, reason string) {
	for ri := range l.Resources {
		rl := &l.Resources[ri]
		for si := rl.Scopes.Start; si < rl.Scopes.End; si++ {
			sl := &l.Scopes[si]
			for i := sl.Records.Start; i < sl.Records.End; i++ {
				r := &l.Records[i]
				ts, observed := r.TimeUnixNano, r.ObservedTimeUnixNano
				if ts <= math.MaxInt64 && observed <= math.MaxInt64 {
					continue
				}
				if rejected == 0 {
					field, v := "time_unix_nano", ts
					if ts <= math.MaxInt64 {
						field, v = "observed_time_unix_nano", observed
					}
					reason = fmtlite.Sprintf("resource_logs[%d].scope_logs[%d].log_records[%d] (the first of them): %s %d is after the year 2262, past a signed 64-bit nanosecond timestamp",
						ri, si-rl.Scopes.Start, i-sl.Records.Start, field, v)
				}
				rejected++
			}
		}
	}
	return rejected, reason
}
