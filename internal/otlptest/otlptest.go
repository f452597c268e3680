// Package otlptest holds test helpers for OTLP logs and traces: conversion of the
// decoder's flat model back to the official protobuf types, comparison of
// requests, and generators of random and realistic requests.
package otlptest

import (
	"bytes"
	"fmt"

	"github.com/otlp2parquet/otlp2parquet/otlp"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ToProto converts the flat model back to the official message tree. Messages
// the model cannot tell absent from empty (resource, scope, body, a
// KeyValue's value) are always set: compare after Normalize.
func ToProto(l *otlp.Logs) *collogspb.ExportLogsServiceRequest {
	req := &collogspb.ExportLogsServiceRequest{}
	for _, r := range l.Resources {
		rl := &logspb.ResourceLogs{Resource: resource(&l.Common, r.Resource), SchemaUrl: r.SchemaURL}
		for _, s := range l.Scopes[r.Scopes.Start:r.Scopes.End] {
			sl := &logspb.ScopeLogs{Scope: scope(&l.Common, s.Scope), SchemaUrl: s.SchemaURL}
			for _, rec := range l.Records[s.Records.Start:s.Records.End] {
				sl.LogRecords = append(sl.LogRecords, &logspb.LogRecord{
					TimeUnixNano:           rec.TimeUnixNano,
					ObservedTimeUnixNano:   rec.ObservedTimeUnixNano,
					SeverityNumber:         logspb.SeverityNumber(rec.SeverityNumber),
					SeverityText:           rec.SeverityText,
					Body:                   anyValue(&l.Common, rec.Body),
					Attributes:             keyValues(&l.Common, rec.Attributes),
					DroppedAttributesCount: rec.DroppedAttributesCount,
					Flags:                  rec.Flags,
					TraceId:                id(rec.TraceID),
					SpanId:                 id(rec.SpanID),
					EventName:              rec.EventName,
				})
			}
			rl.ScopeLogs = append(rl.ScopeLogs, sl)
		}
		req.ResourceLogs = append(req.ResourceLogs, rl)
	}
	return req
}

func resource(c *otlp.Common, r otlp.Resource) *resourcepb.Resource {
	res := &resourcepb.Resource{Attributes: keyValues(c, r.Attributes), DroppedAttributesCount: r.DroppedAttributesCount}
	for _, e := range c.EntityRefs[r.EntityRefs.Start:r.EntityRefs.End] {
		res.EntityRefs = append(res.EntityRefs, &commonpb.EntityRef{
			SchemaUrl:       e.SchemaURL,
			Type:            e.Type,
			IdKeys:          stringList(c, e.IDKeys),
			DescriptionKeys: stringList(c, e.DescriptionKeys),
		})
	}
	return res
}

func scope(c *otlp.Common, s otlp.Scope) *commonpb.InstrumentationScope {
	return &commonpb.InstrumentationScope{
		Name:                   s.Name,
		Version:                s.Version,
		Attributes:             keyValues(c, s.Attributes),
		DroppedAttributesCount: s.DroppedAttributesCount,
	}
}

func id(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func stringList(l *otlp.Common, r otlp.Range) []string {
	if r.Len() == 0 {
		return nil
	}
	return append([]string(nil), l.Strings[r.Start:r.End]...)
}

func keyValues(l *otlp.Common, r otlp.Range) []*commonpb.KeyValue {
	var kvs []*commonpb.KeyValue
	for _, kv := range l.KeyValues[r.Start:r.End] {
		kvs = append(kvs, &commonpb.KeyValue{Key: kv.Key, Value: anyValue(l, kv.Value), KeyStrindex: kv.KeyStrindex})
	}
	return kvs
}

func anyValue(l *otlp.Common, v otlp.Value) *commonpb.AnyValue {
	a := &commonpb.AnyValue{}
	switch v.Kind {
	case otlp.KindEmpty:
	case otlp.KindString:
		a.Value = &commonpb.AnyValue_StringValue{StringValue: v.Str}
	case otlp.KindBool:
		a.Value = &commonpb.AnyValue_BoolValue{BoolValue: v.Bool()}
	case otlp.KindInt:
		a.Value = &commonpb.AnyValue_IntValue{IntValue: v.Int()}
	case otlp.KindDouble:
		a.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: v.Double()}
	case otlp.KindArray:
		arr := &commonpb.ArrayValue{}
		for _, e := range l.Values[v.Children.Start:v.Children.End] {
			arr.Values = append(arr.Values, anyValue(l, e))
		}
		a.Value = &commonpb.AnyValue_ArrayValue{ArrayValue: arr}
	case otlp.KindKVList:
		a.Value = &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: keyValues(l, v.Children)}}
	case otlp.KindBytes:
		a.Value = &commonpb.AnyValue_BytesValue{BytesValue: []byte(v.Str)}
	case otlp.KindStrindex:
		if int64(v.Num) != int64(int32(v.Num)) {
			panic(fmt.Sprintf("otlptest: strindex %d is not an int32", int64(v.Num)))
		}
		a.Value = &commonpb.AnyValue_StringValueStrindex{StringValueStrindex: int32(v.Num)}
	default:
		panic(fmt.Sprintf("otlptest: unknown kind %d", v.Kind))
	}
	return a
}

