package batch

import (
	"strconv"
	"testing"
)

func TestSmallInt(t *testing.T) {
	for n := range int64(smallInts) {
		if got := smallInt(n); got != strconv.FormatInt(n, 10) {
			t.Fatalf("smallInt(%d) = %q", n, got)
		}
	}
}
