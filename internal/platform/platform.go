// Package platform tells which of otlp2parquet's homes the process runs in, from its environment.
package platform

// Platform is where otlp2parquet runs.
type Platform uint8

// The three homes, in the order Detect checks them.
const (
	Standalone Platform = iota
	Lambda
	Workers
)

func (p Platform) String() string {
	switch p {
	case Workers:
		return "cloudflare-workers"
	case Lambda:
		return "aws-lambda"
	}
	return "standalone"
}

// Detect reads the environment through getenv (os.Getenv in a process, the
// Worker's bindings in WebAssembly): CF_WORKER set means Cloudflare Workers,
// AWS_LAMBDA_FUNCTION_NAME set (the Lambda runtime always sets it) means AWS
// Lambda, and anything else a standalone server.
func Detect(getenv func(string) string) Platform {
	switch {
	case getenv("CF_WORKER") != "":
		return Workers
	case getenv("AWS_LAMBDA_FUNCTION_NAME") != "":
		return Lambda
	}
	return Standalone
}
