package e2e

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/duckdbtest"
)

// onlyReader hides a body's length, so the client sends it chunked.
type onlyReader struct{ io.Reader }

// gzipBomb is a gzip stream of size bytes of zeros, made of members of
// 1 MiB each (gzip readers read concatenated members as one stream), so
// that it costs little to build: about 1 KiB per member.
func gzipBomb(t testing.TB, size int64) []byte {
	t.Helper()
	const member = 1 << 20
	var one bytes.Buffer
	zw, err := gzip.NewWriterLevel(&one, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, member)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(one.Bytes(), int(size/member))
}

// peakRSS is the process's peak resident memory (VmHWM) in bytes, or -1
// where /proc does not tell.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

// TestBadRequests sends requests the server must refuse, each with its
// status and a google.rpc.Status saying why, and checks that none of them
// stores anything; then requests with hostile service names, which must be
// stored inside the output directory.
func TestBadRequests(t *testing.T) {
	duckdbtest.Require(t)
	const (
		token = "e2e-secret-token"
		limit = 1 << 20
	)
	// The output directory sits two levels down, so that a service name
	// that climbs out of it would still land inside base, where it is seen.
	base := t.TempDir()
	out := filepath.Join(base, "a", "b", "out")
	s := startServer(t,
		"OTLP2PARQUET_OUTPUT_DIR="+out,
		"OTLP2PARQUET_AUTH_TOKEN="+token,
		"OTLP2PARQUET_MAX_BODY_BYTES=1MiB",
	)
	auth := "Bearer " + token

	valid := encode(t, logsRequest("e2e-bad", "bad", 20, 0), ctProto)
	validJSON := encode(t, logsRequest("e2e-bad", "bad", 20, 0), ctJSON)
	big := logsRequest("e2e-big", "big", 1, 0)
	big.ResourceLogs[0].ScopeLogs[0].LogRecords[0].Attributes = append(big.ResourceLogs[0].ScopeLogs[0].LogRecords[0].Attributes,
		str("filler", strings.Repeat("x", limit)))
	tooBig := encode(t, big, ctProto)
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	bomb := gzipBomb(t, 1<<30)

	tests := []struct {
		name        string
		method      string // default POST
		contentType string
		encoding    string
		auth        string // default: the right token
		body        io.Reader
		status      int
		message     string // in the Status message
		maxTime     time.Duration
	}{
		{name: "random bytes", contentType: ctProto, body: bytes.NewReader(random), status: 400, message: "invalid protobuf"},
		{name: "truncated protobuf", contentType: ctProto, body: bytes.NewReader(valid[:len(valid)-7]), status: 400, message: "invalid protobuf"},
		{name: "broken JSON", contentType: ctJSON, body: bytes.NewReader(validJSON[:len(validJSON)/2]), status: 400, message: "invalid json"},
		{name: "JSON that is not OTLP", contentType: ctJSON, body: strings.NewReader(`{"resourceLogs": 7}`), status: 400, message: "resourceLogs"},
		{name: "gzip header on plain body", contentType: ctProto, encoding: "gzip", body: bytes.NewReader(valid), status: 400, message: "invalid gzip body"},
		{name: "wrong content type", contentType: "text/plain", body: bytes.NewReader(valid), status: 415, message: "Content-Type"},
		{name: "no content type", body: bytes.NewReader(valid), status: 415, message: "Content-Type"},
		{name: "unknown content encoding", contentType: ctProto, encoding: "br", body: bytes.NewReader(valid), status: 415, message: "Content-Encoding"},
		{name: "wrong method", method: http.MethodGet, contentType: ctProto, status: 405, message: "method GET not allowed"},
		{name: "wrong method PUT", method: http.MethodPut, contentType: ctJSON, body: bytes.NewReader(validJSON), status: 405, message: "method PUT not allowed"},
		{name: "logs posted as traces", method: "POST /v1/traces", contentType: ctProto, body: bytes.NewReader(valid), status: 400, message: "resource_spans[0]"},
		{name: "logs posted as metrics", method: "POST /v1/metrics", contentType: ctProto, body: bytes.NewReader(valid), status: 400, message: "resource_metrics[0]"},
		{name: "unknown signal", method: "POST /v1/profiles", contentType: ctProto, body: bytes.NewReader(valid), status: 404, message: "not found"},
		{name: "body over the limit", contentType: ctProto, body: bytes.NewReader(tooBig), status: 413, message: "over the limit of 1048576 bytes"},
		{name: "chunked body over the limit", contentType: ctProto, body: onlyReader{bytes.NewReader(tooBig)}, status: 413, message: "over the limit of 1048576 bytes"},
		{name: "gzip bomb", contentType: ctProto, encoding: "gzip", body: bytes.NewReader(bomb), status: 413, message: "decompressed, over the limit", maxTime: 5 * time.Second},
		{name: "missing token", auth: "-", contentType: ctProto, body: bytes.NewReader(valid), status: 401, message: "bearer token"},
		{name: "wrong token", auth: "Bearer not-the-token", contentType: ctProto, body: bytes.NewReader(valid), status: 401, message: "bearer token"},
		{name: "token without Bearer", auth: token, contentType: ctJSON, body: bytes.NewReader(validJSON), status: 401, message: "bearer token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, path := http.MethodPost, "/v1/logs"
			if tt.method != "" {
				method, path, _ = strings.Cut(tt.method, " ")
				if path == "" {
					path = "/v1/logs"
				}
			}
			req, err := http.NewRequest(method, s.URL+path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.encoding != "" {
				req.Header.Set("Content-Encoding", tt.encoding)
			}
			switch tt.auth {
			case "":
				req.Header.Set("Authorization", auth)
			case "-":
			default:
				req.Header.Set("Authorization", tt.auth)
			}
			start := time.Now()
			r, err := do(client, req)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if r.status != tt.status {
				t.Errorf("status %d, want %d (%s)", r.status, tt.status, r.statusMessage())
			}
			if tt.maxTime > 0 && took > tt.maxTime {
				t.Errorf("answered after %v, want within %v", took, tt.maxTime)
			}
			// The Status comes in the request's format; protobuf when that is unknown.
			wantCT := ctProto
			if tt.contentType == ctJSON {
				wantCT = ctJSON
			}
			if got := r.header.Get("Content-Type"); got != wantCT {
				t.Errorf("response Content-Type %q, want %q", got, wantCT)
			}
			st := r.rpcStatus(t)
			if !strings.Contains(st.GetMessage(), tt.message) {
				t.Errorf("Status message %q does not say %q", st.GetMessage(), tt.message)
			}
			if st.GetCode() == 0 {
				t.Errorf("Status code 0 (OK) in a failure")
			}
			switch tt.status {
			case 401:
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			case 405:
				if r.header.Get("Allow") != http.MethodPost {
					t.Errorf("405 with Allow %q, want POST", r.header.Get("Allow"))
				}
			}
			if files := parquetFiles(t, base); len(files) > 0 {
				t.Errorf("stored after a refused request: %v", files)
			}
			if files := tempFiles(t, base); len(files) > 0 {
				t.Errorf("temporary files left: %v", files)
			}
			t.Logf("%d in %v: %s", r.status, took.Round(time.Millisecond), st.GetMessage())
		})
	}
	if rss := peakRSS(s.cmd.Process.Pid); rss > 0 {
		t.Logf("server peak RSS after the bad requests: %d MiB", rss>>20)
		// A 1 GiB bomb inflated whole would show; the limit is 1 MiB.
		if rss > 512<<20 {
			t.Errorf("server peak RSS %d MiB: a body was held past its limit", rss>>20)
		}
	}

	// Accepted: the right token, and service names that try to leave the
	// output directory or have no name at all.
	accepted := []struct{ service, dir string }{
		{"e2e-token-ok", "e2e-token-ok"},
		{"../../x", "..%2F..%2Fx"},
		{"", "unknown_service"},
		{"..", "%2E%2E"},
		{"/etc/passwd", "%2Fetc%2Fpasswd"},
		{"year=2000", "year%3D2000"},
	}
	for i, a := range accepted {
		ct := ctProto
		if i%2 == 1 {
			ct = ctJSON
		}
		r := post(t, s.URL, ct, "", bytes.NewReader(encode(t, logsRequest(a.service, "accepted", 3, int64(3*i)), ct)), "Authorization", auth)
		r.exportResponse(t, ct)
	}
	files := parquetFiles(t, base)
	var dirs []string
	for _, f := range files {
		rel, ok := strings.CutPrefix(f, "a/b/out/logs/")
		if !ok {
			t.Errorf("file %s is outside the output directory's logs/", filepath.Join(base, f))
			continue
		}
		dirs = append(dirs, strings.Split(rel, "/")[0])
	}
	slices.Sort(dirs)
	var want []string
	for _, a := range accepted {
		want = append(want, a.dir)
	}
	slices.Sort(want)
	if !slices.Equal(dirs, want) {
		t.Errorf("service directories %q, want %q (one file each); files: %q", dirs, want, files)
	}
	// Nothing was created beside the output directory either.
	for _, dir := range []string{base, filepath.Join(base, "a"), filepath.Join(base, "a", "b")} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("%s holds %q, want only the way to the output directory", dir, names)
		}
	}

	rows := duckdbtest.Query(t, `SELECT ServiceName AS service, regexp_extract(filename, '/logs/([^/]+)/year=', 1) AS dir, count(*) AS n
		FROM `+logsGlob(out)+` GROUP BY ALL`)
	got := map[string]string{}
	for _, r := range rows {
		got[r["service"].(string)] = r["dir"].(string)
		if n := num(t, r["n"]); n != 3 {
			t.Errorf("service %q: %d rows, want 3", r["service"], n)
		}
	}
	for _, a := range accepted {
		if d, ok := got[a.service]; !ok || d != a.dir {
			t.Errorf("ServiceName %q: in directory %q (found: %v), want %q", a.service, d, ok, a.dir)
		}
	}
	if len(got) != len(accepted) {
		t.Errorf("ServiceNames %q, want those of %v", got, accepted)
	}
}
