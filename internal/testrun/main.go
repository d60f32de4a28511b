// Command testrun runs go test with -json, prints a short human report and
// keeps every test's outcome, so that `make test` can end with one summary
// of all its go test runs: the skips with their reasons, then a last line
// "N passed, N failed, N skipped".
//
// Usage:
//
//	go run ./internal/testrun -results FILE -- [go test flags] [packages]
//	go run ./internal/testrun -results FILE -summary [-status N]
//
// The first form runs `go test -json` with the flags given and appends each
// test's outcome to FILE (JSON lines). It prints package results, the whole
// output of each failing test and one line per skipped test with its
// reason, and exits with go test's status.
//
// The second form reads FILE and prints the skips grouped by reason, the
// slowest tests and the counts line. It exits 1 when a test failed, FILE
// is missing or empty, or -status (the status of the steps that ran, for
// failures outside go test) is not 0.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

func main() {
	results := flag.String("results", "", "file of test outcomes (JSON lines), appended to")
	summary := flag.Bool("summary", false, "print the summary of -results instead of running go test")
	status := flag.Int("status", 0, "with -summary: the exit status of the steps that ran")
	flag.Parse()
	if *results == "" {
		fmt.Fprintln(os.Stderr, "testrun: -results FILE is required")
		os.Exit(2)
	}
	if *summary {
		os.Exit(summarize(os.Stdout, *results, *status))
	}
	os.Exit(run(*results, flag.Args()))
}

// outcome is one test's (or one package's) result, as kept in the
// results file.
type outcome struct {
	Package string  `json:"package"`
	Test    string  `json:"test,omitempty"` // "" for a package-level failure
	Action  string  `json:"action"`         // pass, fail or skip
	Reason  string  `json:"reason,omitempty"`
	Elapsed float64 `json:"elapsed,omitempty"`
}

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string
	Test       string
	Elapsed    float64
	Output     string
}

// run runs go test -json args, reporting to stdout and appending the
// outcomes to the results file.
func run(results string, args []string) int {
	f, err := os.OpenFile(results, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		return 2
	}
	defer f.Close()
	cmd := exec.Command("go", append([]string{"test", "-json"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		return 2
	}
	fmt.Printf("== go test %s\n", strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testrun:", err)
		return 2
	}
	enc := json.NewEncoder(f)
	r := newReporter(os.Stdout, func(o outcome) { _ = enc.Encode(o) })
	if err := r.read(out); err != nil {
		fmt.Fprintln(os.Stderr, "testrun: reading go test's output:", err)
	}
	err = cmd.Wait()
	r.finish()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "testrun:", err)
		return 2
	}
}

// reporter turns go test -json events into the human report and the
// outcomes.
type reporter struct {
	w      io.Writer
	emit   func(outcome)
	output map[string][]string // package + " " + test -> output lines so far
	failed map[string]bool     // packages with a failed test
}

func newReporter(w io.Writer, emit func(outcome)) *reporter {
	return &reporter{w: w, emit: emit, output: map[string][]string{}, failed: map[string]bool{}}
}

func (r *reporter) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var ev event
		if err := json.Unmarshal(line, &ev); err != nil || ev.Action == "" {
			// Not an event (go test prints some errors as plain text).
			fmt.Fprintf(r.w, "%s\n", line)
			continue
		}
		r.event(ev)
	}
	return sc.Err()
}

func (r *reporter) event(ev event) {
	switch ev.Action {
	case "build-output":
		fmt.Fprint(r.w, ev.Output)
		return
	case "build-fail":
		r.emit(outcome{Package: ev.ImportPath, Action: "fail", Reason: "build failed"})
		return
	}
	key := ev.Package + " " + ev.Test
	switch ev.Action {
	case "output":
		if ev.Test == "" {
			r.packageOutput(ev.Output)
			return
		}
		r.output[key] = append(r.output[key], ev.Output)
	case "pass", "fail", "skip":
		lines := r.output[key]
		delete(r.output, key)
		if ev.Test == "" {
			if ev.Action == "fail" && !r.unfinished(ev.Package) && !r.failed[ev.Package] {
				// The package failed without a failing test: a crash
				// outside a test or a TestMain failure.
				r.emit(outcome{Package: ev.Package, Action: "fail", Reason: "package failed outside its tests", Elapsed: ev.Elapsed})
			}
			return
		}
		o := outcome{Package: ev.Package, Test: ev.Test, Action: ev.Action, Elapsed: ev.Elapsed}
		switch ev.Action {
		case "fail":
			r.failed[ev.Package] = true
			for _, l := range lines {
				fmt.Fprint(r.w, l)
			}
		case "skip":
			o.Reason = skipReason(lines)
			fmt.Fprintf(r.w, "--- SKIP: %s %s: %s\n", ev.Package, ev.Test, o.Reason)
		}
		r.emit(o)
	}
}

