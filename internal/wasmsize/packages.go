package wasmsize

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Package is the code one Go package contributes to a WebAssembly binary.
type Package struct {
	Name      string
	Funcs     int
	CodeBytes int // the function bodies, raw
	GzipBytes int // those bodies gzip -9 compressed on their own: a rough share of the gzip size
}

// Sections is a wasm binary's size by section, with its code by package.
type Sections struct {
	Total    int
	Code     int // the code section
	Data     int // the data section (Go's static data, type descriptors, strings)
	Other    int // everything else (names, imports, types, ...)
	Packages []Package
}

// ByPackage reads a wasm binary built without -s (so that it has a name
// section) and groups its function bodies by Go package, largest first.
// It is what twiggy does for Rust: what to look at when the bundle grows.
func ByPackage(wasm []byte) (Sections, error) {
	s := Sections{Total: len(wasm)}
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return s, errors.New("wasmsize: not a WebAssembly binary")
	}
	var (
		imports int      // imported functions come first in the index space
		bodies  [][]byte // in order of definition
		names   = map[int]string{}
	)
	r := bytes.NewReader(wasm[8:])
	for r.Len() > 0 {
		id, err := r.ReadByte()
		if err != nil {
			return s, err
		}
		size, err := binary.ReadUvarint(r)
		if err != nil || size > uint64(r.Len()) {
			return s, fmt.Errorf("wasmsize: section %d: bad size", id)
		}
		sec := make([]byte, size)
		if _, err := io.ReadFull(r, sec); err != nil {
			return s, err
		}
		switch id {
		case 2: // imports: count the functions among them
			imports, err = countFuncImports(sec)
		case 10:
			s.Code += len(sec)
			bodies, err = codeBodies(sec)
		case 11:
			s.Data += len(sec)
		case 0:
			err = readNames(sec, names)
		}
		if err != nil {
			return s, fmt.Errorf("wasmsize: section %d: %w", id, err)
		}
		if id != 10 && id != 11 {
			s.Other += len(sec)
		}
	}
	if len(names) == 0 {
		return s, errors.New("wasmsize: no function names: build without -ldflags=-s")
	}
	byPkg := map[string]*Package{}
	code := map[string]*bytes.Buffer{}
	for i, b := range bodies {
		pkg := PackageOf(names[imports+i])
		p := byPkg[pkg]
		if p == nil {
			p = &Package{Name: pkg}
			byPkg[pkg] = p
			code[pkg] = new(bytes.Buffer)
		}
		p.Funcs++
		p.CodeBytes += len(b)
		code[pkg].Write(b)
	}
	for name, p := range byPkg {
		p.GzipBytes = gzipSize(code[name].Bytes())
		s.Packages = append(s.Packages, *p)
	}
	sort.Slice(s.Packages, func(i, j int) bool {
		a, b := s.Packages[i], s.Packages[j]
		if a.CodeBytes != b.CodeBytes {
			return a.CodeBytes > b.CodeBytes
		}
		return a.Name < b.Name
	})
	return s, nil
}

// PackageOf is the Go package of a function as the wasm name section
// spells it. Go's linker writes "/", "(", ")", "*", "[", "]" and spaces as
// "_" there, so the package comes back with "_" read as "/" (right for the
// standard library and most modules):
// "github.com_x_y_pqenc.__Writer_.Finish" → "github.com/x/y/pqenc",
// "type_.eq.[2]string" → "type:" (compiler-made equality and hash
// functions), names without a package (assembly helpers) → "(runtime asm)".
func PackageOf(sym string) string {
	if strings.HasPrefix(sym, "type_.") {
		return "type:"
	}
	rest, off := sym, 0
	if us := strings.IndexByte(sym, '_'); us > 0 && isDomain(sym[:us]) {
		off = us + 1 // a module path starting with a domain: github.com_...
		rest = sym[off:]
	}
	dot := strings.IndexByte(rest, '.')
	if dot < 0 {
		return "(runtime asm)"
	}
	return strings.ReplaceAll(sym[:off+dot], "_", "/")
}

