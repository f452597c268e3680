package otlp

import "github.com/otlp2parquet/otlp2parquet/internal/protowire"

// Helpers of the metrics decoder that others may use: a generic field loop
// and moving a collected attribute list into Common. (The levels every signal
// shares, requests and their resource and scope groups, are protoRequest,
// group, jsonInput and jgroup.)

// fields calls f for each field of the protobuf message b, with the field's
// tag decoded (it took n bytes); f returns b after the field.
func (d *Decoder) fields(b []byte, f func(num protowire.Number, typ protowire.Type, b []byte, n int) ([]byte, error)) error {
	for len(b) > 0 {
		num, typ, n := tag1(b)
		if n == 0 {
			num, typ, n = consumeTag(b)
		}
		if n < 0 {
			return d.errAt(b, "field tag: %v", protowire.ParseError(n))
		}
		var err error
		if b, err = f(num, typ, b, n); err != nil {
			return err
		}
	}
	return nil
}

// keepKVs moves the list collected in *kvs into KeyValues and empties *kvs,
// keeping its memory.
func (d *Decoder) keepKVs(kvs *[]KeyValue) Range {
	c := d.c
	r := Range{Start: int32(len(c.KeyValues))}
	c.KeyValues = append(c.KeyValues, *kvs...)
	r.End = int32(len(c.KeyValues))
	*kvs = (*kvs)[:0]
	return r
}
