package wasmsize

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// Report prints the size of the shipped binary (raw and gzip -9) and the
// top packages by code in named, the same build with its name section.
func Report(w io.Writer, stripped, named string, top int) error {
	raw, err := os.ReadFile(stripped)
	if err != nil {
		return err
	}
	full, err := os.ReadFile(named)
	if err != nil {
		return err
	}
	s, err := ByPackage(full)
	if err != nil {
		return fmt.Errorf("%s: %w", named, err)
	}
	fmt.Fprintf(w, "%s: %d bytes raw, %d bytes gzip -9 (compress/gzip; Workers free plan: 3,000,000; goal 1,000,000)\n", stripped, len(raw), gzipSize(raw))
	fmt.Fprintf(w, "sections of the named build: code %d, data %d, other %d (names, which the shipped build drops)\n\n", s.Code, s.Data, s.Other)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "code bytes\t%\tgzip alone\tfuncs\t package\t")
	rest := Package{Name: "(others)"}
	for i, p := range s.Packages {
		if i >= top {
			rest.Funcs += p.Funcs
			rest.CodeBytes += p.CodeBytes
			rest.GzipBytes += p.GzipBytes
			continue
		}
		fmt.Fprintf(tw, "%d\t%.1f\t%d\t%d\t %s\t\n", p.CodeBytes, 100*float64(p.CodeBytes)/float64(s.Code), p.GzipBytes, p.Funcs, p.Name)
	}
	if rest.Funcs > 0 {
		fmt.Fprintf(tw, "%d\t%.1f\t%d\t%d\t %s (%d packages)\t\n", rest.CodeBytes, 100*float64(rest.CodeBytes)/float64(s.Code), rest.GzipBytes, rest.Funcs, rest.Name, len(s.Packages)-top)
	}
	return tw.Flush()
}