// unfinished reports the tests of pkg still running when its binary ended
// (a -timeout panic, a crash) as failed, with what they printed, and
// whether there were any.
func (r *reporter) unfinished(pkg string) bool {
	var keys []string
	for k := range r.output {
		if strings.HasPrefix(k, pkg+" ") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, l := range r.output[k] {
			fmt.Fprint(r.w, l)
		}
		delete(r.output, k)
		r.emit(outcome{Package: pkg, Test: strings.TrimPrefix(k, pkg+" "), Action: "fail", Reason: "did not finish: the test binary timed out or crashed"})
	}
	r.failed[pkg] = r.failed[pkg] || len(keys) > 0
	return len(keys) > 0
}

// packageOutput prints a package-level line, except the noise: PASS lines
// and packages without tests.
func (r *reporter) packageOutput(s string) {
	t := strings.TrimSpace(s)
	if t == "PASS" || strings.HasSuffix(t, "[no test files]") || strings.HasPrefix(t, "=== ") {
		return
	}
	fmt.Fprint(r.w, s)
}

// finish prints what tests that never ended (the binary died) printed.
func (r *reporter) finish() {
	keys := make([]string, 0, len(r.output))
	for k := range r.output {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, l := range r.output[k] {
			fmt.Fprint(r.w, l)
		}
	}
}

// skipReason is what a skipped test logged: its lines without the
// framework's "=== RUN" and "--- SKIP" lines and the file:line prefixes.
func skipReason(lines []string) string {
	var parts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
			continue
		}
		if i := strings.Index(t, ": "); i > 0 && strings.Contains(t[:i], ".go:") {
			t = t[i+2:]
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

// summarize prints the summary of the results file and returns the exit
// status.
func summarize(w io.Writer, results string, status int) int {
	f, err := os.Open(results)
	if err != nil {
		fmt.Fprintf(w, "testrun: no test results (%v)\n0 passed, 1 failed, 0 skipped\n", err)
		return 1
	}
	defer f.Close()
	var all []outcome
	dec := json.NewDecoder(f)
	for {
		var o outcome
		if err := dec.Decode(&o); err == io.EOF {
			break
		} else if err != nil {
			fmt.Fprintf(w, "testrun: %s: %v\n", results, err)
			return 1
		}
		all = append(all, o)
	}
	return report(w, all, status)
}

func report(w io.Writer, all []outcome, status int) int {
	var passed, failed, skipped int
	type group struct {
		pkg, reason string
		tests       []string
	}
	groups := map[string]*group{}
	var order []string
	var failures []string
	var top []outcome
	for _, o := range all {
		switch o.Action {
		case "pass":
			passed++
		case "fail":
			failed++
			name := o.Package
			if o.Test != "" {
				name += " " + o.Test
			}
			failures = append(failures, name+" ("+orDefault(o.Reason, "failed")+")")
		case "skip":
			skipped++
			k := o.Package + "\x00" + o.Reason
			g := groups[k]
			if g == nil {
				g = &group{pkg: o.Package, reason: o.Reason}
				groups[k] = g
				order = append(order, k)
			}
			g.tests = append(g.tests, o.Test)
		}
		if o.Test != "" && !strings.Contains(o.Test, "/") && o.Action != "skip" {
			top = append(top, o)
		}
	}
	if skipped > 0 {
		fmt.Fprintf(w, "\n%d skipped:\n", skipped)
		for _, k := range order {
			g := groups[k]
			names := g.tests
			more := ""
			if len(names) > 3 {
				names, more = names[:3], fmt.Sprintf(" and %d more", len(g.tests)-3)
			}
			fmt.Fprintf(w, "  %s %s%s: %s\n", g.pkg, strings.Join(names, ", "), more, g.reason)
		}
	}
	sort.Slice(top, func(i, j int) bool { return top[i].Elapsed > top[j].Elapsed })
	if len(top) > 5 {
		top = top[:5]
	}
	if len(top) > 0 {
		fmt.Fprintln(w, "\nslowest tests:")
		for _, o := range top {
			fmt.Fprintf(w, "  %6s  %s %s\n", time.Duration(o.Elapsed*float64(time.Second)).Round(100*time.Millisecond), o.Package, o.Test)
		}
	}
	if failed > 0 {
		fmt.Fprintf(w, "\n%d failed:\n", failed)
		for _, f := range failures {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	code := 0
	if failed > 0 || len(all) == 0 {
		code = 1
	}
	if status != 0 {
		fmt.Fprintf(w, "\na step of the run failed (exit status %d): see its output above\n", status)
		code = 1
	}
	if len(all) == 0 {
		fmt.Fprintln(w, "\nno test ran")
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	return code
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
