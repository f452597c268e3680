package otlptest

import (
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/protobuf/proto"
)

// PdataJSON encodes req as OTLP/JSON the way the OpenTelemetry Collector
// does, with the Collector's pdata.
func PdataJSON(req *collogspb.ExportLogsServiceRequest) ([]byte, error) {
	b, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	er := plogotlp.NewExportRequest()
	if err := er.UnmarshalProto(b); err != nil {
		return nil, err
	}
	var m plog.JSONMarshaler
	return m.MarshalLogs(er.Logs())
}

// PdataFromJSON decodes OTLP/JSON with the Collector's pdata, the reference
// OTLP/JSON decoder, and returns the result as the official types.
func PdataFromJSON(b []byte) (*collogspb.ExportLogsServiceRequest, error) {
	var u plog.JSONUnmarshaler
	ld, err := u.UnmarshalLogs(b)
	if err != nil {
		return nil, err
	}
	pb, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		return nil, err
	}
	req := &collogspb.ExportLogsServiceRequest{}
	if err := proto.Unmarshal(pb, req); err != nil {
		return nil, err
	}
	return req, nil
}