// Normalize rewrites req in place so that requests meaning the same compare
// equal: absent resources, scopes, bodies, values and array or kvlist values
// become empty ones, and unknown fields are dropped.
func Normalize(req *collogspb.ExportLogsServiceRequest) {
	req.ProtoReflect().SetUnknown(nil)
	for _, rl := range req.ResourceLogs {
		rl.ProtoReflect().SetUnknown(nil)
		if rl.Resource == nil {
			rl.Resource = &resourcepb.Resource{}
		}
		rl.Resource.ProtoReflect().SetUnknown(nil)
		normalizeKVs(rl.Resource.Attributes)
		for _, e := range rl.Resource.EntityRefs {
			e.ProtoReflect().SetUnknown(nil)
		}
		for _, sl := range rl.ScopeLogs {
			sl.ProtoReflect().SetUnknown(nil)
			if sl.Scope == nil {
				sl.Scope = &commonpb.InstrumentationScope{}
			}
			sl.Scope.ProtoReflect().SetUnknown(nil)
			normalizeKVs(sl.Scope.Attributes)
			for _, r := range sl.LogRecords {
				r.ProtoReflect().SetUnknown(nil)
				r.Body = normalizeValue(r.Body)
				normalizeKVs(r.Attributes)
			}
		}
	}
}

// NormalizeZeroIDs removes all-zero trace and span ids, which the
// Collector's pdata cannot tell from absent ones.
func NormalizeZeroIDs(req *collogspb.ExportLogsServiceRequest) {
	zero := func(b []byte) []byte {
		if bytes.Count(b, []byte{0}) == len(b) {
			return nil
		}
		return b
	}
	for _, rl := range req.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, r := range sl.LogRecords {
				r.TraceId, r.SpanId = zero(r.TraceId), zero(r.SpanId)
			}
		}
	}
}

func normalizeKVs(kvs []*commonpb.KeyValue) {
	for _, kv := range kvs {
		kv.ProtoReflect().SetUnknown(nil)
		kv.Value = normalizeValue(kv.Value)
	}
}

func normalizeValue(v *commonpb.AnyValue) *commonpb.AnyValue {
	if v == nil {
		return &commonpb.AnyValue{}
	}
	v.ProtoReflect().SetUnknown(nil)
	switch x := v.Value.(type) {
	case *commonpb.AnyValue_ArrayValue:
		if x.ArrayValue == nil {
			x.ArrayValue = &commonpb.ArrayValue{}
		}
		x.ArrayValue.ProtoReflect().SetUnknown(nil)
		for i, e := range x.ArrayValue.Values {
			x.ArrayValue.Values[i] = normalizeValue(e)
		}
	case *commonpb.AnyValue_KvlistValue:
		if x.KvlistValue == nil {
			x.KvlistValue = &commonpb.KeyValueList{}
		}
		x.KvlistValue.ProtoReflect().SetUnknown(nil)
		normalizeKVs(x.KvlistValue.Values)
	}
	return v
}

// Diff compares two requests (logs or traces, both of one type) after
// normalizing copies of them. It returns "" when they are equal, or a
// description of the innermost message that differs. Doubles compare by
// their bits (so -0 differs from 0, and NaN equals the same NaN).
func Diff[M proto.Message](want, got M) string {
	want, got = proto.Clone(want).(M), proto.Clone(got).(M)
	for _, m := range []proto.Message{want, got} {
		switch m := m.(type) {
		case *collogspb.ExportLogsServiceRequest:
			Normalize(m)
		case *coltracepb.ExportTraceServiceRequest:
			NormalizeTraces(m)
		}
	}
	return firstDiff("request", want.ProtoReflect(), got.ProtoReflect())
}

// firstDiff descends into the first message field or list element that
// differs, as long as the lists have equal lengths, and describes it.
func firstDiff(path string, want, got protoreflect.Message) string {
	if same(want.Interface(), got.Interface()) {
		return ""
	}
	fields := want.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if f.Kind() != protoreflect.MessageKind || f.IsMap() {
			continue
		}
		name := path + "." + string(f.Name())
		if !f.IsList() {
			if want.Has(f) && got.Has(f) {
				if d := firstDiff(name, want.Get(f).Message(), got.Get(f).Message()); d != "" {
					return d
				}
			}
			continue
		}
		w, g := want.Get(f).List(), got.Get(f).List()
		if w.Len() != g.Len() {
			break
		}
		for j := range w.Len() {
			if d := firstDiff(fmt.Sprintf("%s[%d]", name, j), w.Get(j).Message(), g.Get(j).Message()); d != "" {
				return d
			}
		}
	}
	return describe(path, want.Interface(), got.Interface())
}

func describe(path string, want, got proto.Message) string {
	const max = 4000
	w, g := prototext.Format(want), prototext.Format(got)
	if len(w) > max {
		w = w[:max] + "..."
	}
	if len(g) > max {
		g = g[:max] + "..."
	}
	return fmt.Sprintf("%s differs:\ngot:\n%s\nwant:\n%s", path, g, w)
}

// same is proto.Equal that also tells -0 from 0 and NaNs apart by their bits:
// deterministic encodings of equal messages are equal.
func same(a, b proto.Message) bool {
	if !proto.Equal(a, b) {
		return false
	}
	opts := proto.MarshalOptions{Deterministic: true}
	ab, err1 := opts.Marshal(a)
	bb, err2 := opts.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ab, bb)
}
