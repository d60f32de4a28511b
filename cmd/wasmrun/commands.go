package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/modules"
	"github.com/wasmadapt/wasmadapt/modules/oci"
)

func init() {
	register(&command{name: "inspect", usage: "inspect MODULE [--model M]",
		help: "print the module's capabilities (for model M, or its defaults) as JSON", run: runInspect})
	register(&command{name: "project", usage: "project MODULE REQUEST.json",
		help: "print the provider request the module projects from a normalized request", run: runProject})
	register(&command{name: "replay", usage: "replay MODULE RECORDING [--framing sse|ndjson|aws-eventstream|none] [--request REQUEST.json] [--status N]",
		help: "frame a recorded response body with the host's framing and print the module's events as JSON lines", run: runReplay})
	register(&command{name: "test", usage: "test MODULE CASES [-run REGEX] [--update] [-templates=false]",
		help: "run golden cases against the module (CASES: a directory of case directories, or one case directory); ends with 'N passed, M failed'; --update rewrites the expected files that differ and lists them; -templates=false sends every chunk to the module (no text-delta templates)", run: runTest})
}

// moduleBytes reads a MODULE argument: a .wasm file, a shipped module's
// name (openai: built from the sources), an oci:// reference (pulled,
// digests verified) or an http(s) URL (#sha256=HEX pins the bytes).
func moduleBytes(ctx context.Context, e *env, arg string) ([]byte, error) {
	switch {
	case strings.HasPrefix(arg, "oci://"):
		a, err := oci.Pull(ctx, arg, oci.PullOptions{})
		if err != nil {
			return nil, err
		}
		return a.Wasm, nil
	case strings.HasPrefix(arg, "https://") || strings.HasPrefix(arg, "http://"):
		return modules.Fetch(ctx, nil, arg)
	case isModuleName(arg):
		return buildShipped(ctx, e, arg, false)
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("reading module: %w", err)
	}
	return b, nil
}

// moduleName is the name a MODULE argument is loaded under.
func moduleName(arg string) string {
	if strings.HasPrefix(arg, "oci://") {
		if r, err := oci.ParseReference(arg); err == nil {
			return path.Base(r.Repository)
		}
	}
	if u, err := url.Parse(arg); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		return strings.TrimSuffix(path.Base(u.Path), ".wasm")
	}
	return strings.TrimSuffix(filepath.Base(arg), ".wasm")
}

// openModule compiles and validates the module a MODULE argument names
// (see moduleBytes) with the CLI's engine settings. The returned function
// closes both.
func openModule(ctx context.Context, e *env, arg string) (engine.Module, func(), error) {
	b, err := moduleBytes(ctx, e, arg)
	if err != nil {
		return nil, nil, err
	}
	return loadBytes(ctx, e, moduleName(arg), b)
}

// loadBytes compiles and validates a module with the CLI's engine
// settings. The returned function closes both.
func loadBytes(ctx context.Context, e *env, name string, b []byte) (engine.Module, func(), error) {
	eng, err := engine.New(ctx, e.engineConfig())
	if err != nil {
		return nil, nil, err
	}
	m, err := eng.Load(ctx, name, b)
	if err != nil {
		eng.Close(ctx)
		return nil, nil, err
	}
	return m, func() { eng.Close(context.Background()) }, nil
}

func writeJSON(e *env, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = e.stdout.Write(b)
	return err
}

// openWithRequest reads the normalized request at reqPath, then opens the
// module at modArg (see openModule). done closes the module.
func openWithRequest(ctx context.Context, e *env, modArg, reqPath string) (m engine.Module, req *abi.Request, done func(), err error) {
	if req, err = readRequest(reqPath); err != nil {
		return nil, nil, nil, err
	}
	if m, done, err = openModule(ctx, e, modArg); err != nil {
		return nil, nil, nil, err
	}
	return m, req, done, nil
}

func readRequest(path string) (*abi.Request, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading request: %w", err)
	}
	return decodeRequest(path, b)
}

// decodeRequest decodes b, the normalized request read from path,
// refusing unknown fields.
func decodeRequest(path string, b []byte) (*abi.Request, error) {
	var req abi.Request
	if err := strictJSON(b, &req); err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "%s is not a valid normalized request: %v", path, err)
	}
	return &req, nil
}

func runInspect(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	model := fs.String("model", "", "model to ask about")
	pos, err := parseArgs(fs, args, "MODULE")
	if err != nil {
		return err
	}
	m, done, err := openModule(ctx, e, pos[0])
	if err != nil {
		return err
	}
	defer done()
	caps, err := m.Capabilities(ctx, *model)
	if err != nil {
		return err
	}
	return writeJSON(e, caps)
}

