// Command wasmrun inspects, exercises and tests wasmadapt adapter modules.
//
//	wasmrun inspect MODULE [--model M]
//	wasmrun project MODULE REQUEST.json
//	wasmrun replay  MODULE RECORDING [--framing sse|ndjson|aws-eventstream|none] [--request REQUEST.json] [--status N]
//	wasmrun test    MODULE CASES [-run REGEX] [--update] [-templates=false]
//	wasmrun chat    MODULE REQUEST.json [--base-url URL] [--api-key-env VAR] [--region R] [--record DIR] [--assume JSON] [--allow-downgrade NAMES]
//	wasmrun op      MODULE models|embed|count-tokens [REQUEST.json] [--base-url URL] [--api-key-env VAR] [--region R]
//	wasmrun demo    [--module MODULE] [--json]
//	wasmrun watch   DIR|oci://HOST/REPO:TAG [--once] [--key PUBKEY]
//	wasmrun build   NAME|PATH [-o FILE] [--strip]
//	wasmrun push    MODULE oci://HOST/REPO:TAG [--key KEYFILE]
//	wasmrun pull    oci://HOST/REPO[:TAG][@sha256:DIGEST] [-o FILE] [--key PUBKEY]
//	wasmrun keygen  KEYFILE
//	wasmrun cache   list|clean [--max SIZE]
//	wasmrun help    [COMMAND]
//
// MODULE is a .wasm file, a shipped module's name (built from the sources,
// see package modules), an oci:// reference (pulled and verified, see
// package modules/oci) or an http(s) URL (#sha256=HEX pins its bytes). Every command takes -h/--help; the global options
// (--cache DIR, --no-cache, -v, --version) may stand anywhere on the line.
//
// Events print as JSON lines on stdout; an error the provider sent is an
// error event like any other, printed once: the run ends with exit status
// 1 without repeating it on stderr. An error of the run itself (bad
// arguments, a refused module, an adapter fault) goes to stderr with its
// code, and the exit status is non-zero: 1 for failures, 2 for usage
// errors. A compilation that takes long (a module's first load) is
// reported on stderr as it runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"github.com/wasmadapt/wasmadapt/abi"
)

// command is one subcommand.
type command struct {
	name  string
	usage string
	help  string
	run   func(ctx context.Context, env *env, args []string) error
}

// env is what commands share: output streams and engine settings.
type env struct {
	stdout, stderr io.Writer
	cacheDir       string
	logger         *slog.Logger
	// verbose is -v: progress and engine events on stderr.
	verbose bool
	// callTimeout and initTimeout are --call-timeout and --init-timeout
	// (0: the engine's defaults).
	callTimeout, initTimeout time.Duration
	// progressDelay, when set, replaces the package's progressDelay (tests).
	progressDelay time.Duration
	// noTemplates is test -templates=false: modules' text-delta
	// templates are ignored (engine.Config.NoTextTemplates).
	noTemplates bool
}

// usageError is a wrong invocation: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

var commands []*command

func register(c *command) { commands = append(commands, c) }

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// globalOptions describes the options every command accepts, anywhere on
// the command line (before a "--").
const globalOptions = `Global options (anywhere on the line):
  --cache DIR     compilation cache directory (default: the user cache dir + /wasmadapt)
  --no-cache      compile in memory only
  --call-timeout D  deadline of one call into the module (default 2s)
  --init-timeout D  deadline of a new instance's start (default 30s)
  -v, --verbose   log guest output, engine events and compile progress
  --version       print the versions of wasmrun, its ABI, Go and the backends
  -h, --help      print help (also: wasmrun help COMMAND, wasmrun COMMAND --help)`

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "wasmrun — inspect, exercise and test wasmadapt adapter modules")
	fmt.Fprintln(w, "\nUsage:")
	sort.Slice(commands, func(i, j int) bool { return commands[i].name < commands[j].name })
	for _, c := range commands {
		fmt.Fprintf(w, "  wasmrun %s\n      %s\n", c.usage, c.help)
	}
	fmt.Fprintln(w, "\n"+globalOptions)
}

// printCommandHelp prints one command's usage, description and options.
func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: wasmrun %s\n\n%s\n", c.usage, c.help)
	var opts strings.Builder
	if fs != nil {
		fs.SetOutput(&opts)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if opts.Len() > 0 {
		fmt.Fprintf(w, "\nOptions:\n%s", opts.String())
	}
	fmt.Fprintln(w, "\n"+globalOptions)
}

// helpRequest is returned by parseArgs when the command line asks for the
// command's help (-h, --help): run prints it to stdout and exits 0.
type helpRequest struct{ fs *flag.FlagSet }

func (*helpRequest) Error() string { return "help requested" }

// reportedError is a failure already shown to the user (an error event on
// stdout): run exits non-zero without printing it again.
type reportedError struct{ err error }

