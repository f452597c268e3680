package fmtlite

import (
	"bytes"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const self = "github.com/otlp2parquet/otlp2parquet/internal/fmtlite"

// TestCallSites is go vet's printf check for this package's rules: every call
// of Sprintf, Appendf, Errorf, or of a function of the module that passes its
// (format string, args ...any) on to them (otlp's error helpers), has as many
// arguments as verbs, and each argument is of a type its verb supports here,
// such as int rather than a named integer type. Checked for the host and for
// js/wasm, the Worker's platform.
func TestCallSites(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the module")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		checked := 0
		for _, p := range listPackages(t, root, env) {
			if !strings.Contains(" "+p.imports+" ", " "+self+" ") {
				continue
			}
			checkPackage(t, p, env)
			checked++
		}
		if checked < 5 {
			t.Errorf("%v: only %d packages use fmtlite", env, checked)
		}
	}
}

type pkgInfo struct {
	path, dir, imports string
	files              []string
	exports            map[string]string // import path → export data file, of its dependencies
}

func goList(t *testing.T, root string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.Bytes())
	}
	return string(out)
}

func listPackages(t *testing.T, root string, env []string) []*pkgInfo {
	var pkgs []*pkgInfo
	out := goList(t, root, env, "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \" \"}}\t{{join .Imports \" \"}}", "./...")
	var using []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 || f[2] == "" {
			continue
		}
		p := &pkgInfo{path: f[0], dir: f[1], files: strings.Fields(f[2]), imports: f[3]}
		pkgs = append(pkgs, p)
		if strings.Contains(" "+p.imports+" ", " "+self+" ") {
			using = append(using, p.path)
		}
	}
	exports := map[string]string{}
	if len(using) > 0 {
		out = goList(t, root, env, append([]string{"-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, using...)...)
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if path, file, ok := strings.Cut(line, "\t"); ok && file != "" {
				exports[path] = file
			}
		}
	}
	for _, p := range pkgs {
		p.exports = exports
	}
	return pkgs
}

func checkPackage(t *testing.T, p *pkgInfo, env []string) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range p.files {
		f, err := parser.ParseFile(fset, filepath.Join(p.dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := p.exports[path]
		if !ok {
			return nil, os.ErrNotExist
		}
		return os.Open(file)
	})
	arch := "amd64"
	if len(env) > 0 {
		arch = "wasm"
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: imp, Sizes: types.SizesFor("gc", arch)}
	pkg, err := conf.Check(p.path, fset, files, info)
	if err != nil {
		t.Fatalf("%s: %v", p.path, err)
	}
	// The printers: fmtlite's, and this package's functions that forward
	// their format and arguments to one of them.
	printers := map[types.Object]bool{}
	for _, name := range []string{"Sprintf", "Appendf", "Errorf"} {
		for _, ip := range pkg.Imports() {
			if ip.Path() == self {
				printers[ip.Scope().Lookup(name)] = true
			}
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || !printfShaped(info.Defs[fd.Name]) {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok && call.Ellipsis.IsValid() && printers[callee(info, call)] {
					printers[info.Defs[fd.Name]] = true
				}
				return true
			})
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || call.Ellipsis.IsValid() || !printers[callee(info, call)] {
				return true
			}
			sig := info.Types[call.Fun].Type.(*types.Signature)
			fi := sig.Params().Len() - 2
			pos := fset.Position(call.Pos())
			tv := info.Types[call.Args[fi]]
			if tv.Value == nil || tv.Value.Kind() != constant.String {
				t.Errorf("%s: the format is not a constant string", pos)
				return true
			}
			checkCall(t, pos, constant.StringVal(tv.Value), call.Args[fi+1:], info)
			return true
		})
	}
}

func printfShaped(obj types.Object) bool {
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Type().(*types.Signature)
	n := sig.Params().Len()
	if !sig.Variadic() || n < 2 {
		return false
	}
	format := sig.Params().At(n - 2)
	return format.Name() == "format" && types.Identical(format.Type(), types.Typ[types.String])
}

func callee(info *types.Info, call *ast.CallExpr) types.Object {
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		return info.Uses[fun]
	case *ast.SelectorExpr:
		return info.Uses[fun.Sel]
	}
	return nil
}

func checkCall(t *testing.T, pos token.Position, format string, args []ast.Expr, info *types.Info) {
	t.Helper()
	errType := types.Universe.Lookup("error").Type().Underlying().(*types.Interface)
	n := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '#' {
			i++
		}
		if i >= len(format) {
			t.Errorf("%s: %q ends in %%", pos, format)
			return
		}
		verb := format[i]
		if verb == '%' {
			continue
		}
		if n >= len(args) {
			t.Errorf("%s: %q: missing argument for %%%c", pos, format, verb)
			return
		}
		typ := info.Types[args[n]].Type
		n++
		if !fits(verb, typ, errType) {
			t.Errorf("%s: %q: %%%c with an argument of type %s: unsupported by fmtlite", pos, format, verb, typ)
		}
	}
	if n != len(args) {
		t.Errorf("%s: %q: %d arguments for %d verbs", pos, format, len(args), n)
	}
}

func fits(verb byte, typ types.Type, errType *types.Interface) bool {
	typ = types.Unalias(typ)
	isErr := types.Implements(typ, errType)
	isStringer := hasString(typ)
	basic, _ := typ.(*types.Basic) // predeclared types only, not named ones
	isInt := basic != nil && basic.Info()&types.IsInteger != 0
	isString := basic != nil && basic.Kind() == types.String
	isBytes := false
	if s, ok := typ.(*types.Slice); ok {
		if e, ok := s.Elem().(*types.Basic); ok && e.Kind() == types.Byte {
			isBytes = true
		}
	}
	iface, _ := typ.(*types.Interface)
	isAny := iface != nil && iface.Empty()
	switch verb {
	case 'w':
		return isErr
	case 's', 'q':
		return isString || isBytes || isErr || isStringer || isAny
	case 'v':
		return isString || isErr || isStringer || isInt || isAny || basic != nil && basic.Kind() == types.Bool
	case 'd', 'x', 'c':
		return isInt
	}
	return false
}

func hasString(typ types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(typ, false, nil, "String")
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Type().(*types.Signature)
	return sig.Params().Len() == 0 && sig.Results().Len() == 1 && types.Identical(sig.Results().At(0).Type(), types.Typ[types.String])
}
