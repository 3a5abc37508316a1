package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Mutant schemata: instead of one build per mutant (seconds each on a busy
// machine), every mutant of the package is compiled into one test binary,
// each behind a run-time switch on the environment variable below, e.g.
// `a < b` becomes
//
//	((__mutID == 7 && ((a) <= (b))) || (__mutID == 8 && ((a) >= (b))) || (__mutID != 7 && __mutID != 8 && (a < b)))
//
// and a guard's `return err` becomes `if __mutID != 9 { return err }`. The
// binary is then run once per mutant. A mutant whose switch does not compile
// (e.g. a constant whose type the switch cannot keep) is found from the
// compiler's errors, left out, and tested with a build of its own.

const schemaEnv = "COILEDNET_MUTANT"

type site struct {
	file    string
	start   int
	end     int
	muts    []int // indexes into all
	ranges  [][2]int
	dropped bool
	// cast is the type a CONST site's delta is converted to, learnt from
	// the compiler ("as uint16 value", "mismatched types time.Duration
	// and int").
	cast string
}

type schemaGen struct {
	src   []byte
	sites []*site
	all   []mutant
	b     bytes.Buffer
}

func (g *schemaGen) render(start, end int, exclude *site) {
	i := start
	for _, s := range g.sites {
		if s == exclude || s.dropped || s.start < i || s.start < start || s.end > end {
			continue
		}
		g.b.Write(g.src[i:s.start])
		g.wrap(s)
		i = s.end
	}
	g.b.Write(g.src[i:end])
}

func (g *schemaGen) id(i int) int { return i + 1 }

func (g *schemaGen) wrap(s *site) {
	begin := g.b.Len()
	m0 := g.all[s.muts[0]]
	w := func(f string, args ...any) { fmt.Fprintf(&g.b, f, args...) }
	switch m0.kind {
	case "COMPARE", "LOGIC":
		w("(")
		var not []string
		for _, i := range s.muts {
			m := g.all[i]
			w("(__mutID == %d && ((", g.id(i))
			g.render(m.x[0], m.x[1], nil)
			w(") %s (", m.alt)
			g.render(m.y[0], m.y[1], nil)
			w("))) || ")
			not = append(not, fmt.Sprintf("__mutID != %d", g.id(i)))
		}
		w("(%s && (", strings.Join(not, " && "))
		g.render(s.start, s.end, s)
		w(")))")
	case "BOOL":
		if m0.x != [2]int{} { // !x → x
			w("((__mutID == %d && (", g.id(s.muts[0]))
			g.render(m0.x[0], m0.x[1], nil)
			w(")) || (__mutID != %d && (", g.id(s.muts[0]))
			g.render(s.start, s.end, s)
			w(")))")
		} else if m0.alt == "false" {
			w("(__mutID != %d)", g.id(s.muts[0]))
		} else {
			w("(__mutID == %d)", g.id(s.muts[0]))
		}
	case "CONST":
		plus, minus := -1, -1
		for _, i := range s.muts {
			if g.all[i].delta > 0 {
				plus = g.id(i)
			} else {
				minus = g.id(i)
			}
		}
		if s.cast != "" {
			w("(%s + %s(__mutDelta(%d, %d)))", g.src[s.start:s.end], s.cast, plus, minus)
		} else {
			w("(%s + __mutDelta(%d, %d))", g.src[s.start:s.end], plus, minus)
		}
	case "VERDICT":
		w("__mutSel(%d, %s, %s)", g.id(s.muts[0]), g.src[s.start:s.end], m0.alt)
	default: // RETURN, CONTINUE, APPEND: a statement switched off
		w("if __mutID != %d { ", g.id(s.muts[0]))
		g.render(s.start, s.end, s)
		w(" }")
	}
	s.ranges = append(s.ranges, [2]int{begin, g.b.Len()})
}

var helperCallRE = regexp.MustCompile(`__mut(?:Delta|Sel)\((-?\d+), (-?\d+)`)

var castRE = regexp.MustCompile(`as ([\w".]+) value|mismatched types ([\w".]+) and int\)|mismatched types int and ([\w".]+)\)`)

// castOf returns the Go type an error message says a constant's delta
// must have, or "".
func castOf(msg string) string {
	m := castRE.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	t := m[1] + m[2] + m[3]
	t = strings.ReplaceAll(t, `"`, "")
	if t == "int" || strings.Contains(t, "/") {
		return ""
	}
	return t
}

var compileErrRE = regexp.MustCompile(`(?m)^(?:# \S+\n)?(\S+\.go):(\d+):(?:(\d+):)? (.*)$`)

// buildSchemata compiles the package's test binary with every mutant it
// can switch at run time. It returns the binary and which mutants it holds.
func buildSchemata(all []mutant, pkg, pkgDir, pkgName, root, tmp string, timeout time.Duration) (string, []bool, error) {
	byFile := map[string][]*site{}
	spans := map[string]*site{}
	siteOf := map[int]*site{}
	for i, m := range all {
		if m.noSchema {
			continue
		}
		key := fmt.Sprintf("%s:%d:%d", m.file, m.site[0], m.site[1])
		s := spans[key]
		if s == nil {
			s = &site{file: m.file, start: m.site[0], end: m.site[1]}
			spans[key] = s
			byFile[m.file] = append(byFile[m.file], s)
		}
		s.muts = append(s.muts, i)
		siteOf[i] = s
	}
	srcs := map[string][]byte{}
	for f, ss := range byFile {
		sort.SliceStable(ss, func(i, j int) bool {
			if ss[i].start != ss[j].start {
				return ss[i].start < ss[j].start
			}
			return ss[i].end > ss[j].end
		})
		b, err := os.ReadFile(f)
		if err != nil {
			return "", nil, err
		}
		srcs[f] = b
	}
	helper := filepath.Join(tmp, "schemata_helper.go")
	helperSrc := "package " + pkgName + `

import (
	"os"
	"strconv"
)

var __mutID, _ = strconv.Atoi(os.Getenv("` + schemaEnv + `"))

func __mutDelta(plus, minus int) int {
	switch __mutID {
	case plus:
		return 1
	case minus:
		return -1
	}
	return 0
}

func __mutSel[T any](id int, orig, alt T) T {
	if __mutID == id {
		return alt
	}
	return orig
}
`
	if err := os.WriteFile(helper, []byte(helperSrc), 0o600); err != nil {
		return "", nil, err
	}
	bin := filepath.Join(tmp, "schemata.test")
	for round := 1; ; round++ {
		overlay := map[string]string{filepath.Join(pkgDir, "zz_mutate_schemata.go"): helper}
		gens := map[string]*schemaGen{}
		for f, ss := range byFile {
			for _, s := range ss {
				s.ranges = nil
			}
			g := &schemaGen{src: srcs[f], sites: ss, all: all}
			g.render(0, len(g.src), nil)
			gens[f] = g
			out := filepath.Join(tmp, "schemata_"+filepath.Base(f))
			if err := os.WriteFile(out, g.b.Bytes(), 0o600); err != nil {
				return "", nil, err
			}
			overlay[f] = out
		}
		ov, _ := json.Marshal(map[string]any{"Replace": overlay})
		of := filepath.Join(tmp, "schemata.json")
		if err := os.WriteFile(of, ov, 0o600); err != nil {
			return "", nil, err
		}
		cmd := exec.Command("go", "test", "-c", "-o", bin, "-overlay="+of, "-vet=off", "-gcflags=-e", pkg)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err == nil {
			break
		}
		if round > 8 {
			return "", nil, fmt.Errorf("the schemata build still fails after %d rounds:\n%s", round, out)
		}
		progress := false
		castNow := map[*site]bool{}
		for _, e := range compileErrRE.FindAllStringSubmatch(string(out), -1) {
			// An error that names a helper call is that call's mutants'.
			named := false
			for _, c := range helperCallRE.FindAllStringSubmatch(e[4], -1) {
				for _, idText := range c[1:] {
					id, _ := strconv.Atoi(idText)
					s := siteOf[id-1]
					if s == nil || s.dropped {
						continue
					}
					named = true
					t := castOf(e[4])
					switch {
					case castNow[s]:
						// both ids of one site named in one error
					case t != "" && s.cast == "" && all[id-1].kind == "CONST":
						s.cast, castNow[s], progress = t, true, true
					default:
						s.dropped, progress = true, true
					}
				}
			}
			if named {
				continue
			}
			var g *schemaGen
			var file string
			for f := range gens {
				if b := filepath.Base(e[1]); b == filepath.Base(f) || b == "schemata_"+filepath.Base(f) {
					g, file = gens[f], f
				}
			}
			if g == nil {
				continue
			}
			line, _ := strconv.Atoi(e[2])
			col, _ := strconv.Atoi(e[3])
			if col == 0 {
				col = 1
			}
			o := offsetOf(g.b.Bytes(), line, col)
			var best *site
			bestLen := 0
			for _, s := range byFile[file] {
				for _, r := range s.ranges {
					if o >= r[0] && o < r[1] && (best == nil || r[1]-r[0] < bestLen) {
						best, bestLen = s, r[1]-r[0]
					}
				}
			}
			if best == nil {
				// Not inside a switch: leave every mutant of the file to
				// builds of their own.
				for _, s := range byFile[file] {
					if !s.dropped {
						s.dropped, progress = true, true
					}
				}
				continue
			}
			if !best.dropped {
				best.dropped, progress = true, true
			}
		}
		if !progress {
			return "", nil, fmt.Errorf("cannot map the schemata build's errors to mutants:\n%s", out)
		}
	}
	in := make([]bool, len(all))
	for _, ss := range byFile {
		for _, s := range ss {
			if !s.dropped && len(s.ranges) > 0 {
				for _, i := range s.muts {
					in[i] = true
				}
			}
		}
	}
	// The unmutated binary must pass, or every verdict would be wrong.
	if r := runSchema(bin, pkgDir, 0, timeout); r != survived {
		return "", nil, fmt.Errorf("the tests fail on the schemata build without a mutant")
	}
	return bin, in, nil
}

func offsetOf(b []byte, line, col int) int {
	o := 0
	for l := 1; l < line && o < len(b); l++ {
		i := bytes.IndexByte(b[o:], '\n')
		if i < 0 {
			return len(b)
		}
		o += i + 1
	}
	return o + col - 1
}

// runSchema runs the schemata binary with mutant id switched on.
func runSchema(bin, dir string, id int, timeout time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.count=1", "-test.failfast", "-test.timeout="+timeout.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), schemaEnv+"="+strconv.Itoa(id))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	switch {
	case err == nil:
		return survived
	case ctx.Err() != nil || bytes.Contains(out.Bytes(), []byte("test timed out")):
		return timedOut
	default:
		return killed
	}
}
