// Package version names this build of otlp2parquet.
package version

// Version is set at build time with -ldflags "-X github.com/otlp2parquet/otlp2parquet/internal/version.Version=v1.2.3".
var Version = "0.1.0-dev"

// CreatedBy is the Parquet footer's created_by: "application version X".
func CreatedBy() string { return "otlp2parquet version " + Version }
