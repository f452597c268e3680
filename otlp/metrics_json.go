package otlp

import "math"

// DecodeMetricsJSON appends the OTLP/JSON ExportMetricsServiceRequest (or
// MetricsData) in b to m, reading JSON as DecodeLogsJSON does (see there:
// names, nulls, numbers, ids, what is rejected). Repeated numbers are JSON
// arrays of numbers (64-bit ones also as strings); doubles may be "NaN",
// "Infinity" or "-Infinity"; aggregationTemporality is an integer or its
// name ("AGGREGATION_TEMPORALITY_CUMULATIVE"). Like protojson it rejects two
// members of a oneof (a Metric's data, a value's asDouble and asInt). On
// error m holds a partial result: Reset it.
func (d *Decoder) DecodeMetricsJSON(m *Metrics, b []byte) error {
	d.m = m
	return d.jsonInput(&m.Common, b, "json", "resourceMetrics", d.jResourceMetrics)
}

// DecodeMetricsJSON decodes with a fresh Decoder; see Decoder.DecodeMetricsJSON.
func DecodeMetricsJSON(m *Metrics, b []byte) error {
	var d Decoder
	return d.DecodeMetricsJSON(m, b)
}

// DecodeMetricsJSONLines appends to m each line of b, one OTLP/JSON
// ExportMetricsServiceRequest a line, as DecodeLogsJSONLines reads logs.
func (d *Decoder) DecodeMetricsJSONLines(m *Metrics, b []byte) error {
	d.m = m
	return d.jsonInput(&m.Common, b, "jsonl", "resourceMetrics", d.jResourceMetrics)
}

// DecodeMetricsJSONLines decodes with a fresh Decoder; see Decoder.DecodeMetricsJSONLines.
func DecodeMetricsJSONLines(m *Metrics, b []byte) error {
	var d Decoder
	return d.DecodeMetricsJSONLines(m, b)
}

func (d *Decoder) jResourceMetrics() error {
	m := d.m
	m.Resources = append(m.Resources, ResourceMetrics{})
	r := &m.Resources[len(m.Resources)-1]
	start := int32(len(m.Scopes))
	err := d.jgroup(&r.Resource, nil, &r.SchemaURL, "scopeMetrics", d.jScopeMetrics)
	r.Scopes = Range{start, int32(len(m.Scopes))}
	return err
}

func (d *Decoder) jScopeMetrics() error {
	m := d.m
	m.Scopes = append(m.Scopes, ScopeMetrics{})
	s := &m.Scopes[len(m.Scopes)-1]
	start := int32(len(m.Metrics))
	err := d.jgroup(nil, &s.Scope, &s.SchemaURL, "metrics", d.jMetric)
	s.Metrics = Range{start, int32(len(m.Metrics))}
	return err
}

// metricTypeJSON are the JSON names of Metric's data members, by MetricType.
var metricTypeJSON = [...]string{MetricGauge: "gauge", MetricSum: "sum", MetricHistogram: "histogram",
	MetricExponentialHistogram: "exponentialHistogram", MetricSummary: "summary"}

func (d *Decoder) jMetric() error {
	var mt Metric
	var seen uint32
	kvs := &d.mkvs[0]
	err := func() error {
		for first := true; ; first = false {
			k, more, err := d.jmember(first)
			if err != nil || !more {
				return err
			}
			var s *string
			var bit uint32
			switch k {
			case "name":
				s, bit = &mt.Name, 1<<13
			case "description":
				s, bit = &mt.Description, 1<<14
			case "unit":
				s, bit = &mt.Unit, 1<<15
			case "metadata":
				if more, err = d.jfield(&seen, 1<<12, k); more {
					err = d.jarray(k, func() (err error) {
						*kvs, err = d.jKeyValue(*kvs, 0)
						return err
					})
				}
			default:
				t := MetricGauge
				for t <= MetricSummary && k != metricTypeJSON[t] && k != t.String() {
					t++
				}
				if t > MetricSummary {
					err = d.jskip(0)
					break
				}
				name := metricTypeJSON[t]
				if more, err = d.jfield(&seen, 1<<t, name); !more {
					break
				}
				if mt.Type != MetricEmpty {
					return within(d.jerr(d.keyAt, "%s is set too: only one data may be", metricTypeJSON[mt.Type]), name, -1)
				}
				mt.Type = t
				err = within(d.jMetricData(&mt), name, -1)
			}
			if s != nil {
				if more, err = d.jfield(&seen, bit, k); more {
					*s, err = d.jstr(true)
					err = within(err, k, -1)
				}
			}
			if err != nil {
				return err
			}
		}
	}()
	mt.Metadata = d.keepKVs(kvs)
	d.m.Metrics = append(d.m.Metrics, mt)
	return err
}

