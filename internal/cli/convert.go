package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/otlp2parquet/otlp2parquet/ingest"
	"github.com/otlp2parquet/otlp2parquet/storage"
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
		done, err := convertFile(ctx, p, bucket, name, signals, fixed)
		if err != nil {
			fmt.Fprintf(stderr, "otlp2parquet convert: %s: %v\n", name, err)
			failed++
			continue
		}
		for _, d := range done {
			if d.res.Rejected > 0 {
				fmt.Fprintf(stderr, "otlp2parquet convert: %s: %s\n", name, d.res.Message)
			}
			fmt.Fprintf(stdout, "%s: %s %s, %s, %s\n", name, d.sig, d.f, count(d.res.Records, d.sig.Items()), count(len(d.res.Objects), "files"))
			records += d.res.Records
			objects += len(d.res.Objects)
		}
	}
	fmt.Fprintf(stdout, "converted %d of %s: %s in %s under %s\n",
		len(files)-failed, count(len(files), "files"), count(records, "items"), count(objects, "Parquet files"), bucket.Root())
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

// count writes n and the plural noun, in the singular when n is 1.
func count(n int, plural string) string {
	if n == 1 {
		plural = strings.TrimSuffix(plural, "s")
	}
	return strconv.Itoa(n) + " " + plural
}

// converted is what one signal of a file became.
type converted struct {
	sig ingest.Signal
	f   ingest.Format
	res ingest.Result
}

func convertFile(ctx context.Context, p *ingest.Pipeline, bucket storage.Bucket, name string, signals []ingest.Signal, fixed *ingest.Format) ([]converted, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		name = strings.TrimSuffix(name, ".gz")
	}
	f := format(name, data, fixed)
	sigs, err := detect(data, f, signals)
	if err != nil {
		return nil, err
	}
	var done []converted
	for _, sig := range sigs {
		res, err := p.Export(ctx, sig, data, f)
		if err != nil {
			// Nothing of a bad file stays: remove what its other signals stored.
			for _, d := range done {
				for _, o := range d.res.Objects {
					_ = bucket.Delete(ctx, o.Key)
				}
			}
			return nil, err
		}
		done = append(done, converted{sig, f, res})
	}
	return done, nil
}

// format picks the format from fixed, the file name, or else the content:
// protobuf unless it is text starting with "{"; then JSON Lines when its
// first line is a JSON value of its own and more lines follow, else OTLP/JSON
// (one document, on one line or over several).
func format(name string, data []byte, fixed *ingest.Format) ingest.Format {
	if fixed != nil {
		return *fixed
	}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".pb", ".binpb", ".proto", ".protobuf":
		return ingest.Protobuf
	case ".jsonl", ".ndjson":
		return ingest.JSONLines
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	isJSON := strings.EqualFold(filepath.Ext(name), ".json")
	if len(trimmed) == 0 && isJSON {
		// A Collector's file exporter writes JSON Lines to .json files;
		// before its first line, the file is empty.
		return ingest.JSONLines
	}
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if isJSON {
			return ingest.JSON
		}
		return ingest.Protobuf
	}
	first, rest, _ := bytes.Cut(trimmed, []byte("\n"))
	if json.Valid(first) && len(bytes.TrimSpace(rest)) > 0 {
		return ingest.JSONLines
	}
	return ingest.JSON
}

// detect says which of signals the data holds, in format f: those it
// decodes to with items. OTLP/JSON readers ignore unknown members, so a
// JSON file of one signal decodes, to nothing, as the others, and a JSON
// Lines file may hold lines of several (a Collector's file exporter shared
// by pipelines): each signal with items is returned. A signal whose
// decoding fails names the file's problem when no signal has items; so
// does a failure of every one. A file that decodes to nothing as every
// signal is an empty request of the first.
func detect(data []byte, f ingest.Format, signals []ingest.Signal) ([]ingest.Signal, error) {
	var b ingest.Batch
	var found []ingest.Signal
	var errs []error
	for _, sig := range signals {
		b.Reset()
		if err := b.Decode(sig, data, f, 0); err != nil {
			if len(signals) > 1 {
				err = fmt.Errorf("as %s: %w", sig, err)
			}
			errs = append(errs, err)
			continue
		}
		if items, rejected, _ := b.Count(sig); items+rejected > 0 {
			found = append(found, sig)
			if f == ingest.Protobuf {
				break // one message is one signal's
			}
		}
	}
	b.Reset()
	switch {
	case len(found) > 0:
		return found, nil
	case len(errs) == 1:
		return nil, errs[0]
	case len(errs) == len(signals):
		return nil, fmt.Errorf("not an OTLP request of any signal: %w", errors.Join(errs...))
	case len(errs) > 0:
		return nil, errors.Join(errs...)
	}
	return signals[:1], nil
}