// isDomain tells a module path's first element (github.com, golang.org)
// from a package and function name (runtime.mallocgc, slices.Sort).
func isDomain(s string) bool {
	dot := strings.LastIndexByte(s, '.')
	if dot <= 0 {
		return false
	}
	switch s[dot+1:] {
	case "com", "org", "net", "io", "dev", "in", "co", "cc", "me", "sh", "xyz", "cloud", "tech", "app", "gov", "edu", "eu", "de", "uk", "fr":
		return true
	}
	return false
}

func countFuncImports(sec []byte) (int, error) {
	r := bytes.NewReader(sec)
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, err
	}
	funcs := 0
	for range n {
		for range 2 { // module and field names
			if err := skipBytes(r); err != nil {
				return 0, err
			}
		}
		kind, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		switch kind {
		case 0: // function: type index
			funcs++
			_, err = binary.ReadUvarint(r)
		case 1: // table: element type, limits
			if _, err = r.ReadByte(); err == nil {
				err = skipLimits(r)
			}
		case 2: // memory: limits
			err = skipLimits(r)
		case 3: // global: value type, mutability
			_, err = r.Seek(2, io.SeekCurrent)
		default:
			err = fmt.Errorf("import kind %d", kind)
		}
		if err != nil {
			return 0, err
		}
	}
	return funcs, nil
}

func skipLimits(r *bytes.Reader) error {
	flags, err := r.ReadByte()
	if err != nil {
		return err
	}
	if _, err := binary.ReadUvarint(r); err != nil {
		return err
	}
	if flags&1 != 0 {
		_, err = binary.ReadUvarint(r)
	}
	return err
}

func skipBytes(r *bytes.Reader) error {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return err
	}
	if n > uint64(r.Len()) {
		return io.ErrUnexpectedEOF
	}
	_, err = r.Seek(int64(n), io.SeekCurrent)
	return err
}

func codeBodies(sec []byte) ([][]byte, error) {
	r := bytes.NewReader(sec)
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, 0, n)
	for range n {
		size, err := binary.ReadUvarint(r)
		if err != nil || size > uint64(r.Len()) {
			return nil, errors.New("bad function body size")
		}
		off := len(sec) - r.Len()
		bodies = append(bodies, sec[off:off+int(size)])
		if _, err := r.Seek(int64(size), io.SeekCurrent); err != nil {
			return nil, err
		}
	}
	return bodies, nil
}

// readNames reads the function names of a "name" custom section into names.
func readNames(sec []byte, names map[int]string) error {
	r := bytes.NewReader(sec)
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return errors.New("bad custom section name")
	}
	title := make([]byte, n)
	if _, err := io.ReadFull(r, title); err != nil || string(title) != "name" {
		return err // another custom section: not an error
	}
	for r.Len() > 0 {
		id, err := r.ReadByte()
		if err != nil {
			return err
		}
		size, err := binary.ReadUvarint(r)
		if err != nil || size > uint64(r.Len()) {
			return errors.New("bad name subsection")
		}
		sub := make([]byte, size)
		if _, err := io.ReadFull(r, sub); err != nil {
			return err
		}
		if id != 1 { // function names
			continue
		}
		sr := bytes.NewReader(sub)
		count, err := binary.ReadUvarint(sr)
		if err != nil {
			return err
		}
		for range count {
			idx, err := binary.ReadUvarint(sr)
			if err != nil {
				return err
			}
			l, err := binary.ReadUvarint(sr)
			if err != nil || l > uint64(sr.Len()) {
				return errors.New("bad function name")
			}
			b := make([]byte, l)
			if _, err := io.ReadFull(sr, b); err != nil {
				return err
			}
			names[int(idx)] = string(b)
		}
	}
	return nil
}

// GzipSize is the size of b compressed by compress/gzip at level 9, within
// about 1 % of GNU gzip -9.
func GzipSize(b []byte) int { return gzipSize(b) }

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}
