package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmadapt/wasmadapt/abi"
	"github.com/wasmadapt/wasmadapt/api/cases"
	"github.com/wasmadapt/wasmadapt/engine"
	"github.com/wasmadapt/wasmadapt/host"
)

func init() {
	register(&command{name: "chat", usage: "chat MODULE REQUEST.json [--base-url URL] [--api-key-env VAR] [--token KIND] [--google-key FILE] [--token-url URL] [--region R] [--record DIR] [--assume JSON] [--allow-downgrade NAMES]",
		help: "run one live exchange through the host and print the events as JSON lines; the API key comes from the module's usual variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, ...; NAME_API_KEY otherwise) unless --api-key-env names one; the Vertex modules, watsonx and azure-openai with Entra ID take OAuth2 access tokens instead (--token), fetched and refreshed by the host; --record saves the exchange as a golden case; --assume gives capabilities to assume for a model the module does not know; --allow-downgrade names opt-in downgrades", run: runChat})
}

func runChat(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	baseURL := fs.String("base-url", "", "provider base URL (default: the module's)")
	keyEnv := fs.String("api-key-env", "", "environment variable holding the API key (default: the module's conventional one, e.g. OPENAI_API_KEY; AWS modules read the standard AWS_* variables)")
	tokenKind := fs.String("token", "", "take an OAuth2 access token instead of an API key: google (GOOGLE_APPLICATION_CREDENTIALS or the other application-default credentials, or --google-key), azure-entra (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), ibm-iam (WATSONX_APIKEY or IBMCLOUD_API_KEY); default: google for the Vertex modules, ibm-iam for watsonx, azure-entra for azure-openai when AZURE_OPENAI_API_KEY is unset and AZURE_CLIENT_ID is set")
	googleKey := fs.String("google-key", "", "Google service account key file, for --token google")
	tokenURL := fs.String("token-url", "", "replace the token endpoint of --token (the Azure authority, or the IAM endpoint; a loopback server in tests)")
	region := fs.String("region", os.Getenv("AWS_REGION"), "AWS region, for aws-sigv4 modules")
	recordDir := fs.String("record", "", "save the exchange as a golden case in this directory")
	assume := fs.String("assume", "", `capabilities (JSON, as "capabilities" of inspect; unset fields are plain text) assumed for a model the module does not know`)
	allow := fs.String("allow-downgrade", "", "comma-separated downgrades to opt in to (StreamToGenerate, DropReasoning, DropRefusedSampling)")
	pos, err := parseArgs(fs, args, "MODULE", "REQUEST.json")
	if err != nil {
		return err
	}
	opts, err := callOptions(*assume, *allow)
	if err != nil {
		return err
	}
	m, req, done, err := openWithRequest(ctx, e, pos[0], pos[1])
	if err != nil {
		return err
	}
	defer done()
	caps, err := m.Capabilities(ctx, req.Model)
	if err != nil {
		return err
	}
	creds, err := credentialsFor(ctx, e, caps, *keyEnv, "chat", tokenFlags{*tokenKind, *googleKey, *tokenURL})
	if err != nil {
		return err
	}
	var last *host.Recording
	client := host.NewClient(host.WithLogger(e.logger),
		host.WithRecorder(func(_ context.Context, r *host.Recording) { last = r }))
	p := host.Provider{Module: m, BaseURL: *baseURL, Credentials: creds, Region: *region}
	var events []abi.Event
	var runErr error
	shown := false // runErr was printed as an error event
	for ev, err := range client.Stream(ctx, p, req, opts...) {
		if err != nil && runErr == nil {
			runErr = err
			shown = ev.Type != ""
		}
		if ev.Type == "" {
			continue
		}
		// An error the provider reported is an event line like any
		// other; the run still ends non-zero with its code on stderr.
		events = append(events, ev)
		if _, werr := e.stdout.Write(append(ev.AppendJSON(nil), '\n')); werr != nil {
			return werr
		}
	}
	if *recordDir != "" {
		if err := record(ctx, *recordDir, m, last, events, runErr); err != nil {
			return fmt.Errorf("recording the exchange: %w", err)
		}
		fmt.Fprintf(e.stderr, "wasmrun chat: recorded the exchange as a case in %s\n", *recordDir)
	}
	if runErr != nil && shown {
		// Already on stdout as an error event: print it once.
		return &reportedError{runErr}
	}
	return runErr
}

// tokenModules are the shipped modules whose provider takes OAuth2 access
// tokens only, with the kind of token (see --token).
var tokenModules = map[string]string{
	"vertex-gemini":    "google",
	"vertex-anthropic": "google",
	"watsonx":          "ibm-iam",
}

// defaultToken returns the --token default for module name: its entry of
// tokenModules; azure-entra for azure-openai when its API key variable is
// unset and an Entra ID application is configured; else "" (an API key).
func defaultToken(name string) string {
	if k, ok := tokenModules[name]; ok {
		return k
	}
	if name == "azure-openai" && os.Getenv("AZURE_OPENAI_API_KEY") == "" && os.Getenv(host.EnvAzureClientID) != "" {
		return "azure-entra"
	}
	return ""
}

// tokenSource returns the token source of kind (see --token).
func tokenSource(ctx context.Context, kind, googleKey string, o host.TokenOptions) (*host.TokenSource, error) {
	switch kind {
	case "google":
		var keyJSON []byte
		if googleKey != "" {
			b, err := os.ReadFile(googleKey)
			if err != nil {
				return nil, usagef("--google-key: %v", err)
			}
			keyJSON = b
		}
		return host.GoogleCredentials(ctx, keyJSON, o)
	case "azure-entra":
		return host.AzureEntraFromEnv(o)
	case "ibm-iam":
		return host.IBMIAMFromEnv(o)
	}
	return nil, usagef("--token %q: want google, azure-entra or ibm-iam", kind)
}

