package s3test_test

import (
	"errors"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/otlp2parquet/otlp2parquet/internal/s3test"
)

func TestStopStart(t *testing.T) {
	s := s3test.New(t)
	client := &http.Client{Timeout: 5 * time.Second}
	get := func() error {
		resp, err := client.Get(s.Endpoint + "/" + s.Bucket)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("anonymous GET = %s, want 403 (the gateway checks signatures)", resp.Status)
		}
		return nil
	}
	if err := get(); err != nil {
		t.Fatalf("running server: %v", err)
	}
	s.Stop()
	s.Stop() // stopping twice is harmless
	if err := get(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("stopped server: %v, want connection refused", err)
	}
	s.Start()
	if err := get(); err != nil {
		t.Fatalf("restarted server: %v\n%s", err, s.Output())
	}
}
