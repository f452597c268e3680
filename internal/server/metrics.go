package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/otlp2parquet/otlp2parquet/buffer"
	"github.com/otlp2parquet/otlp2parquet/ingest"
)

// metrics are the server's Prometheus metrics, served at GET /metrics.
type metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec // by protocol and status code
	receivedBytes   prometheus.Counter
	receivedRecords *prometheus.CounterVec // by signal
	acceptedRecords *prometheus.CounterVec // by signal
	rejectedRecords *prometheus.CounterVec // partial success, by signal and reason
	failedRequests  *prometheus.CounterVec // by signal and reason
	objects         prometheus.Counter     // write-through
	objectBytes     prometheus.Counter     // write-through
	flushes         *prometheus.CounterVec
	flushSeconds    prometheus.Histogram
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otlp2parquet_requests_total", Help: "OTLP export requests answered, by protocol (http, grpc), signal (logs, traces, metrics; \"\" for other paths) and status (HTTP status or gRPC code name).",
	}, []string{"protocol", "signal", "code"})
	m.receivedBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "otlp2parquet_received_bytes_total", Help: "Bytes of request bodies (decompressed) handed to the pipeline.",
	})
	m.receivedRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otlp2parquet_received_records_total", Help: "Items (log records, spans, data points) in requests that decoded, by signal.",
	}, []string{"signal"})
	m.acceptedRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otlp2parquet_accepted_records_total", Help: "Items acknowledged to clients (stored, or in the write-ahead log), by signal.",
	}, []string{"signal"})
	m.rejectedRecords = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otlp2parquet_rejected_records_total", Help: "Items refused inside requests that were otherwise accepted (partial success), by signal and reason.",
	}, []string{"signal", "reason"})
	m.failedRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otlp2parquet_failed_requests_total", Help: "Requests refused, by the receivers (size limit, bytes in memory, unreadable body) or the pipeline, by signal and reason: bad_data, too_large, overloaded, storage, canceled, deadline.",
	}, []string{"signal", "reason"})
	m.objects = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "otlp2parquet_objects_written_total", Help: "Parquet objects stored.",
	})
	m.objectBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "otlp2parquet_object_bytes_written_total", Help: "Bytes of Parquet objects stored.",
	})
	m.flushes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "otlp2parquet_flushes_total", Help: "Attempts to store a batch, by result (ok, error).",
	}, []string{"result"})
	m.flushSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "otlp2parquet_flush_duration_seconds", Help: "Time to encode and store a batch.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 14), // 10 ms to 80 s
	})
	for _, c := range []prometheus.Collector{m.requests, m.receivedBytes, m.receivedRecords, m.acceptedRecords,
		m.rejectedRecords, m.failedRequests, m.flushes, m.flushSeconds} {
		f(c)
	}
	return m
}

// writeThrough registers the object counters of the write-through pipeline.
func (m *metrics) writeThrough() {
	m.reg.MustRegister(m.objects, m.objectBytes)
}

// batching registers the buffer's gauges and counters; its flushes report
// through onFlush.
func (m *metrics) batching(b *buffer.Buffer) {
	gauge := func(name, help string, v func(buffer.Stats) int64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return float64(v(b.Stats())) })
	}
	counter := func(name, help string, v func(buffer.Stats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v(b.Stats())) })
	}
	m.reg.MustRegister(
		gauge("otlp2parquet_buffered_records", "Acknowledged items (log records, spans, data points) not yet stored.", func(s buffer.Stats) int64 { return s.BufferedRecords }),
		gauge("otlp2parquet_wal_bytes", "Bytes of the write-ahead log not yet stored (the open segment included).", func(s buffer.Stats) int64 { return s.LogBytes }),
		gauge("otlp2parquet_pending_batches", "Sealed batches waiting to be stored.", func(s buffer.Stats) int64 { return s.PendingBatches }),
		counter("otlp2parquet_objects_written_total", "Parquet objects stored.", func(s buffer.Stats) int64 { return s.ObjectsWritten }),
		counter("otlp2parquet_object_bytes_written_total", "Bytes of Parquet objects stored.", func(s buffer.Stats) int64 { return s.BytesWritten }),
		counter("otlp2parquet_stored_records_total", "Items stored in Parquet objects.", func(s buffer.Stats) int64 { return s.RecordsWritten }),
		counter("otlp2parquet_storage_errors_total", "Failed attempts to store a batch.", func(s buffer.Stats) int64 { return s.StorageErrors }),
		counter("otlp2parquet_replayed_batches_total", "Batches found in the write-ahead log at start and stored.", func(s buffer.Stats) int64 { return s.Replayed }),
	)
}

