package ingest

import (
	"strconv"
	"time"

	"github.com/otlp2parquet/otlp2parquet/batch"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/pqenc"
)

// Signal is the kind of telemetry a request carries.
type Signal uint8

// The OTLP signals. Their values are stored in the write-ahead log: append only.
const (
	Logs Signal = iota
	Traces
	Metrics
	numSignals
)

// Signals lists every signal, in order.
var Signals = [...]Signal{Logs, Traces, Metrics}

var signalInfo = [numSignals]struct {
	name, items, path, rejected, service string
}{
	Logs:    {"logs", "log records", "/v1/logs", otlp.RejectedLogRecords, "opentelemetry.proto.collector.logs.v1.LogsService"},
	Traces:  {"traces", "spans", "/v1/traces", otlp.RejectedSpans, "opentelemetry.proto.collector.trace.v1.TraceService"},
	Metrics: {"metrics", "data points", "/v1/metrics", otlp.RejectedDataPoints, "opentelemetry.proto.collector.metrics.v1.MetricsService"},
}

func (s Signal) valid() bool { return s < numSignals }

func (s Signal) String() string {
	if !s.valid() {
		return "Signal(" + strconv.Itoa(int(s)) + ")"
	}
	return signalInfo[s].name
}

// Items names what the signal's requests count: "log records", "spans", "data points".
func (s Signal) Items() string { return signalInfo[s].items }

// Path is the OTLP/HTTP path the signal is posted to.
func (s Signal) Path() string { return signalInfo[s].path }

// RejectedField is the JSON name of the response's partial_success count.
func (s Signal) RejectedField() string { return signalInfo[s].rejected }

// GRPCService is the full name of the signal's OTLP/gRPC service.
func (s Signal) GRPCService() string { return signalInfo[s].service }

// SignalForPath returns the signal posted to an OTLP/HTTP path.
func SignalForPath(path string) (Signal, bool) {
	for _, s := range Signals {
		if signalInfo[s].path == path {
			return s, true
		}
	}
	return 0, false
}

// Part is one Parquet object's worth of a built batch: the rows of one
// table, service and hour.
type Part struct {
	// Table is the object key's first segments: "logs", "traces", "metrics/gauge"...
	Table   string
	Schema  *pqenc.Schema
	Service string
	// Hour is in hours since the Unix epoch; MinTimestamp is the earliest row's time (ns).
	Hour, MinTimestamp int64
	Rows               int
	Columns            []pqenc.ColumnData
}

// Batch decodes requests of one signal and builds their partitions: the
// state one request (or one chunk of a write-ahead log) needs. Its zero
// value is ready to use; keep one to reuse its memory. Not safe for concurrent use.
type Batch struct {
	dec     otlp.Decoder
	logs    otlp.Logs
	lb      batch.Builder
	traces  otlp.Traces
	tb      batch.TracesBuilder
	metrics otlp.Metrics
	mb      batch.MetricsBuilder
	parts   []Part
}

// Reset empties b for requests of any signal; its memory is kept.
func (b *Batch) Reset() {
	b.logs.Reset()
	b.lb.Reset()
	b.traces.Reset()
	b.tb.Reset()
	b.metrics.Reset()
	b.mb.Reset()
	clear(b.parts) // they point into the builders
	b.parts = b.parts[:0]
}

// forget drops the memory b holds for signals other than keep.
func (b *Batch) forget(keep Signal) {
	if keep != Logs {
		b.logs, b.lb = otlp.Logs{}, batch.Builder{}
	}
	if keep != Traces {
		b.traces, b.tb = otlp.Traces{}, batch.TracesBuilder{}
	}
	if keep != Metrics {
		b.metrics, b.mb = otlp.Metrics{}, batch.MetricsBuilder{}
	}
	clear(b.parts)
}

