package pqenc

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/otlp2parquet/otlp2parquet/internal/fmtlite"
)

// Repetition is a Parquet field repetition (thrift FieldRepetitionType values).
type Repetition uint8

// Repetitions.
const (
	Required Repetition = 0
	Optional Repetition = 1
	Repeated Repetition = 2
)

// Type is a Parquet physical type (thrift Type values; INT96 is not supported).
type Type uint8

// Physical types.
const (
	Boolean           Type = 0
	Int32             Type = 1
	Int64             Type = 2
	Float             Type = 4
	Double            Type = 5
	ByteArray         Type = 6
	FixedLenByteArray Type = 7
)

// Logical is the logical annotation of a node. New values may be added.
type Logical uint8

// Logical annotations. Plain signed Int32/Int64 columns use None.
const (
	None              Logical = iota
	String                    // BYTE_ARRAY: STRING (converted UTF8)
	TimestampNanosUTC         // INT64: TIMESTAMP(isAdjustedToUTC=true, NANOS)
	Uint32                    // INT32: INT(32, false) (converted UINT_32)
	Uint64                    // INT64: INT(64, false) (converted UINT_64)
	Map                       // group: MAP (converted MAP)
	List                      // group: LIST (converted LIST)
)

// Node describes a field: a leaf when Children is empty, otherwise a group.
type Node struct {
	Name       string
	Repetition Repetition
	Type       Type // leaves only
	Length     int  // FixedLenByteArray width in bytes
	Logical    Logical
	Dictionary bool   // leaves: try dictionary encoding (ignored for Boolean)
	Children   []Node // non-empty means a group
}

// Leaf is a primitive column of a schema with its path and maximum levels.
type Leaf struct {
	Path   []string
	MaxDef uint8
	MaxRep uint8
	Node   *Node

	name   string    // dotted path, for errors
	repDef [16]uint8 // repDef[r] = definition level of the r-th repeated ancestor (r >= 1)
	sib    int       // first leaf under the same innermost repeated node, -1 if not repeated

	thriftPath []byte // path_in_schema's elements (thrift compact)
}

// Schema is a validated Parquet schema.
type Schema struct {
	fields []Node
	leaves []Leaf
	nodes  []*Node // depth-first, for the footer

	repNode []*Node // per leaf: innermost repeated ancestor (NewSchema only)

	// Footer parts that only depend on the schema (thrift compact).
	thriftSchema []byte // the schema elements, root first
	thriftOrders []byte // one TYPE_ORDER column order per leaf
}

const maxDepth = 15 // levels fit easily in a byte; repDef is sized for it

// NewSchema validates fields and computes the leaf columns. The fields are
// deep-copied; later changes by the caller do not affect the schema.
func NewSchema(fields []Node) (*Schema, error) {
	if len(fields) == 0 {
		return nil, fmtlite.Errorf("pqenc: schema has no fields")
	}
	s := &Schema{fields: copyNodes(fields)}
	if err := checkNames(s.fields, ""); err != nil {
		return nil, err
	}
	var path []string
	var repDef []uint8
	for i := range s.fields {
		if err := s.walk(&s.fields[i], path, 0, 0, repDef, nil); err != nil {
			return nil, err
		}
	}
	first := map[*Node]int{}
	for i := range s.leaves {
		l := &s.leaves[i]
		if l.sib < 0 {
			continue
		}
		if j, ok := first[s.repNode[i]]; ok {
			l.sib = j
		} else {
			first[s.repNode[i]] = i
			l.sib = i
		}
	}
	s.repNode = nil
	s.footer()
	return s, nil
}

// footer precomputes the parts of the footer that only depend on the
// schema: the schema elements, each leaf's path and the column orders.
func (s *Schema) footer() {
	var t tw
	t.push() // root
	t.str(4, "schema")
	t.i32(5, int32(len(s.fields)))
	t.end()
	for _, n := range s.nodes {
		t.schemaElement(n)
	}
	s.thriftSchema = t.b
	for i := range s.leaves {
		l := &s.leaves[i]
		var p []byte
		for _, name := range l.Path {
			p = binary.AppendUvarint(p, uint64(len(name)))
			p = append(p, name...)
		}
		l.thriftPath = p
	}
	// Each ColumnOrder is a TYPE_ORDER: an empty struct in field 1.
	s.thriftOrders = bytes.Repeat([]byte{1<<4 | ctStruct, 0, 0}, len(s.leaves))
}

func copyNodes(in []Node) []Node {
	out := make([]Node, len(in))
	copy(out, in)
	for i := range out {
		if len(out[i].Children) > 0 {
			out[i].Children = copyNodes(out[i].Children)
		} else {
			out[i].Children = nil
		}
	}
	return out
}

func checkNames(nodes []Node, parent string) error {
	seen := make(map[string]bool, len(nodes))
	for i := range nodes {
		n := nodes[i].Name
		if n == "" {
			return fmtlite.Errorf("pqenc: field %d of %q has an empty name", i, parent)
		}
		if seen[n] {
			return fmtlite.Errorf("pqenc: duplicate field name %q in %q", n, parent)
		}
		seen[n] = true
	}
	return nil
}

