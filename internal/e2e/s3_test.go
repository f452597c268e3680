package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
	"github.com/otlp2parquet/otlp2parquet/internal/s3test"
)

const s3Prefix = "e2e/run"

// startS3Server starts versitygw and otlp2parquet storing in its bucket
// under s3Prefix; it returns both and the directory holding the prefix's
// objects as files. The credentials reach the server only through its
// environment.
func startS3Server(t *testing.T, env ...string) (*server, *s3test.Server, string) {
	t.Helper()
	gw := s3test.New(t)
	s := startServer(t, append([]string{
		"OTLP2PARQUET_STORAGE=s3",
		"OTLP2PARQUET_S3_BUCKET=" + gw.Bucket,
		"OTLP2PARQUET_S3_PREFIX=" + s3Prefix,
		"OTLP2PARQUET_S3_ENDPOINT=" + gw.Endpoint,
		"OTLP2PARQUET_S3_REGION=" + s3test.Region,
		"OTLP2PARQUET_S3_FORCE_PATH_STYLE=true",
		"AWS_ACCESS_KEY_ID=" + s3test.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s3test.SecretKey,
	}, env...)...)
	return s, gw, filepath.Join(gw.Dir, gw.Bucket, filepath.FromSlash(s3Prefix))
}

// TestS3 sends the three encodings to a server storing in versitygw: the
// objects are files under bucket/prefix/logs/ and DuckDB reads them.
func TestS3(t *testing.T) {
	duckdbtest.Require(t)
	s3test.Require(t)
	s, gw, root := startS3Server(t)

	if st := ready(t, s); st != http.StatusOK {
		t.Errorf("GET /ready: %d, want 200 with the bucket reachable", st)
	}

	sendEncodings(t, s.URL)

	bucketDir := filepath.Join(gw.Dir, gw.Bucket)
	files := parquetFiles(t, bucketDir)
	if len(files) == 0 {
		t.Fatalf("no .parquet files in %s; versitygw output:\n%s", bucketDir, gw.Output())
	}
	for _, f := range files {
		if !strings.HasPrefix(f, s3Prefix+"/logs/") {
			t.Errorf("object %s is not under %s/logs/", f, s3Prefix)
		}
	}
	if n := len(parquetFiles(t, s.OutDir)); n != 0 {
		t.Errorf("%d files on local disk with S3 storage", n)
	}
	checkEncodings(t, root)
}