// keyEnvVars are the conventional environment variables of each shipped
// module's API key, by module name (abi.Capabilities.Name), first choice
// first. A module not listed reads NAME_API_KEY (upper case, '-' as '_').
var keyEnvVars = map[string][]string{
	"openai":            {"OPENAI_API_KEY"},
	"openai-responses":  {"OPENAI_API_KEY"},
	"openai-compatible": {"OPENAI_API_KEY"},
	"azure-openai":      {"AZURE_OPENAI_API_KEY"},
	"anthropic":         {"ANTHROPIC_API_KEY"},
	"gemini":            {"GEMINI_API_KEY", "GOOGLE_API_KEY"},
	"mistral":           {"MISTRAL_API_KEY"},
	"deepseek":          {"DEEPSEEK_API_KEY"},
	"groq":              {"GROQ_API_KEY"},
	"xai":               {"XAI_API_KEY"},
	"openrouter":        {"OPENROUTER_API_KEY"},
}

// keyVariables returns the environment variables chat reads the key of
// module name from when --api-key-env is not given.
func keyVariables(name string) []string {
	if v, ok := keyEnvVars[name]; ok {
		return v
	}
	return []string{strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name)) + "_API_KEY"}
}

// record writes the exchange as a case `wasmrun test` runs: the
// normalized request, the projection (which never holds credentials: the
// host adds them after projection), the decompressed body, the status and
// the events the host saw (for an error response, the event map_error
// gives for the body).
func record(ctx context.Context, dir string, m engine.Module, r *host.Recording, events []abi.Event, runErr error) error {
	if r == nil {
		return fmt.Errorf("no response was received: %v", runErr)
	}
	meta := cases.Meta{Description: "recorded by wasmrun chat", Framing: r.ProviderRequest.StreamFraming}
	if r.Status != http.StatusOK {
		meta.Status = r.Status
	}
	if r.Status >= 400 {
		ev, err := m.MapError(ctx, &abi.ResponseInput{Status: uint32(r.Status), Body: r.Body})
		if err != nil {
			return err
		}
		events = []abi.Event{ev}
	}
	files := map[string][]byte{cases.FileBody: r.Body, cases.FileEvents: cases.AppendLines(nil, events)}
	for name, v := range map[string]any{cases.FileMeta: meta, cases.FileRequest: r.Request, cases.FileProjection: r.ProviderRequest} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		files[name] = append(b, '\n')
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// callOptions turns the --assume and --allow-downgrade flags into call
// options.
func callOptions(assume, allow string) ([]host.CallOption, error) {
	var opts []host.CallOption
	if assume != "" {
		f := abi.PlainTextFeatures()
		if err := json.Unmarshal([]byte(assume), &f); err != nil {
			return nil, usagef("--assume: %v", err)
		}
		opts = append(opts, host.AssumeCapabilities(f))
	}
	for name := range strings.SplitSeq(allow, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		d, err := host.ParseDowngrade(name)
		if err != nil {
			return nil, usagef("--allow-downgrade: %v", err)
		}
		opts = append(opts, host.AllowDowngrade(d))
	}
	return opts, nil
}

// tokenFlags are chat's OAuth2 options (--token, --google-key,
// --token-url); the zero value picks the module's default token kind
// (defaultToken) when no key variable is named.
type tokenFlags struct{ kind, googleKey, tokenURL string }

// credentialsFor returns the credentials of a module's auth scheme: OAuth2
// access tokens of tok's kind (or the module's default kind), the standard
// AWS variables for aws-sigv4, none for "none", else the key in keyEnv or,
// when keyEnv is empty, in the module's conventional variable.
func credentialsFor(ctx context.Context, e *env, caps *abi.Capabilities, keyEnv, cmd string, tok tokenFlags) (host.CredentialSource, error) {
	var creds host.CredentialSource
	if tok.kind == "" && keyEnv == "" {
		tok.kind = defaultToken(caps.Name)
	}
	switch {
	case tok.kind != "":
		src, err := tokenSource(ctx, tok.kind, tok.googleKey, host.TokenOptions{TokenURL: tok.tokenURL})
		if err != nil {
			return nil, err
		}
		if e.verbose {
			fmt.Fprintf(e.stderr, "wasmrun %s: OAuth2 access tokens from %s\n", cmd, tok.kind)
		}
		creds = src
	case caps.Auth.Scheme == abi.AuthAWSSigV4:
		creds = host.EnvAWS()
	case caps.Auth.Scheme == abi.AuthNone:
	case keyEnv == "":
		vars := keyVariables(caps.Name)
		for _, v := range vars {
			if os.Getenv(v) != "" {
				keyEnv = v
				break
			}
		}
		if keyEnv == "" {
			return nil, usagef("module %s authenticates with %q and %s is unset: set it, or name the variable holding the key with --api-key-env", caps.Name, caps.Auth.Scheme, strings.Join(vars, " or "))
		}
		if e.verbose {
			fmt.Fprintf(e.stderr, "wasmrun %s: API key from %s\n", cmd, keyEnv)
		}
		creds = host.EnvKey(keyEnv)
	default:
		if os.Getenv(keyEnv) == "" {
			return nil, abi.Errorf(abi.CodeAuthentication, "environment variable %s is empty or unset", keyEnv)
		}
		creds = host.EnvKey(keyEnv)
	}
	return creds, nil
}
