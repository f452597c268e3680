package otlp

// DecodeLogsJSONLines appends to l each line of b, one OTLP/JSON
// ExportLogsServiceRequest a line as the OpenTelemetry Collector's file
// exporter writes them. Lines end with "\n" or "\r\n", the last one may lack
// it, and blank lines are skipped. Each line is read as DecodeLogsJSON reads
// a request; an *Error names the 1-based line in Line, and its Offset counts
// from the start of b. On error l holds a partial result: Reset it.
func (d *Decoder) DecodeLogsJSONLines(l *Logs, b []byte) error {
	d.l = l
	return d.jsonInput(&l.Common, b, "jsonl", "resourceLogs", d.jResourceLogs)
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