func (s *Schema) walk(n *Node, path []string, def, rep uint8, repDef []uint8, repNode *Node) error {
	path = append(path[:len(path):len(path)], n.Name)
	name := strings.Join(path, ".")
	if len(path) > maxDepth {
		return fmtlite.Errorf("pqenc: field %q: nesting deeper than %d", name, maxDepth)
	}
	switch n.Repetition {
	case Required:
	case Optional:
		def++
	case Repeated:
		def++
		rep++
		repDef = append(repDef[:len(repDef):len(repDef)], def)
		repNode = n
	default:
		return fmtlite.Errorf("pqenc: field %q: invalid repetition %d", name, int(n.Repetition))
	}
	s.nodes = append(s.nodes, n)
	if len(n.Children) == 0 {
		if err := checkLeaf(n, name); err != nil {
			return err
		}
		l := Leaf{Path: path, MaxDef: def, MaxRep: rep, Node: n, name: name, sib: -1}
		if rep > 0 {
			l.sib = 0
		}
		copy(l.repDef[1:], repDef)
		s.leaves = append(s.leaves, l)
		s.repNode = append(s.repNode, repNode)
		return nil
	}
	if err := checkNames(n.Children, name); err != nil {
		return err
	}
	switch n.Logical {
	case None:
	case Map:
		if err := checkMap(n, name); err != nil {
			return err
		}
	case List:
		if err := checkList(n, name); err != nil {
			return err
		}
	default:
		return fmtlite.Errorf("pqenc: group %q: logical type %d is not valid on a group", name, int(n.Logical))
	}
	for i := range n.Children {
		if err := s.walk(&n.Children[i], path, def, rep, repDef, repNode); err != nil {
			return err
		}
	}
	return nil
}

func checkLeaf(n *Node, name string) error {
	switch n.Type {
	case Boolean, Int32, Int64, Float, Double, ByteArray:
		if n.Length != 0 {
			return fmtlite.Errorf("pqenc: column %q: Length %d set on a non-FixedLenByteArray column", name, n.Length)
		}
	case FixedLenByteArray:
		if n.Length <= 0 || n.Length > 1<<24 {
			return fmtlite.Errorf("pqenc: column %q: invalid FixedLenByteArray length %d", name, n.Length)
		}
	default:
		return fmtlite.Errorf("pqenc: column %q: unsupported physical type %d", name, int(n.Type))
	}
	ok := false
	switch n.Logical {
	case None:
		ok = true
	case String:
		ok = n.Type == ByteArray
	case TimestampNanosUTC, Uint64:
		ok = n.Type == Int64
	case Uint32:
		ok = n.Type == Int32
	}
	if !ok {
		return fmtlite.Errorf("pqenc: column %q: logical type %d does not fit physical type %d", name, int(n.Logical), int(n.Type))
	}
	return nil
}

// checkMap enforces the standard 3-level MAP shape:
// <required|optional> group X (MAP) { repeated group key_value { required key; <required|optional> value } }.
func checkMap(n *Node, name string) error {
	bad := func(why string) error { return fmtlite.Errorf("pqenc: map %q: %s", name, why) }
	if n.Repetition == Repeated {
		return bad("a MAP group must not be repeated")
	}
	if len(n.Children) != 1 {
		return bad("must have exactly one child group key_value")
	}
	kv := &n.Children[0]
	if kv.Name != "key_value" || kv.Repetition != Repeated || len(kv.Children) != 2 || kv.Logical != None {
		return bad("child must be a repeated, unannotated group key_value with two fields")
	}
	k, v := &kv.Children[0], &kv.Children[1]
	if k.Name != "key" || k.Repetition != Required {
		return bad("first key_value field must be a required field named key")
	}
	if v.Name != "value" || v.Repetition == Repeated {
		return bad("second key_value field must be a required or optional field named value")
	}
	return nil
}

// checkList enforces the standard 3-level LIST shape:
// <required|optional> group X (LIST) { repeated group list { <required|optional> element } }.
func checkList(n *Node, name string) error {
	bad := func(why string) error { return fmtlite.Errorf("pqenc: list %q: %s", name, why) }
	if n.Repetition == Repeated {
		return bad("a LIST group must not be repeated")
	}
	if len(n.Children) != 1 {
		return bad("must have exactly one child group list")
	}
	l := &n.Children[0]
	if l.Name != "list" || l.Repetition != Repeated || len(l.Children) != 1 || l.Logical != None {
		return bad("child must be a repeated, unannotated group list with one field")
	}
	if e := &l.Children[0]; e.Name != "element" || e.Repetition == Repeated {
		return bad("list field must be a required or optional field named element")
	}
	return nil
}

// Leaves returns the leaf columns in depth-first order, the order of
// WriteRows' cols. The result must not be modified.
func (s *Schema) Leaves() []Leaf { return s.leaves }
