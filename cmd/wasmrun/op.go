package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/host"
)

func init() {
	register(&command{name: "op", usage: "op MODULE models|embed|count-tokens [REQUEST.json] [--base-url URL] [--api-key-env VAR] [--region R]",
		help: "run one operation of ABI 1.3 live through the host and print its result as JSON: models (every page; no REQUEST.json), embed (REQUEST.json: {\"model\", \"inputs\", \"dimensions\"?, \"encoding\"?, \"input_type\"?}) or count-tokens (REQUEST.json: a normalized request); the API key is found as for chat; a module that does not serve the operation fails with capability_unsupported", run: runOp})
	// Each operation as a command of its own: wasmrun models MODULE is
	// wasmrun op MODULE models.
	for word, args := range map[string]string{"models": "", "embed": " REQUEST.json", "count-tokens": " REQUEST.json"} {
		register(&command{name: word, usage: word + " MODULE" + args + " [--base-url URL] [--api-key-env VAR] [--region R]",
			help: "the same as wasmrun op MODULE " + word + args + ": see wasmrun help op",
			run:  func(ctx context.Context, e *env, a []string) error { return opCommand(ctx, e, a, word) }})
	}
}

func runOp(ctx context.Context, e *env, args []string) error { return opCommand(ctx, e, args, "") }

// opNames maps the command's operation words to the ABI's names.
var opNames = map[string]string{"models": abi.OpModels, "embed": abi.OpEmbed, "count-tokens": abi.OpCountTokens}

// opCommand runs wasmrun op, or, with word set, its shorthand wasmrun
// <word> MODULE [REQUEST.json].
func opCommand(ctx context.Context, e *env, args []string, word string) error {
	fs := flag.NewFlagSet("op", flag.ContinueOnError)
	baseURL := fs.String("base-url", "", "provider base URL (default: the module's)")
	keyEnv := fs.String("api-key-env", "", "environment variable holding the API key (default: the module's conventional one, as for chat)")
	region := fs.String("region", os.Getenv("AWS_REGION"), "AWS region, for aws-sigv4 modules")
	var pos []string
	var err error
	if word == "" {
		pos, err = parseArgs(fs, args, "MODULE", "OPERATION", "[REQUEST.json]")
	} else if pos, err = parseArgs(fs, args, "MODULE", "[REQUEST.json]"); err == nil {
		pos = append([]string{pos[0], word}, pos[1:]...)
	}
	if err != nil {
		return err
	}
	op, ok := opNames[pos[1]]
	if !ok {
		return usagef("unknown operation %q: want models, embed or count-tokens", pos[1])
	}
	var reqFile []byte
	switch {
	case op == abi.OpModels && len(pos) > 2:
		return usagef("op models takes no REQUEST.json")
	case op != abi.OpModels && len(pos) != 3:
		return usagef("op %s needs REQUEST.json", pos[1])
	case op != abi.OpModels:
		if reqFile, err = os.ReadFile(pos[2]); err != nil {
			return fmt.Errorf("reading request: %w", err)
		}
	}
	m, done, err := openModule(ctx, e, pos[0])
	if err != nil {
		return err
	}
	defer done()
	caps, err := m.Capabilities(ctx, "")
	if err != nil {
		return err
	}
	creds, err := credentialsFor(ctx, e, caps, *keyEnv, "op", tokenFlags{})
	if err != nil {
		return err
	}
	client := host.NewClient(host.WithLogger(e.logger))
	p := host.Provider{Module: m, BaseURL: *baseURL, Credentials: creds, Region: *region}
	var out any
	switch op {
	case abi.OpModels:
		models, err := client.Models(ctx, p)
		if err != nil {
			return err
		}
		out = abi.ModelsResult{Models: models}
	case abi.OpEmbed:
		var req abi.EmbedRequest
		if err := strictJSON(reqFile, &req); err != nil {
			return abi.Errorf(abi.CodeInvalidRequest, "%s is not a valid embed request: %v", pos[2], err)
		}
		if out, err = client.Embed(ctx, p, &req); err != nil {
			return err
		}
	case abi.OpCountTokens:
		req, err := decodeRequest(pos[2], reqFile)
		if err != nil {
			return err
		}
		n, err := client.CountTokens(ctx, p, req)
		if err != nil {
			return err
		}
		out = abi.CountTokensResult{InputTokens: n}
	}
	return writeJSON(e, out)
}

// strictJSON decodes b into v, refusing unknown fields.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