// Decode appends the request in body, of signal s, to b. Its items with
// no time of reception get received (ns since the epoch), so that
// requests received at different times can be built together. The
// strings of b point into body: keep it unchanged until Reset.
func (b *Batch) Decode(s Signal, body []byte, f Format, received int64) error {
	var err error
	switch s {
	case Logs:
		first := len(b.logs.Records)
		d := &b.dec
		err = decode(&b.logs, body, f, d.DecodeLogsProto, d.DecodeLogsJSON, d.DecodeLogsJSONLines)
		if err == nil {
			for i := first; i < len(b.logs.Records); i++ {
				if r := &b.logs.Records[i]; r.ObservedTimeUnixNano == 0 {
					r.ObservedTimeUnixNano = uint64(received)
				}
			}
		}
	case Traces:
		// A span's times are its own: there is nothing to fill in.
		d := &b.dec
		err = decode(&b.traces, body, f, d.DecodeTracesProto, d.DecodeTracesJSON, d.DecodeTracesJSONLines)
	case Metrics:
		m := &b.metrics
		n0, n1, n2, n3 := len(m.NumberPoints), len(m.HistogramPoints), len(m.ExpHistogramPoints), len(m.SummaryPoints)
		d := &b.dec
		err = decode(m, body, f, d.DecodeMetricsProto, d.DecodeMetricsJSON, d.DecodeMetricsJSONLines)
		if err == nil {
			// A data point without a time is stamped with the time of reception.
			fill := func(t *uint64) {
				if *t == 0 {
					*t = uint64(received)
				}
			}
			for i := range m.NumberPoints[n0:] {
				fill(&m.NumberPoints[n0+i].TimeUnixNano)
			}
			for i := range m.HistogramPoints[n1:] {
				fill(&m.HistogramPoints[n1+i].TimeUnixNano)
			}
			for i := range m.ExpHistogramPoints[n2:] {
				fill(&m.ExpHistogramPoints[n2+i].TimeUnixNano)
			}
			for i := range m.SummaryPoints[n3:] {
				fill(&m.SummaryPoints[n3+i].TimeUnixNano)
			}
		}
	default:
		err = errUnknownSignal(s)
	}
	if err != nil {
		return &BadDataError{err}
	}
	return nil
}

// decode calls the decoder of format f: each signal's Decoder methods for
// protobuf, OTLP/JSON and JSON Lines, in that order.
func decode[M any](m *M, body []byte, f Format, proto, json, lines func(*M, []byte) error) error {
	switch f {
	case Protobuf:
		return proto(m, body)
	case JSON:
		return json(m, body)
	case JSONLines:
		return lines(m, body)
	}
	return errUnknownFormat(f)
}

var timeZero = time.Unix(0, 0)

// metricsTables are the metrics tables' key prefixes, by type.
var metricsTables = func() (t [otlp.MetricSummary + 1]string) {
	for i := range t {
		t[i] = "metrics/" + otlp.MetricType(i).String()
	}
	return t
}()

type signalError string

func (e signalError) Error() string { return string(e) }

func errUnknownSignal(s Signal) error { return signalError("unknown signal " + s.String()) }
func errUnknownFormat(f Format) error { return signalError("unknown format " + f.String()) }

// Count returns the items decoded into b that Build would store and
// those it would reject, with the reason: for checking a request before
// accepting it, without building anything.
func (b *Batch) Count(s Signal) (items, rejected int, reason string) {
	switch s {
	case Logs:
		rejected, reason = batch.RejectedTimes(&b.logs)
		return len(b.logs.Records) - rejected, rejected, reason
	case Traces:
		rejected, reason = batch.RejectedSpans(&b.traces)
		return len(b.traces.Spans) - rejected, rejected, reason
	case Metrics:
		rejected, reason = batch.RejectedDataPoints(&b.metrics)
		return b.metrics.DataPoints() - rejected, rejected, reason
	}
	return 0, 0, ""
}

// Build splits what b holds into partitions. The parts are valid until
// the next Build or Reset.
func (b *Batch) Build(s Signal) (parts []Part, rejected int, reason string) {
	clear(b.parts)
	b.parts = b.parts[:0]
	switch s {
	case Logs:
		// Every record's time of reception is set (Decode): the time
		// given here is never used.
		res := b.lb.Build(&b.logs, timeZero)
		for _, p := range res.Partitions {
			b.parts = append(b.parts, Part{Table: "logs", Schema: batch.Schema(), Service: p.Service,
				Hour: p.Hour, MinTimestamp: p.MinTimestamp, Rows: p.Rows, Columns: p.Columns()})
		}
		rejected, reason = res.Rejected, res.Reason
	case Traces:
		res := b.tb.Build(&b.traces)
		for _, p := range res.Partitions {
			b.parts = append(b.parts, Part{Table: "traces", Schema: batch.TracesTable(), Service: p.Service,
				Hour: p.Hour, MinTimestamp: p.MinTimestamp, Rows: p.Rows, Columns: p.Columns()})
		}
		rejected, reason = res.Rejected, res.Reason
	case Metrics:
		res := b.mb.Build(&b.metrics, timeZero)
		for _, p := range res.Partitions {
			b.parts = append(b.parts, Part{Table: metricsTables[p.Type], Schema: p.Schema(), Service: p.Service,
				Hour: p.Hour, MinTimestamp: p.MinTimestamp, Rows: p.Rows, Columns: p.Columns()})
		}
		rejected, reason = res.Rejected, res.Reason
	}
	return b.parts, rejected, reason
}