func runProject(ctx context.Context, e *env, args []string) error {
	pos, err := parseArgs(flag.NewFlagSet("project", flag.ContinueOnError), args, "MODULE", "REQUEST.json")
	if err != nil {
		return err
	}
	m, req, done, err := openWithRequest(ctx, e, pos[0], pos[1])
	if err != nil {
		return err
	}
	defer done()
	pr, err := m.Project(ctx, req)
	if err != nil {
		return err
	}
	return writeJSON(e, pr)
}

func runReplay(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	framingName := fs.String("framing", "", "sse, ndjson, aws-eventstream or none (default: the projection's, else sse)")
	reqPath := fs.String("request", "", "normalized request the recording answers")
	status := fs.Int("status", 200, "HTTP status of the recording; 400 and above map an error body")
	pos, err := parseArgs(fs, args, "MODULE", "RECORDING")
	if err != nil {
		return err
	}
	switch *framingName {
	case "", abi.FramingSSE, abi.FramingNDJSON, abi.FramingAWSEventStream, abi.FramingNone:
	default:
		return usagef("unknown framing %q: use sse, ndjson, aws-eventstream or none", *framingName)
	}
	if *status < 100 || *status > 599 {
		return usagef("--status %d is not an HTTP status", *status)
	}
	body, err := os.ReadFile(pos[1])
	if err != nil {
		return fmt.Errorf("reading recording: %w", err)
	}
	m, done, err := openModule(ctx, e, pos[0])
	if err != nil {
		return err
	}
	defer done()
	c := &cases.Case{Name: filepath.Base(pos[1]), Meta: cases.Meta{Framing: *framingName, Status: *status}, Body: body}
	if *reqPath != "" {
		if c.Request, err = os.ReadFile(*reqPath); err != nil {
			return fmt.Errorf("reading request: %w", err)
		}
	}
	events, err := cases.Events(ctx, m, c)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(cases.AppendLines(nil, events))
	return err
}

// testFailures reports that some cases failed (already printed).
type testFailures struct{ failed int }

func (t *testFailures) Error() string { return fmt.Sprintf("%d case(s) failed", t.failed) }

func runTest(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	runPattern := fs.String("run", "", "run only the cases whose name matches this regular expression")
	update := fs.Bool("update", false, "rewrite each case's events.jsonl and projection.json with the module's output, listing the files that changed")
	templates := fs.Bool("templates", true, "let the host serve the chunks the module's text-delta templates cover (ABI 1.4); false sends every chunk to the module (the events must be the same)")
	pos, err := parseArgs(fs, args, "MODULE", "CASES")
	if err != nil {
		return err
	}
	e.noTemplates = !*templates
	var match *regexp.Regexp
	if *runPattern != "" {
		if match, err = regexp.Compile(*runPattern); err != nil {
			return usagef("-run %q: %v", *runPattern, err)
		}
	}
	all, err := loadCases(pos[1])
	if err != nil {
		return err
	}
	if match != nil {
		var sel []*cases.Case
		for _, c := range all {
			if match.MatchString(c.Name) {
				sel = append(sel, c)
			}
		}
		if len(sel) == 0 {
			return fmt.Errorf("no case in %s matches -run %q", pos[1], *runPattern)
		}
		all = sel
	}
	m, done, err := openModule(ctx, e, pos[0])
	if err != nil {
		return err
	}
	defer done()
	passed, failed := 0, 0
	var updated []string
	for _, c := range all {
		if *update {
			changed, err := cases.Update(ctx, m, c)
			for _, f := range changed {
				updated = append(updated, filepath.Join(c.Dir, f))
				fmt.Fprintf(e.stdout, "updated %s\n", filepath.Join(c.Dir, f))
			}
			if err != nil {
				failed++
				fmt.Fprintf(e.stdout, "FAIL %s: %s\n", c.Name, strings.TrimPrefix(err.Error(), c.Name+": "))
				continue
			}
		}
		if err := cases.Run(ctx, m, c); err != nil {
			failed++
			fmt.Fprintf(e.stdout, "FAIL %s: %s\n", c.Name, strings.TrimPrefix(err.Error(), c.Name+": "))
			continue
		}
		passed++
		fmt.Fprintf(e.stdout, "ok   %s\n", c.Name)
	}
	if *update {
		fmt.Fprintf(e.stdout, "%d passed, %d failed, %d file(s) updated\n", passed, failed, len(updated))
	} else {
		fmt.Fprintf(e.stdout, "%d passed, %d failed\n", passed, failed)
	}
	if failed > 0 {
		return &testFailures{failed: failed}
	}
	return nil
}

// loadCases loads dir as one case when it holds case files itself (what
// `wasmrun chat --record DIR` writes), else every case directly below it.
func loadCases(dir string) ([]*cases.Case, error) {
	c, err := cases.LoadCase(dir)
	if err != nil {
		return nil, err
	}
	if c != nil {
		return []*cases.Case{c}, nil
	}
	return cases.Load(dir)
}
