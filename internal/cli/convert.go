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

const convertUsage = `Usage: otlp2parquet convert [--format auto|protobuf|json|jsonl] [--out DIR] FILE...

Converts files of OTLP logs into Parquet under DIR, partitioned as
DIR/logs/{service}/year=YYYY/month=MM/day=DD/hour=HH/{uuid}-{timestamp}.parquet.

A FILE holds one ExportLogsServiceRequest in protobuf or OTLP/JSON, or one
request per line (JSON Lines, as the OpenTelemetry Collector's file exporter
writes them); gzip-compressed files are read too. "-" reads standard input.
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
	bucket, err := file.New(*out)
	if err != nil {
		fmt.Fprintf(stderr, "otlp2parquet convert: --out %s: %v\n", *out, err)
		return 1
	}
	p := ingest.New(bucket, ingest.Options{})
	ctx := context.Background()
	failed, records, objects := 0, 0, 0
	for _, name := range files {
		res, f, err := convertFile(ctx, p, name, fixed)
		if err != nil {
			fmt.Fprintf(stderr, "otlp2parquet convert: %s: %v\n", name, err)
			failed++
			continue
		}
		if res.Rejected > 0 {
			fmt.Fprintf(stderr, "otlp2parquet convert: %s: %s\n", name, res.Message)
		}
		fmt.Fprintf(stdout, "%s: %s, %d records, %d files\n", name, f, res.Records, len(res.Objects))
		records += res.Records
		objects += len(res.Objects)
	}
	fmt.Fprintf(stdout, "converted %d of %d files: %d records in %d Parquet files under %s\n",
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

func convertFile(ctx context.Context, p *ingest.Pipeline, name string, fixed *ingest.Format) (ingest.Result, ingest.Format, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return ingest.Result{}, 0, err
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return ingest.Result{}, 0, fmt.Errorf("gzip: %w", err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return ingest.Result{}, 0, fmt.Errorf("gzip: %w", err)
		}
		name = strings.TrimSuffix(name, ".gz")
	}
	f := ingest.Protobuf
	if fixed != nil {
		f = *fixed
	} else if f, err = detect(name, data); err != nil {
		return ingest.Result{}, 0, err
	}
	res, err := p.ExportLogs(ctx, data, f)
	return res, f, err
}

// detect picks the format from the file name, or else from the content:
// text starting with "{" is OTLP/JSON, or JSON Lines when it holds more than
// one request; anything else is protobuf.
func detect(name string, data []byte) (ingest.Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pb", ".binpb", ".proto", ".protobuf":
		return ingest.Protobuf, nil
	case ".jsonl", ".ndjson":
		return ingest.JSONLines, nil
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	isJSONName := strings.EqualFold(filepath.Ext(name), ".json")
	if !isJSONName && (len(trimmed) == 0 || trimmed[0] != '{') {
		return ingest.Protobuf, nil
	}
	var d otlp.Decoder
	var l otlp.Logs
	jsonErr := d.DecodeLogsJSON(&l, data)
	if jsonErr == nil {
		return ingest.JSON, nil
	}
	l.Reset()
	linesErr := d.DecodeLogsJSONLines(&l, data)
	if linesErr == nil {
		return ingest.JSONLines, nil
	}
	// A JSON Lines file whose first line is fine is a JSON Lines file with a bad later line.
	var e *otlp.Error
	if errors.As(linesErr, &e) && e.Line > 1 {
		return 0, linesErr
	}
	return 0, jsonErr
}