func (d *Decoder) jMetricData(mt *Metric) error {
	start := d.m.points(mt.Type)
	var seen uint32
	err := func() error {
		for first := true; ; first = false {
			k, more, err := d.jmember(first)
			if err != nil || !more {
				return err
			}
			switch {
			case k == "dataPoints" || k == "data_points":
				if more, err = d.jfield(&seen, 1, "dataPoints"); more {
					err = d.jarray("dataPoints", func() error {
						var p point
						err := d.jPoint(pointFields[mt.Type], &p, &d.kvs[0])
						d.m.appendPoint(mt.Type, &p)
						return err
					})
				}
			case (k == "aggregationTemporality" || k == "aggregation_temporality") && hasTemporality(mt.Type):
				if more, err = d.jfield(&seen, 2, "aggregationTemporality"); more {
					mt.AggregationTemporality, err = d.jtemporality()
					err = within(err, "aggregationTemporality", -1)
				}
			case (k == "isMonotonic" || k == "is_monotonic") && mt.Type == MetricSum:
				if more, err = d.jfield(&seen, 4, "isMonotonic"); more {
					mt.IsMonotonic, err = d.jbool()
					err = within(err, "isMonotonic", -1)
				}
			default:
				err = d.jskip(0)
			}
			if err != nil {
				return err
			}
		}
	}()
	mt.Points = Range{int32(start), int32(d.m.points(mt.Type))}
	return err
}

var temporalityNames = [...]string{"AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"}

// jtemporality reads an AggregationTemporality as its number or its name.
func (d *Decoder) jtemporality() (int32, error) {
	if d.jws() == '"' {
		at := d.pos
		s, err := d.jstr(false)
		if err != nil {
			return 0, err
		}
		for i, name := range temporalityNames {
			if s == name {
				return int32(i), nil
			}
		}
		return 0, d.jerr(at, "%s is not an AggregationTemporality", quote(s))
	}
	v, err := d.jinteger(32, true)
	return int32(v), err
}

// jPoint reads the JSON object at d.pos by its table fields into p (see point).
func (d *Decoder) jPoint(fields []pointField, p *point, kvs *[]KeyValue) error {
	m := d.m
	k := m.marks()
	err := d.jPointFields(fields, p, kvs, k)
	d.finish(p, k, kvs)
	return err
}

func (d *Decoder) jPointFields(fields []pointField, p *point, kvs *[]KeyValue, k pointMarks) error {
	m := d.m
	var seen uint32
	for first := true; ; first = false {
		key, more, err := d.jmember(first)
		if err != nil || !more {
			return err
		}
		i := len(fields) - 1
		for i > 0 && (fields[i].kind == pkSkip || key != fields[i].jname && key != fields[i].name) {
			i--
		}
		if i == 0 {
			if err := d.jskip(0); err != nil {
				return err
			}
			continue
		}
		f := &fields[i]
		if more, err = d.jfield(&seen, 1<<i, f.jname); !more {
			if err != nil {
				return err
			}
			continue
		}
		if (f.kind == pkAsDouble || f.kind == pkAsInt) && p.value.Kind != NumberEmpty {
			other := "asInt"
			if p.value.Kind == NumberDouble {
				other = "asDouble"
			}
			return within(d.jerr(d.keyAt, "%s is set too: only one value may be", other), f.jname, -1)
		}
		var u uint64
		var x float64
		q := &d.sub // these hold nothing that uses it again
		switch f.kind {
		case pkFixed64:
			u, err = d.jinteger(64, false)
		case pkDouble, pkAsDouble:
			x, err = d.jdouble()
			u = math.Float64bits(x)
		case pkAsInt:
			u, err = d.jinteger(64, true)
		case pkFlags:
			u, err = d.jinteger(32, false)
		case pkSint32:
			u, err = d.jinteger(32, true)
			u = protowireZigZag32(int32(u))
		case pkID:
			p.ids[f.slot], err = d.jid(8 << f.slot)
		case pkFixed64s, pkVarints:
			err = d.jarray(f.jname, func() error {
				u, err := d.jinteger(64, false)
				m.Uint64s = append(m.Uint64s, u)
				return err
			})
		case pkDoubles:
			err = d.jarray(f.jname, func() error {
				x, err := d.jdouble()
				m.Float64s = append(m.Float64s, x)
				return err
			})
		case pkAttrs:
			err = d.jarray(f.jname, func() (err error) {
				*kvs, err = d.jKeyValue(*kvs, 0)
				return err
			})
		case pkExemplars:
			err = d.jarray(f.jname, func() error {
				*q = point{}
				err := d.jPoint(exemplarFields, q, &d.mkvs[1])
				m.appendExemplar(q)
				return err
			})
		case pkQuantiles:
			err = d.jarray(f.jname, func() error {
				*q = point{}
				err := d.jPoint(quantileFields, q, nil)
				m.Quantiles = append(m.Quantiles, Quantile{q.f[0], q.f[1]})
				return err
			})
		case pkBuckets:
			*q = point{}
			err = within(d.jPoint(bucketsFields, q, nil), f.jname, -1)
			p.buckets[f.slot] = Buckets{q.i32, q.u64s}
		}
		if err != nil {
			if f.kind < pkFixed64s { // jarray and the messages name their own errors
				err = within(err, f.jname, -1)
			}
			return err
		}
		if f.kind < pkID {
			p.set(f, u)
		}
	}
}

// protowireZigZag32 is the zigzag encoding of v, which point.set decodes.
func protowireZigZag32(v int32) uint64 { return uint64(uint32(v<<1) ^ uint32(v>>31)) }
