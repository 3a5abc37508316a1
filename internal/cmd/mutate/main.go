// Command mutate is a small mutation tester for one Go package: it changes
// the package's code one small way at a time (a mutant), runs the package's
// tests against each mutant, and lists the mutants no test noticed
// (survivors). The source tree is never written: each mutant is handed to
// `go test` through an -overlay file.
//
// Mutant kinds:
//
//	COMPARE   == ↔ !=, < → <= and >=, <= → < and >, > → >= and <=, >= → > and <
//	LOGIC     && ↔ ||
//	BOOL      true ↔ false, !x → x
//	CONST     an integer literal N → N+1 and N-1
//	RETURN    a return statement inside an if (a guard) deleted
//	APPEND    a statement x = append(x, …) deleted
//	CONTINUE  a continue or break statement deleted
//	VERDICT   one identifier of -verdicts replaced by the next (Pass → Warn → Fail → Pass)
//
// A mutant whose package does not build (e.g. a variable left unused) is not
// counted. A mutant is killed when a test fails or the test binary runs past
// -timeout; it survives when the tests pass.
//
// Equivalent mutants (a change no behaviour can tell apart) are listed, one
// ID per line with the reason after " -- ", in the package's
// testdata/mutate-equivalent.txt; they are still run and counted as
// survivors in the score, but reported as "equivalent" instead of "SURVIVED".
// An ID is file:function:kind:from→to#n (n counts identical changes in the
// same function), so it survives edits elsewhere in the file.
//
// Usage:
//
//	go run ./internal/cmd/mutate [-timeout 60s] [-j 1] [-only REGEXP] [-list] ./coiled
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

type mutant struct {
	file     string // absolute path
	rel      string // path relative to the module root
	line     int
	start    int // byte offsets of the replaced text
	end      int
	repl     string
	kind     string
	from, to string
	fn       string
	id       string

	// For the schemata build (schema.go): the span of the node the mutant
	// changes and how to write it changed at run time.
	site     [2]int // node span (byte offsets)
	x, y     [2]int // operand spans (binary: x, y; unary !: x)
	alt      string // COMPARE/LOGIC: the other operator; BOOL ident: the other value; VERDICT: the other name
	delta    int    // CONST: +1 or -1
	noSchema bool   // only testable with a build of its own
}

type result int

const (
	killed result = iota
	survived
	buildFailed
	timedOut
)

func main() {
	timeout := flag.Duration("timeout", 60*time.Second, "time limit of one mutant's test run")
	jobs := flag.Int("j", 1, "mutants tested at once (the machine is shared: keep it low)")
	only := flag.String("only", "", "test only mutants whose ID matches `REGEXP`")
	list := flag.Bool("list", false, "list the mutants and exit")
	verdicts := flag.String("verdicts", "Pass,Warn,Fail", "identifiers rotated by VERDICT mutants (comma-separated)")
	noSchemata := flag.Bool("no-schemata", false, "build every mutant on its own (slow) instead of one schemata build")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: mutate [flags] PACKAGE (e.g. ./coiled)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	pkg := flag.Arg(0)
	dir, name, files, root, err := listPackage(pkg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(2)
	}
	var onlyRE *regexp.Regexp
	if *only != "" {
		if onlyRE, err = regexp.Compile(*only); err != nil {
			fmt.Fprintln(os.Stderr, "mutate: -only:", err)
			os.Exit(2)
		}
	}
	var all []mutant
	for _, f := range files {
		ms, err := mutants(f, root, strings.Split(*verdicts, ","))
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(2)
		}
		for _, m := range ms {
			if onlyRE == nil || onlyRE.MatchString(m.id) {
				all = append(all, m)
			}
		}
	}
	equivalent, err := readEquivalent(filepath.Join(dir, "testdata", "mutate-equivalent.txt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(2)
	}
	if *list {
		for _, m := range all {
			fmt.Printf("%s:%d %s\n", m.rel, m.line, m.id)
		}
		fmt.Printf("%d mutants\n", len(all))
		return
	}

	tmp, err := os.MkdirTemp("", "mutate-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(2)
	}
	defer os.RemoveAll(tmp)

	start := time.Now()
	inSchema := make([]bool, len(all))
	bin := ""
	if !*noSchemata {
		b, in, err := buildSchemata(all, pkg, dir, name, root, tmp, *timeout)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mutate: no schemata build, every mutant is built on its own: %v\n", err)
		} else {
			bin, inSchema = b, in
		}
		n := 0
		for _, in := range inSchema {
			if in {
				n++
			}
		}
		fmt.Fprintf(os.Stderr, "mutate: %d of %d mutants in the schemata build (%s); the others are built one by one\n", n, len(all), time.Since(start).Round(time.Second))
	}
	results := make([]result, len(all))
	var wg sync.WaitGroup
	next := make(chan int)
	var mu sync.Mutex
	done := 0
	for w := 0; w < max(*jobs, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if inSchema[i] {
					results[i] = runSchema(bin, dir, i+1, *timeout)
				} else {
					results[i] = run(all[i], pkg, root, tmp, i, *timeout)
				}
				mu.Lock()
				done++
				if results[i] == survived {
					m := all[i]
					tag := "SURVIVED  "
					if why, ok := equivalent[m.id]; ok {
						tag = "equivalent (" + why + ") "
					}
					fmt.Printf("%s%s:%d %s %s → %s   [%s]\n", tag, m.rel, m.line, m.kind, m.from, m.to, m.id)
				}
				if done%25 == 0 {
					fmt.Fprintf(os.Stderr, "mutate: %d/%d mutants, %s\n", done, len(all), time.Since(start).Round(time.Second))
				}
				mu.Unlock()
			}
		}()
	}
	for i := range all {
		next <- i
	}
	close(next)
	wg.Wait()

	var k, s, b, t, eq int
	for i, r := range results {
		switch r {
		case killed:
			k++
		case timedOut:
			k++
			t++
		case survived:
			s++
			if _, ok := equivalent[all[i].id]; ok {
				eq++
			}
		case buildFailed:
			b++
		}
	}
	elapsed := time.Since(start).Round(time.Second)
	score := 0.0
	if k+s > 0 {
		score = 100 * float64(k) / float64(k+s)
	}
	fmt.Printf("\n%s: %d mutants, %d do not build; of the %d that build %d killed (%d by timeout), %d survived (%d marked equivalent)\n",
		pkg, len(all), b, k+s, k, t, s, eq)
	fmt.Printf("score %.1f %% of building mutants killed (%.1f %% not counting equivalent ones); %s, %.1f s per mutant\n",
		score, pct(k, k+s-eq), elapsed, elapsed.Seconds()/float64(max(len(all), 1)))
	for id := range equivalent {
		found := false
		for _, m := range all {
			if m.id == id {
				found = true
				break
			}
		}
		if !found && onlyRE == nil {
			fmt.Printf("stale entry in testdata/mutate-equivalent.txt (no such mutant): %s\n", id)
		}
	}
}