// connections registers the connection bound's gauges.
func (m *metrics) connections(c *connLimit) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "otlp2parquet_open_connections", Help: "HTTP connections open (gRPC connections are not counted)."},
			func() float64 { return float64(c.open()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "otlp2parquet_max_connections", Help: "The bound on open HTTP connections (OTLP2PARQUET_MAX_CONNECTIONS); at it, new connections wait to be accepted and keep-alive is off."},
			func() float64 { return float64(c.max()) }),
	)
}

func (m *metrics) onFlush(fi buffer.FlushInfo) {
	result := "ok"
	if fi.Err != nil {
		result = "error"
	}
	m.flushes.WithLabelValues(result).Inc()
	m.flushSeconds.Observe(fi.Duration.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// exporter counts what passes through an ingest.Exporter.
type exporter struct {
	next      ingest.Exporter
	m         *metrics
	countObjs bool
}

func (e exporter) Export(ctx context.Context, sig ingest.Signal, body []byte, f ingest.Format) (ingest.Result, error) {
	e.m.receivedBytes.Add(float64(len(body)))
	res, err := e.next.Export(ctx, sig, body, f)
	name := sig.String()
	if err != nil {
		e.m.failedRequests.WithLabelValues(name, reason(err)).Inc()
		return res, err
	}
	e.m.receivedRecords.WithLabelValues(name).Add(float64(res.Records + res.Rejected))
	e.m.acceptedRecords.WithLabelValues(name).Add(float64(res.Records))
	if res.Rejected > 0 {
		e.m.rejectedRecords.WithLabelValues(name, "invalid_timestamp").Add(float64(res.Rejected))
	}
	if e.countObjs {
		for _, o := range res.Objects {
			e.m.objects.Inc()
			e.m.objectBytes.Add(float64(o.Bytes))
		}
	}
	return res, nil
}

// Admit asks next when it is an ingest.Admitter, counting a refusal as a
// failed request.
func (e exporter) Admit(sig ingest.Signal, size int64) error {
	a, ok := e.next.(ingest.Admitter)
	if !ok {
		return nil
	}
	err := a.Admit(sig, size)
	if err != nil {
		e.m.failedRequests.WithLabelValues(sig.String(), reason(err)).Inc()
	}
	return err
}

// Refused counts a request a receiver refused before Export.
func (e exporter) Refused(sig ingest.Signal, err error) {
	e.m.failedRequests.WithLabelValues(sig.String(), reason(err)).Inc()
}

var _ ingest.RefusalCounter = exporter{}

// reason names an Export failure for metrics.
func reason(err error) string {
	switch {
	case ingest.IsBadData(err):
		return "bad_data"
	case errors.Is(err, ingest.ErrTooLarge):
		return "too_large"
	case errors.Is(err, ingest.ErrOverloaded):
		return "overloaded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	}
	return "storage"
}

// countHTTP counts OTLP/HTTP answers by status.
func (m *metrics) countHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		m.requests.WithLabelValues("http", signalOf(r.URL.Path, ingest.Signal.Path), strconv.Itoa(sw.status)).Inc()
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// signalOf names the signal whose path (as path gives it) is p, or "".
func signalOf(p string, path func(ingest.Signal) string) string {
	for _, s := range ingest.Signals {
		if path(s) == p {
			return s.String()
		}
	}
	return ""
}

// countGRPC counts OTLP/gRPC answers by code.
func (m *metrics) countGRPC(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	m.requests.WithLabelValues("grpc", signalOf(info.FullMethod, func(s ingest.Signal) string { return "/" + s.GRPCService() + "/Export" }),
		status.Code(err).String()).Inc()
	return resp, err
}
