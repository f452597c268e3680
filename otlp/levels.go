package otlp

import "google.golang.org/protobuf/encoding/protowire"

// The levels every signal shares, written once: a request's repeated
// Resource* messages, and the Resource* and Scope* messages, which hold a
// resource or scope, the list of the level below and a schema URL. (The logs
// decoder predates these and has its own copies, tuned for its records.)

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

// request decodes an Export*ServiceRequest: each of its field 1 (name) goes to each.
func (d *Decoder) request(b []byte, name string, each func([]byte) error) error {
	i := 0
	return d.fields(b, func(num protowire.Number, typ protowire.Type, b []byte, n int) ([]byte, error) {
		if num != 1 {
			return d.skip(b, n, num, typ)
		}
		v, rest, err := d.message(b, n, typ, name)
		if err == nil {
			err = within(each(v), name, i)
			i++
		}
		return rest, err
	})
}

// level decodes a Resource* message (res set) or a Scope* message (scope
// set): field 1 the resource or scope, 2 the repeated child (each decodes
// one), 3 the schema URL.
func (d *Decoder) level(b []byte, res *Resource, scope *Scope, schemaURL *string, child string, each func([]byte) error) error {
	name := "resource"
	if scope != nil {
		name = "scope"
	}
	have := false
	i := 0
	return d.fields(b, func(num protowire.Number, typ protowire.Type, b []byte, n int) ([]byte, error) {
		var v []byte
		var err error
		switch num {
		case 1:
			at := b
			if v, b, err = d.message(b, n, typ, name); err != nil {
				return nil, err
			}
			if have {
				return nil, within(d.errAt(at, "%s given twice", name), name, -1)
			}
			have = true
			if res != nil {
				err = d.resource(v, res)
			} else {
				err = d.scope(v, scope)
			}
			err = within(err, name, -1)
		case 2:
			if v, b, err = d.message(b, n, typ, child); err != nil {
				return nil, err
			}
			err = within(each(v), child, i)
			i++
		case 3:
			*schemaURL, b, err = d.str(b, n, typ, "schema_url")
		default:
			return d.skip(b, n, num, typ)
		}
		return b, err
	})
}

// jRequestOf reads an Export*ServiceRequest in JSON: each element of its
// list name (or snake) goes to each.
func (d *Decoder) jRequestOf(name, snake string, each func() error) error {
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil || !more {
			return err
		}
		if k == name || k == snake {
			if more, err = d.jfield(&seen, 1, name); more {
				err = d.jarray(name, each)
			}
		} else {
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
}

// jLevel is level for JSON: the child list is named child (or snake).
func (d *Decoder) jLevel(res *Resource, scope *Scope, schemaURL *string, child, snake string, each func() error) error {
	var seen uint32
	for first := true; ; first = false {
		k, more, err := d.jmember(first)
		if err != nil || !more {
			return err
		}
		switch {
		case k == "resource" && res != nil:
			if more, err = d.jfield(&seen, 1, k); more {
				err = within(d.jResource(res), k, -1)
			}
		case k == "scope" && scope != nil:
			if more, err = d.jfield(&seen, 1, k); more {
				err = within(d.jScope(scope), k, -1)
			}
		case k == child || k == snake:
			if more, err = d.jfield(&seen, 2, child); more {
				err = d.jarray(child, each)
			}
		case k == "schemaUrl" || k == "schema_url":
			if more, err = d.jfield(&seen, 4, "schemaUrl"); more {
				*schemaURL, err = d.jstr(true)
				err = within(err, "schemaUrl", -1)
			}
		default:
			err = d.jskip(0)
		}
		if err != nil {
			return err
		}
	}
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
