package otlp

import (
	"strconv"
	"strings"

	"github.com/otlp2parquet/otlp2parquet/internal/protowire"
)

// The responses an OTLP receiver sends, encoded by hand so that the core needs
// no generated types: the Export*ServiceResponse of each signal on success and
// google.rpc.Status on failure, in protobuf or in OTLP/JSON (protojson's
// output: lowerCamelCase names, int64 as a decimal string, zero fields left
// out). Strings are made valid UTF-8 first (invalid bytes become U+FFFD)
// because proto3 and protojson readers reject anything else, and messages
// often quote what a client sent.

// AppendResponseProto appends a protobuf Export{Logs,Trace,Metrics}ServiceResponse
// to b: the three share one wire format. partial_success (field 1:
// rejected_log_records, rejected_spans or rejected_data_points = 1,
// error_message = 2) is left out when rejected is 0 and msg is empty, as OTLP
// asks for full success; a message with nothing rejected is a warning and is sent.
func AppendResponseProto(b []byte, rejected int64, msg string) []byte {
	if rejected == 0 && msg == "" {
		return b
	}
	msg = strings.ToValidUTF8(msg, "\uFFFD")
	n := 0
	if rejected != 0 {
		n += protowire.SizeTag(1) + protowire.SizeVarint(uint64(rejected))
	}
	if msg != "" {
		n += protowire.SizeTag(2) + protowire.SizeBytes(len(msg))
	}
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	if rejected != 0 {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(rejected))
	}
	if msg != "" {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, msg)
	}
	return b
}

// AppendResponseJSON appends an Export*ServiceResponse in OTLP/JSON to b:
// {} on full success, else
// {"partialSuccess":{"rejectedLogRecords":"3","errorMessage":"..."}}, where
// rejectedField names the signal's count (RejectedLogRecords, RejectedSpans,
// RejectedDataPoints).
func AppendResponseJSON(b []byte, rejectedField string, rejected int64, msg string) []byte {
	if rejected == 0 && msg == "" {
		return append(b, "{}"...)
	}
	b = append(b, `{"partialSuccess":{`...)
	if rejected != 0 {
		b = append(b, '"')
		b = append(b, rejectedField...)
		b = append(b, `":"`...)
		b = strconv.AppendInt(b, rejected, 10)
		b = append(b, '"')
		if msg != "" {
			b = append(b, ',')
		}
	}
	if msg != "" {
		b = append(b, `"errorMessage":`...)
		// Each run of invalid UTF-8 becomes one U+FFFD, as in the protobuf form.
		b = AppendJSONString(b, strings.ToValidUTF8(msg, "\uFFFD"))
	}
	return append(b, "}}"...)
}

// The JSON names of the partial_success counts.
const (
	RejectedLogRecords = "rejectedLogRecords"
	RejectedSpans      = "rejectedSpans"
	RejectedDataPoints = "rejectedDataPoints"
)

// AppendStatusProto appends a protobuf google.rpc.Status (code = 1,
// message = 2; no details) to b.
func AppendStatusProto(b []byte, code int32, msg string) []byte {
	if code != 0 {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(code))) // int32: negative values take 10 bytes
	}
	if msg != "" {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, strings.ToValidUTF8(msg, "\uFFFD"))
	}
	return b
}

// AppendStatusJSON appends a google.rpc.Status in JSON to b:
// {"code":3,"message":"..."}.
func AppendStatusJSON(b []byte, code int32, msg string) []byte {
	b = append(b, '{')
	if code != 0 {
		b = append(b, `"code":`...)
		b = strconv.AppendInt(b, int64(code), 10)
		if msg != "" {
			b = append(b, ',')
		}
	}
	if msg != "" {
		b = append(b, `"message":`...)
		// Each run of invalid UTF-8 becomes one U+FFFD, as in the protobuf form.
		b = AppendJSONString(b, strings.ToValidUTF8(msg, "\uFFFD"))
	}
	return append(b, '}')
}