func (r *reportedError) Error() string { return r.err.Error() }
func (r *reportedError) Unwrap() error { return r.err }

// extractGlobals removes the global options from args, wherever they stand
// before a "--", and applies them to e.
func extractGlobals(e *env, args []string) (rest []string, level slog.Level, version bool, err error) {
	level = slog.LevelWarn
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(rest, args[i:]...), level, version, nil
		case a == "-v" || a == "--verbose" || a == "-verbose":
			level = slog.LevelDebug
			e.verbose = true
		case a == "--no-cache" || a == "-no-cache":
			e.cacheDir = ""
		case a == "--cache" || a == "-cache":
			if i+1 >= len(args) {
				return nil, level, version, usagef("option %s needs a directory", a)
			}
			e.cacheDir = args[i+1]
			i++
		case strings.HasPrefix(a, "--cache=") || strings.HasPrefix(a, "-cache="):
			e.cacheDir = a[strings.IndexByte(a, '=')+1:]
		case a == "--version" || a == "-version":
			version = true
		case a == "--call-timeout" || a == "--init-timeout" || strings.HasPrefix(a, "--call-timeout=") || strings.HasPrefix(a, "--init-timeout="):
			name, val, ok := strings.Cut(a, "=")
			if !ok {
				if i+1 >= len(args) {
					return nil, level, version, usagef("option %s needs a duration (e.g. 5s)", a)
				}
				val = args[i+1]
				i++
			}
			d, perr := time.ParseDuration(val)
			if perr != nil || d <= 0 {
				return nil, level, version, usagef("option %s needs a positive duration (e.g. 5s), not %q", name, val)
			}
			if name == "--call-timeout" {
				e.callTimeout = d
			} else {
				e.initTimeout = d
			}
		default:
			rest = append(rest, a)
		}
	}
	return rest, level, version, nil
}

// run executes one invocation and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if dir, err := os.UserCacheDir(); err == nil {
		e.cacheDir = dir + "/wasmadapt"
	}
	args, level, version, err := extractGlobals(e, args)
	if err != nil {
		fmt.Fprintf(stderr, "wasmrun: %v\n", err)
		return 2
	}
	e.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if version {
		printVersion(stdout)
		return 0
	}
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	switch a := args[0]; {
	case a == "-h" || a == "--help" || a == "-help":
		printUsage(stdout)
		return 0
	case a == "help":
		if len(args) == 1 {
			printUsage(stdout)
			return 0
		}
		args = []string{args[1], "--help"}
	case strings.HasPrefix(a, "-"):
		fmt.Fprintf(stderr, "wasmrun: unknown global option %s\n", a)
		printUsage(stderr)
		return 2
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "wasmrun: unknown command %q\n", args[0])
		printUsage(stderr)
		return 2
	}
	err = c.run(ctx, e, args[1:])
	if err == nil {
		return 0
	}
	var hr *helpRequest
	if errors.As(err, &hr) {
		printCommandHelp(stdout, c, hr.fs)
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "wasmrun %s: %s\nusage: wasmrun %s (wasmrun %s --help for more)\n", c.name, ue.msg, c.usage, c.name)
		return 2
	}
	var te *testFailures
	var re *reportedError
	if errors.As(err, &te) || errors.As(err, &re) {
		return 1
	}
	if code := abi.CodeOf(err); code != "" {
		fmt.Fprintf(stderr, "wasmrun %s: %v\n", c.name, err)
	} else {
		fmt.Fprintf(stderr, "wasmrun %s: error: %v\n", c.name, err)
	}
	return 1
}

// parseArgs parses flags that may stand before, between or after the
// positional arguments, and checks the number of positionals.
func parseArgs(fs *flag.FlagSet, args []string, positionals ...string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			return nil, &helpRequest{fs: fs}
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			args = args[1:]
			continue
		}
		name := strings.TrimLeft(a, "-")
		if i := strings.IndexByte(name, '='); i >= 0 {
			name = name[:i]
		}
		f := fs.Lookup(name)
		if f == nil {
			return nil, usagef("unknown option %s", a)
		}
		n := 1
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); (!ok || !bf.IsBoolFlag()) && !strings.Contains(a, "=") {
			n = 2
		}
		if len(args) < n {
			return nil, usagef("option %s needs a value", a)
		}
		if err := fs.Parse(args[:n]); err != nil {
			return nil, usagef("%v", err)
		}
		args = args[n:]
	}
	// Trailing positionals written "[NAME]" are optional.
	required := len(positionals)
	for required > 0 && strings.HasPrefix(positionals[required-1], "[") {
		required--
	}
	if len(pos) < required || len(pos) > len(positionals) {
		return nil, usagef("expected %s, got %d argument(s)", strings.Join(positionals, " "), len(pos))
	}
	return pos, nil
}
