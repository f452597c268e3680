package platform

import "testing"

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want Platform
	}{
		{nil, Standalone},
		{map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "otlp2parquet"}, Lambda},
		{map[string]string{"CF_WORKER": "1"}, Workers},
		{map[string]string{"CF_WORKER": "1", "AWS_LAMBDA_FUNCTION_NAME": "f"}, Workers},
		{map[string]string{"CF_WORKER": ""}, Standalone},
	} {
		if got := Detect(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("Detect(%v) = %v, want %v", c.env, got, c.want)
		}
	}
}