// ready returns the status of GET /ready, or 0 when there is no answer.
func ready(t *testing.T, s *server) int {
	t.Helper()
	resp, err := client.Get(s.URL + "/ready")
	if err != nil {
		t.Logf("GET /ready: %v", err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestS3Outage stops versitygw for a few seconds while a client sends
// requests: the server answers 503 with Retry-After during the outage,
// stays healthy, and every record of every acknowledged request is stored.
func TestS3Outage(t *testing.T) {
	duckdbtest.Require(t)
	s3test.Require(t)
	s, gw, root := startS3Server(t)

	const (
		requests    = 300
		perRequest  = 20
		concurrency = 4
		outageAfter = 60 // acknowledged requests before versitygw stops
		outage      = 3 * time.Second
		maxAttempts = 100 // per request
		deadline    = 90 * time.Second
	)
	var (
		acked, unavailable atomic.Int64
		stop               = make(chan struct{}) // closes on the first fatal error
		stopOnce           sync.Once
		mu                 sync.Mutex
		errs               []string
		attempts           [requests]int // per request; each written by its one worker
		retryAfter         = map[string]int{}
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		errs = append(errs, fmt.Sprintf(format, args...))
		mu.Unlock()
		stopOnce.Do(func() { close(stop) })
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	runStart := time.Now()
	end := runStart.Add(deadline)
	bodies := make([][]byte, requests)
	for i := range bodies {
		bodies[i] = encode(t, logsRequest("e2e-outage", "outage", perRequest, int64(i*perRequest)), ctProto)
	}

	// The server must stay up: /health is polled all along.
	var healthChecks atomic.Int64
	healthDone := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() {
		hc := &http.Client{Timeout: 2 * time.Second}
		for {
			select {
			case <-healthDone:
				return
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			healthChecks.Add(1)
			resp, err := hc.Get(s.URL + "/health")
			if err != nil {
				fail("GET /health during the test: %v", err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				fail("GET /health during the test: %s", resp.Status)
				return
			}
		}
	})

	// The clients: each request is sent until it gets 200.
	next := atomic.Int64{}
	var workers sync.WaitGroup
	defer func() { // also when the test ends early
		stopOnce.Do(func() { close(stop) })
		workers.Wait()
		bg.Wait()
	}()
	for range concurrency {
		workers.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= requests || stopped() {
					return
				}
				body := bodies[i]
				for {
					attempts[i]++
					if attempts[i] > maxAttempts || time.Now().After(end) {
						fail("request %d: no 200 after %d attempts", i, attempts[i]-1)
						return
					}
					r, err := tryPost(s.URL, ctProto, "", bytes.NewReader(body))
					if err != nil {
						fail("request %d: %v", i, err)
						return
					}
					if r.status == http.StatusOK {
						acked.Add(1)
						break
					}
					if r.status != http.StatusServiceUnavailable {
						fail("request %d: status %d (%s), want 200 or 503", i, r.status, r.statusMessage())
						return
					}
					unavailable.Add(1)
					ra := r.header.Get("Retry-After")
					mu.Lock()
					retryAfter[ra]++
					mu.Unlock()
					secs, err := strconv.Atoi(ra)
					if err != nil || secs < 1 {
						fail("request %d: 503 with Retry-After %q, want a number of seconds", i, ra)
						return
					}
					// A client would wait Retry-After; this one is in a hurry
					// to see the outage end.
					time.Sleep(200 * time.Millisecond)
				}
			}
		})
	}

	// The outage: versitygw stops after outageAfter acknowledgements.
	for acked.Load() < outageAfter && !stopped() && time.Now().Before(end) {
		time.Sleep(5 * time.Millisecond)
	}
	outageAt := time.Now()
	outageRan := acked.Load() >= outageAfter && acked.Load() < requests
	var readyDown, readyUp int // /ready's statuses during and after the outage
	if outageRan {
		gw.Stop()
		readyDown = ready(t, s)
		time.Sleep(outage)
		gw.Start()
		for wait := time.Now().Add(10 * time.Second); time.Now().Before(wait); time.Sleep(50 * time.Millisecond) {
			if readyUp = ready(t, s); readyUp == http.StatusOK {
				break
			}
		}
	}
	workers.Wait()
	close(healthDone)
	bg.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	if t.Failed() {
		t.FailNow()
	}
	if !outageRan {
		t.Fatalf("versitygw was not stopped: %d requests acknowledged before the outage could begin", acked.Load())
	}

	retried := 0
	for _, a := range attempts {
		if a > 1 {
			retried++
		}
	}
	t.Logf("%d requests acknowledged, %d answers 503 (Retry-After: %v) for %d requests that were retried; outage of %v began %v into the run, which took %v; /health answered 200 %d times",
		acked.Load(), unavailable.Load(), retryAfter, retried, outage, outageAt.Sub(runStart).Round(time.Millisecond),
		time.Since(runStart).Round(time.Millisecond), healthChecks.Load())
	if acked.Load() != requests {
		t.Fatalf("%d requests acknowledged, want %d", acked.Load(), requests)
	}
	if unavailable.Load() == 0 {
		t.Errorf("no 503 during a %v outage of the storage", outage)
	}
	if readyDown != http.StatusServiceUnavailable || readyUp != http.StatusOK {
		t.Errorf("GET /ready answered %d with the storage down and %d once it was back, want 503 and 200", readyDown, readyUp)
	}

	// Every seq of every request at least once; duplicates only where the
	// client sent a request again.
	rows := duckdbtest.Query(t, `
		SELECT CAST(LogAttributes['seq'] AS BIGINT) AS seq, count(*) AS n
		FROM `+logsGlob(root)+` WHERE ServiceName = 'e2e-outage'
		GROUP BY seq HAVING count(*) <> 1 OR seq IS NULL
		UNION ALL
		SELECT -1 AS seq, count(DISTINCT LogAttributes['seq']) AS n FROM `+logsGlob(root))
	var distinct int64 = -1
	dupRequests := map[int]bool{}
	for _, r := range rows {
		seq, n := num(t, r["seq"]), num(t, r["n"])
		if seq == -1 {
			distinct = n
			continue
		}
		req := int(seq) / perRequest
		if attempts[req] <= 1 {
			t.Errorf("seq %d stored %d times, but its request %d was sent once", seq, n, req)
		}
		dupRequests[req] = true
	}
	if distinct != requests*perRequest {
		t.Errorf("%d distinct seq stored, want %d", distinct, requests*perRequest)
	}
	t.Logf("%d of %d retried requests stored more than once", len(dupRequests), retried)
	if files := tempFiles(t, gw.Dir); len(files) > 0 {
		t.Logf("versitygw left temporary files: %v", files)
	}
}
