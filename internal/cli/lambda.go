package cli

import (
	"context"
	"log/slog"
	"os"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/internal/lambda"
	"github.com/otlp2parquet/otlp2parquet/internal/server"
	"github.com/otlp2parquet/otlp2parquet/receiver/otlphttp"
)

// runLambda serves Lambda invocations until the runtime stops the process.
// Everything is built once per cold start (the S3 client, the pipeline and
// its buffers) and reused by every invocation of the instance.
func runLambda(cfg server.Config, log *slog.Logger) int {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		log.Error("AWS_LAMBDA_FUNCTION_NAME is set but AWS_LAMBDA_RUNTIME_API is not: run under AWS Lambda or its Runtime Interface Emulator, or unset AWS_LAMBDA_FUNCTION_NAME to run the standalone server")
		return 1
	}
	ctx := context.Background()
	bucket, err := server.OpenBucket(ctx, cfg)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	p := ingest.New(bucket, ingest.Options{})
	h := otlphttp.New(p, otlphttp.Options{
		MaxBodyBytes: cfg.MaxBodyBytes,
		// An instance serves one invocation at a time, each at most
		// Lambda's 6 MiB payload: no bound on bytes in flight is needed.
		MaxInFlightBytes: -1,
		AuthToken:        cfg.AuthToken,
		Logger:           log,
	})
	log.Info("serving AWS Lambda invocations", "storage", cfg.Storage, "bucket", cfg.S3Bucket, "prefix", cfg.S3Prefix)
	lambda.Start(ctx, lambda.NewHandler(h, log))
	return 1 // not reached: Start returns only by ending the process
}
