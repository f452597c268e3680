package memory_test

import (
	"testing"

	"github.com/otlp2parquet/otlp2parquet/storage"
	"github.com/otlp2parquet/otlp2parquet/storage/memory"
	"github.com/otlp2parquet/otlp2parquet/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(*testing.T) storage.Bucket { return memory.New() })
}

var _ storage.Checker = (*memory.Bucket)(nil)