func pct(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// listPackage returns the package's directory, its non-test Go files and the
// module root.
func listPackage(pkg string) (dir, name string, files []string, root string, err error) {
	out, err := exec.Command("go", "list", "-json", pkg).Output()
	if err != nil {
		return "", "", nil, "", fmt.Errorf("go list %s: %v", pkg, err)
	}
	var p struct {
		Dir     string
		Name    string
		GoFiles []string
		Module  struct{ Dir string }
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return "", "", nil, "", err
	}
	for _, f := range p.GoFiles {
		files = append(files, filepath.Join(p.Dir, f))
	}
	return p.Dir, p.Name, files, p.Module.Dir, nil
}

func readEquivalent(path string) (map[string]string, error) {
	out := map[string]string{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, why, _ := strings.Cut(line, " -- ")
		out[strings.TrimSpace(id)] = strings.TrimSpace(why)
	}
	return out, sc.Err()
}

// run tests one mutant.
func run(m mutant, pkg, root, tmp string, i int, timeout time.Duration) result {
	src, err := os.ReadFile(m.file)
	if err != nil {
		return buildFailed
	}
	mutated := make([]byte, 0, len(src)+len(m.repl))
	mutated = append(mutated, src[:m.start]...)
	mutated = append(mutated, m.repl...)
	mutated = append(mutated, src[m.end:]...)
	mf := filepath.Join(tmp, fmt.Sprintf("m%d_%s", i, filepath.Base(m.file)))
	if err := os.WriteFile(mf, mutated, 0o600); err != nil {
		return buildFailed
	}
	defer os.Remove(mf)
	ov, _ := json.Marshal(map[string]any{"Replace": map[string]string{m.file: mf}})
	of := filepath.Join(tmp, fmt.Sprintf("m%d.json", i))
	if err := os.WriteFile(of, ov, 0o600); err != nil {
		return buildFailed
	}
	defer os.Remove(of)
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-overlay="+of, "-count=1", "-failfast", "-vet=off", "-ldflags=-s -w",
		"-timeout="+timeout.String(), pkg)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	switch {
	case err == nil:
		return survived
	case bytes.Contains(out.Bytes(), []byte("[build failed]")) || bytes.Contains(out.Bytes(), []byte("[setup failed]")):
		return buildFailed
	case ctx.Err() != nil || bytes.Contains(out.Bytes(), []byte("test timed out")):
		return timedOut
	default:
		return killed
	}
}

