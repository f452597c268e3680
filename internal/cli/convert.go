package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/otlp"
	"github.com/otlp2parquet/otlp2parquet/storage/file"
)

const convertUsage = `Usage: otlp2parquet convert [--signal auto|logs|traces|metrics] [--format auto|protobuf|json|jsonl] [--out DIR] FILE...

Converts files of OTLP logs, traces or metrics into Parquet under DIR,
partitioned as DIR/logs/{service}/year=YYYY/month=MM/day=DD/hour=HH/{uuid}-{timestamp}.parquet
(traces/{service}/... and metrics/{type}/{service}/... for the others).

A FILE holds one Export{Logs,Trace,Metrics}ServiceRequest in protobuf or
OTLP/JSON, or one request per line (JSON Lines, as the OpenTelemetry
Collector's file exporter writes them); gzip-compressed files are read too.
"-" reads standard input. With --signal auto (the default) each file's
signal is the first of logs, traces and metrics that it decodes to with at
least one item: real requests decode as their own signal only, because log
records, spans and data points carry their times and ids in fields of
different wire types.
Each file is decoded whole before anything of it is written, so a bad file
leaves nothing behind; the other files are still converted, and the exit
status is 1.

Options:
`

func convert(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if wantsHelp(args) {
		fs.SetOutput(stdout)
	}
	format := fs.String("format", "auto", "input format: auto, protobuf, json or jsonl")
	signal := fs.String("signal", "auto", "input signal: auto, logs, traces or metrics")
	out := fs.String("out", "./data", "output directory")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), convertUsage)
		fs.PrintDefaults()
	}
	files, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "otlp2parquet convert: no input files")
		fs.Usage()
		return 2
	}
	var fixed *ingest.Format
	if *format != "auto" {
		f, err := ingest.ParseFormat(*format)
		if err != nil {
			fmt.Fprintf(stderr, "otlp2parquet convert: --format: %v\n", err)
			return 2
		}
		fixed = &f
	}
	var signals []ingest.Signal
	for _, sig := range ingest.Signals {
		if *signal == "auto" || *signal == sig.String() {
			signals = append(signals, sig)
		}
	}
	if len(signals) == 0 {
		fmt.Fprintf(stderr, "otlp2parquet convert: --signal %q: want auto, logs, traces or metrics\n", *signal)
		return 2
	}
	bucket, err := file.New(*out)
	if err != nil {
		fmt.Fprintf(stderr, "otlp2parquet convert: --out %s: %v\n", *out, err)
		return 1
	}
	p := ingest.New(bucket, ingest.Options{})
	ctx := context.Background()
	failed, records, objects := 0, 0, 0
	for _, name := range files {
		res, sig, f, err := convertFile(ctx, p, name, signals, fixed)
		if err != nil {
			fmt.Fprintf(stderr, "otlp2parquet convert: %s: %v\n", name, err)
			failed++
			continue
		}
		if res.Rejected > 0 {
			fmt.Fprintf(stderr, "otlp2parquet convert: %s: %s\n", name, res.Message)
		}
		fmt.Fprintf(stdout, "%s: %s %s, %d %s, %d files\n", name, sig, f, res.Records, sig.Items(), len(res.Objects))
		records += res.Records
		objects += len(res.Objects)
	}
	fmt.Fprintf(stdout, "converted %d of %d files: %d items in %d Parquet files under %s\n",
		len(files)-failed, len(files), records, objects, bucket.Root())
	if failed > 0 {
		return 1
	}
	return 0
}

// parseInterspersed parses flags wherever they stand among the file names
// (convert a.pb --out dir), as users expect; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return files, nil
		}
		files = append(files, args[0])
		args = args[1:]
		if files[len(files)-1] == "--" {
			return append(files[:len(files)-1], args...), nil
		}
	}
}

func convertFile(ctx context.Context, p *ingest.Pipeline, name string, signals []ingest.Signal, fixed *ingest.Format) (ingest.Result, ingest.Signal, ingest.Format, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return ingest.Result{}, 0, 0, err
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return ingest.Result{}, 0, 0, fmt.Errorf("gzip: %w", err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return ingest.Result{}, 0, 0, fmt.Errorf("gzip: %w", err)
		}
		name = strings.TrimSuffix(name, ".gz")
	}
	sig, f, err := detect(name, data, signals, fixed)
	if err != nil {
		return ingest.Result{}, 0, 0, err
	}
	res, err := p.Export(ctx, sig, data, f)
	return res, sig, f, err
}

// detect picks the signal and format. The format comes from fixed, the
// file name, or else the content: text starting with "{" is OTLP/JSON, or
// JSON Lines when it holds more than one request; anything else is
// protobuf. The signal is the first of signals the data decodes as, with
// items (an empty request is the first signal's); when it decodes as none,
// the error says why for each.
func detect(name string, data []byte, signals []ingest.Signal, fixed *ingest.Format) (ingest.Signal, ingest.Format, error) {
	var formats []ingest.Format
	switch ext := strings.ToLower(filepath.Ext(name)); {
	case fixed != nil:
		formats = []ingest.Format{*fixed}
	case ext == ".pb" || ext == ".binpb" || ext == ".proto" || ext == ".protobuf":
		formats = []ingest.Format{ingest.Protobuf}
	case ext == ".jsonl" || ext == ".ndjson":
		formats = []ingest.Format{ingest.JSONLines}
	default:
		trimmed := bytes.TrimLeft(data, " \t\r\n")
		if ext != ".json" && (len(trimmed) == 0 || trimmed[0] != '{') {
			formats = []ingest.Format{ingest.Protobuf}
		} else {
			formats = []ingest.Format{ingest.JSON, ingest.JSONLines}
		}
	}
	var b ingest.Batch
	var errs []error
	var empty *[2]uint8 // the first signal and format that decoded, to nothing
	for _, sig := range signals {
		var sigErr error
		for _, f := range formats {
			b.Reset()
			err := b.Decode(sig, data, f, 0)
			if err == nil {
				// JSON readers ignore unknown fields, so another signal's
				// JSON decodes, to nothing: only items tell.
				if items, rejected, _ := b.Count(sig); items+rejected > 0 {
					return sig, f, nil
				}
				if empty == nil {
					empty = &[2]uint8{uint8(sig), uint8(f)}
				}
				continue
			}
			// A JSON Lines file whose first line is fine is a JSON Lines file with a bad later line.
			var e *otlp.Error
			if f == ingest.JSONLines && errors.As(err, &e) && e.Line > 1 {
				sigErr = err
			} else if sigErr == nil {
				sigErr = err
			}
		}
		if sigErr == nil {
			continue
		}
		if len(signals) == 1 {
			return 0, 0, sigErr
		}
		errs = append(errs, fmt.Errorf("as %s: %w", sig, sigErr))
	}
	if empty != nil {
		return ingest.Signal(empty[0]), ingest.Format(empty[1]), nil
	}
	return 0, 0, fmt.Errorf("not an OTLP request of any signal: %w", errors.Join(errs...))
}
