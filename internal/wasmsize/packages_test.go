package wasmsize

import "testing"

func TestPackageOf(t *testing.T) {
	for sym, want := range map[string]string{
		"github.com_otlp2parquet_otlp2parquet_pqenc.__Writer_.Finish": "github.com/otlp2parquet/otlp2parquet/pqenc",
		"github.com_golang_snappy.encodeBlock":                        "github.com/golang/snappy",
		"google.golang.org_protobuf_encoding_protowire.ConsumeVarint": "google.golang.org/protobuf/encoding/protowire",
		"runtime.mallocgc":                          "runtime",
		"runtime.__mheap_.alloc":                    "runtime",
		"internal_runtime_maps.__Map_.putSlotSmall": "internal/runtime/maps",
		"slices.SortFunc_go.shape.string_":          "slices",
		"encoding_json.Marshal":                     "encoding/json",
		"type_.eq.internal_abi.ITab":                "type:",
		"memeqbody":                                 "(runtime asm)",
		"go.opentelemetry.io_proto_otlp_logs_v1.__LogRecord_.ProtoReflect": "go.opentelemetry.io/proto/otlp/logs/v1",
	} {
		if got := PackageOf(sym); got != want {
			t.Errorf("PackageOf(%q) = %q, want %q", sym, got, want)
		}
	}
}

func TestByPackageNotWasm(t *testing.T) {
	if _, err := ByPackage([]byte("\x7fELF not wasm")); err == nil {
		t.Fatal("ByPackage accepted an ELF file")
	}
}
