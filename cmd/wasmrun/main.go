// Command wasmrun inspects, exercises and tests wasmadapt adapter modules.
//
//	wasmrun inspect MODULE [--model M]
//	wasmrun project MODULE REQUEST.json
//	wasmrun replay  MODULE RECORDING [--framing sse|ndjson|aws-eventstream|none] [--request REQUEST.json] [--status N]
//	wasmrun test    MODULE CASES_DIR
//	wasmrun chat    MODULE REQUEST.json [--base-url URL] [--api-key-env VAR] [--region R] [--record DIR] [--assume JSON] [--allow-downgrade NAMES]
//	wasmrun demo    [--module MODULE] [--json]
//	wasmrun watch   DIR [--once]
//
// Events print as JSON lines on stdout; an error the provider sent is an
// error event like any other. An error of the run itself (bad arguments, a
// refused module, an adapter fault) goes to stderr with its code, and the
// exit status is non-zero: 1 for failures, 2 for usage errors.
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

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "wasmrun — inspect, exercise and test wasmadapt adapter modules")
	fmt.Fprintln(w, "\nUsage:")
	sort.Slice(commands, func(i, j int) bool { return commands[i].name < commands[j].name })
	for _, c := range commands {
		fmt.Fprintf(w, "  wasmrun %s\n      %s\n", c.usage, c.help)
	}
	fmt.Fprintln(w, "\nGlobal options (before the command): --cache DIR (compilation cache; default: the user cache dir), --no-cache, -v (log guest output and engine events)")
}

// run executes one invocation and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	if dir, err := os.UserCacheDir(); err == nil {
		e.cacheDir = dir + "/wasmadapt"
	}
	level := slog.LevelWarn
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch a := args[0]; {
		case a == "-h" || a == "--help" || a == "-help":
			printUsage(stdout)
			return 0
		case a == "-v" || a == "--verbose":
			level = slog.LevelDebug
		case a == "--no-cache":
			e.cacheDir = ""
		case a == "--cache" && len(args) > 1:
			e.cacheDir = args[1]
			args = args[1:]
		case strings.HasPrefix(a, "--cache="):
			e.cacheDir = strings.TrimPrefix(a, "--cache=")
		default:
			fmt.Fprintf(stderr, "wasmrun: unknown global option %s\n", a)
			printUsage(stderr)
			return 2
		}
		args = args[1:]
	}
	e.logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if len(args) == 0 || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c := lookup(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "wasmrun: unknown command %q\n", args[0])
		printUsage(stderr)
		return 2
	}
	err := c.run(ctx, e, args[1:])
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "wasmrun %s: %s\nusage: wasmrun %s\n", c.name, ue.msg, c.usage)
		return 2
	}
	var te *testFailures
	if errors.As(err, &te) {
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
	if len(pos) != len(positionals) {
		return nil, usagef("expected %s, got %d argument(s)", strings.Join(positionals, " "), len(pos))
	}
	return pos, nil
}
