package otlp

import "bytes"

// DecodeLogsJSONLines appends to l each line of b, one OTLP/JSON
// ExportLogsServiceRequest a line as the OpenTelemetry Collector's file
// exporter writes them. Lines end with "\n" or "\r\n", the last one may lack
// it, and blank lines are skipped. Each line is read as DecodeLogsJSON reads
// a request; an *Error names the 1-based line in Line, and its Offset counts
// from the start of b. On error l holds a partial result: Reset it.
func (d *Decoder) DecodeLogsJSONLines(l *Logs, b []byte) error {
	d.startJSON(l, "jsonl")
	defer d.endJSON()
	return d.jsonLines(b)
}

// jsonLines decodes each non-blank line of b as a request.
func (d *Decoder) jsonLines(b []byte) error {
	for off, line := 0, 1; off < len(b); line++ {
		end := bytes.IndexByte(b[off:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += off
		}
		// A blank line is whitespace only, which JSON also allows around the value.
		if blank(b[off:end]) {
			off = end + 1
			continue
		}
		if err := d.jsonDocument(b[off:end], off, line); err != nil {
			return err
		}
		off = end + 1
	}
	return nil
}

// DecodeLogsJSONLines decodes with a fresh Decoder; see Decoder.DecodeLogsJSONLines.
func DecodeLogsJSONLines(l *Logs, b []byte) error {
	var d Decoder
	return d.DecodeLogsJSONLines(l, b)
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