// mutants lists the mutants of one file.
func mutants(path, root string, verdicts []string) ([]mutant, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	rel, _ := filepath.Rel(root, path)
	isVerdict := map[string]string{}
	for i, v := range verdicts {
		if v = strings.TrimSpace(v); v != "" && len(verdicts) > 1 {
			isVerdict[v] = strings.TrimSpace(verdicts[(i+1)%len(verdicts)])
		}
	}
	var out []mutant
	seen := map[string]int{}
	fn := "-"
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	span := func(n ast.Node) [2]int { return [2]int{off(n.Pos()), off(n.End())} }
	add := func(pos, end token.Pos, repl, kind, from, to string) *mutant {
		key := fn + ":" + kind + ":" + from + "→" + to
		seen[key]++
		out = append(out, mutant{
			file: path, rel: rel, line: fset.Position(pos).Line,
			start: off(pos), end: off(end),
			repl: repl, kind: kind, from: from, to: to, fn: fn,
			id: fmt.Sprintf("%s:%s#%d", rel, key, seen[key]),
		})
		return &out[len(out)-1]
	}
	text := func(n ast.Node) string {
		return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
	}
	short := func(s string) string {
		s = strings.Join(strings.Fields(s), " ")
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return s
	}
	compare := map[token.Token][]string{
		token.EQL: {"!="}, token.NEQ: {"=="},
		token.LSS: {"<=", ">="}, token.LEQ: {"<", ">"},
		token.GTR: {">=", "<="}, token.GEQ: {">", "<"},
		token.LAND: {"||"}, token.LOR: {"&&"},
	}
	// Constant declarations and array lengths are skipped: changing them
	// rarely builds or means anything.
	skip := map[ast.Node]bool{}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		if n == nil || skip[n] {
			return false
		}
		switch x := n.(type) {
		case *ast.GenDecl:
			if x.Tok == token.CONST || x.Tok == token.IMPORT {
				return false
			}
		case *ast.FuncDecl:
			fn = x.Name.Name
			if x.Recv != nil && len(x.Recv.List) > 0 {
				t := x.Recv.List[0].Type
				if st, ok := t.(*ast.StarExpr); ok {
					t = st.X
				}
				if id, ok := t.(*ast.Ident); ok {
					fn = id.Name + "." + fn
				}
			}
		case *ast.ArrayType:
			return false
		case *ast.BinaryExpr:
			for _, to := range compare[x.Op] {
				kind := "COMPARE"
				if x.Op == token.LAND || x.Op == token.LOR {
					kind = "LOGIC"
				}
				m := add(x.OpPos, x.OpPos+token.Pos(len(x.Op.String())), to, kind, x.Op.String(), to)
				m.site, m.x, m.y, m.alt = span(x), span(x.X), span(x.Y), to
			}
		case *ast.UnaryExpr:
			if x.Op == token.NOT {
				m := add(x.Pos(), x.X.Pos(), "", "BOOL", "!"+short(text(x.X)), short(text(x.X)))
				m.site, m.x = span(x), span(x.X)
			}
		case *ast.Ident:
			switch {
			case x.Name == "true" || x.Name == "false":
				to := map[string]string{"true": "false", "false": "true"}[x.Name]
				m := add(x.Pos(), x.End(), to, "BOOL", x.Name, to)
				m.site, m.alt = span(x), to
			case isVerdict[x.Name] != "":
				m := add(x.Pos(), x.End(), isVerdict[x.Name], "VERDICT", x.Name, isVerdict[x.Name])
				m.site, m.alt = span(x), isVerdict[x.Name]
			}
		case *ast.SelectorExpr:
			if to := isVerdict[x.Sel.Name]; to != "" {
				m := add(x.Sel.Pos(), x.Sel.End(), to, "VERDICT", x.Sel.Name, to)
				m.site, m.alt = span(x), text(x.X)+"."+to
			}
			ast.Inspect(x.X, visit)
			return false
		case *ast.BasicLit:
			if x.Kind == token.INT {
				if v, err := strconv.ParseInt(x.Value, 0, 64); err == nil {
					m := add(x.Pos(), x.End(), "("+x.Value+"+1)", "CONST", x.Value, strconv.FormatInt(v+1, 10))
					m.site, m.delta = span(x), 1
					m = add(x.Pos(), x.End(), "("+x.Value+"-1)", "CONST", x.Value, strconv.FormatInt(v-1, 10))
					m.site, m.delta = span(x), -1
				}
			}
		case *ast.IfStmt:
			for _, st := range x.Body.List {
				if r, ok := st.(*ast.ReturnStmt); ok {
					m := add(r.Pos(), r.End(), "", "RETURN", short(text(r)), "(deleted)")
					// With an else, the if may end its function: wrapping
					// the return would leave the function without one.
					m.site, m.noSchema = span(r), x.Else != nil
				}
			}
		case *ast.BranchStmt:
			if x.Tok == token.CONTINUE || x.Tok == token.BREAK {
				m := add(x.Pos(), x.End(), "", "CONTINUE", text(x), "(deleted)")
				m.site = span(x)
			}
		case *ast.AssignStmt:
			if len(x.Lhs) == 1 && len(x.Rhs) == 1 {
				if call, ok := x.Rhs[0].(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "append" && len(call.Args) > 0 && text(call.Args[0]) == text(x.Lhs[0]) {
						m := add(x.Pos(), x.End(), "", "APPEND", short(text(x)), "(deleted)")
						m.site = span(x)
					}
				}
			}
		}
		return true
	}
	for _, d := range f.Decls {
		fn = "-"
		ast.Inspect(d, visit)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out, nil
}
