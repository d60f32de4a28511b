// Package config reads and validates the gateway's routing file (YAML).
//
// The file maps public model names, the names clients send, to an ordered
// list of targets (an adapter module, the provider's model, a base URL and
// where the credential comes from); the list is a fallback chain. It also
// holds the gateway's API keys, stored as SHA-256 digests, each with the
// public models it may use:
//
//	listen: 127.0.0.1:8080          # optional; the -listen flag wins
//	modules_dir: bin/adapters       # where a module given by name is found
//	log_content: false              # true: access logs hold prompt and answer text
//	models:
//	  - name: fast                  # the public model name
//	    targets:                    # tried in order (fallbacks)
//	      - module: openai          # NAME (modules_dir/NAME.wasm) or a path to a .wasm
//	        model: gpt-4.1-mini     # the provider's model
//	        base_url: https://api.openai.com   # optional: the module's default
//	        credential_env: OPENAI_API_KEY     # or credential_file, or
//	                                           # credential_envs: [K1, K2] (a key pool), or
//	                                           # credential_token: google|azure-entra|ibm-iam
//	                                           # (OAuth2 access tokens, see Target)
//	keys:
//	  - name: team-a
//	    sha256: 5e88...             # hex sha256 of the key clients send
//	    models: [fast]              # or ["*"] for every model
//	    limits:                     # optional tenant limits (see Limits)
//	      requests_per_minute: 600
//	      tokens_per_minute: 200000
//	      token_budget: 50000000
//	      budget_period: 720h
//	redis:                          # optional: limits shared by replicas (see Redis)
//	  addr: 127.0.0.1:6379
//	module_public_keys:             # optional: OCI modules must be signed by one
//	  - 3b6a27bc...                 # ed25519 public key, hex or base64 (wasmrun keygen)
//
// Load reports every problem it finds, each with the line it is on, as a
// *Error holding []Problem.
package config

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wasmadapt/wasmadapt/internal/pubkey"
)

// Config is a parsed and validated routing file.
type Config struct {
	// Listen is the address to listen on ("" lets the caller decide).
	Listen string `yaml:"listen"`
	// ModulesDir is where modules named without a path are found.
	ModulesDir string `yaml:"modules_dir"`
	// Models are the public models, in file order.
	Models []Model `yaml:"models"`
	// Keys are the gateway API keys.
	Keys []Key `yaml:"keys"`
	// Redis, when set, holds the limit counters every replica shares
	// (see Redis); without it each replica counts in memory.
	Redis *Redis `yaml:"redis"`
	// LogContent adds, to each request's access log, the text of the
	// request's messages and of the answer. Off by default: prompts and
	// answers are the users' data and often hold secrets; turn it on only
	// where the logs may keep them.
	LogContent bool `yaml:"log_content"`
	// ModulePublicKeys, when set, are the ed25519 public keys (hex or
	// base64) of which one must have signed every module pulled from an
	// OCI registry (the signature referrer `wasmrun push --key KEYFILE` pushes);
	// an unsigned module, or one no key verifies, does not load. Modules
	// read from files are not checked. See PublicKeys.
	ModulePublicKeys []string `yaml:"module_public_keys"`
	// moduleKeyLines are the lines of ModulePublicKeys' entries.
	moduleKeyLines []int
}

// PublicKeys returns ModulePublicKeys decoded (the file was validated, so
// every entry is a key).
func (c *Config) PublicKeys() []ed25519.PublicKey {
	var keys []ed25519.PublicKey
	for _, s := range c.ModulePublicKeys {
		if k, err := pubkey.Parse(s); err == nil {
			keys = append(keys, k)
		}
	}
	return keys
}

// Model is one public model and its fallback chain.
type Model struct {
	// Name is the model name clients send.
	Name string `yaml:"name"`
	// Targets are tried in order.
	Targets []Target `yaml:"targets"`
	// Line is the line of the model's entry in the file.
	Line int `yaml:"-"`
}

// Target is one provider a public model may be served by.
type Target struct {
	// Module is a module name (resolved in ModulesDir), a path to a
	// .wasm file, or (with the wasmadapt-gateway command's loader) an
	// OCI reference oci://HOST/REPO:TAG or oci://HOST/REPO@sha256:DIGEST.
	Module string `yaml:"module"`
	// Model is the provider's model name.
	Model string `yaml:"model"`
	// BaseURL is the provider's base URL ("" uses the module's default).
	BaseURL string `yaml:"base_url"`
	// CredentialEnv names the environment variable holding the key.
	CredentialEnv string `yaml:"credential_env"`
	// CredentialEnvs names several variables whose keys form a key pool.
	CredentialEnvs []string `yaml:"credential_envs"`
	// CredentialFile is a file holding the key (surrounding space trimmed).
	CredentialFile string `yaml:"credential_file"`
	// CredentialToken takes OAuth2 access tokens, fetched and refreshed by
	// the host, instead of a key: "google" (application-default
	// credentials, for the Vertex modules), "azure-entra"
	// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, for
	// azure-openai) or "ibm-iam" (WATSONX_APIKEY or IBMCLOUD_API_KEY, for
	// watsonx).
	CredentialToken string `yaml:"credential_token"`
	// CredentialTokenURL replaces the token endpoint of CredentialToken
	// (an Azure authority, a private IAM endpoint).
	CredentialTokenURL string `yaml:"credential_token_url"`
	// Line is the line of the target's entry in the file.
	Line int `yaml:"-"`
}

// Key is one gateway API key.
type Key struct {
	// Name identifies the key in logs.
	Name string `yaml:"name"`
	// SHA256 is the lowercase hex SHA-256 digest of the key.
	SHA256 string `yaml:"sha256"`
	// Models are the public models the key may use; "*" allows all.
	Models []string `yaml:"models"`
	// Limits are the key's tenant limits (nil: none).
	Limits *Limits `yaml:"limits"`
	// Line is the line of the key's entry in the file.
	Line int `yaml:"-"`
}

// Allows reports whether the key may use the public model.
func (k *Key) Allows(model string) bool {
	for _, m := range k.Models {
		if m == "*" || m == model {
			return true
		}
	}
	return false
}

// HashKey returns the hex SHA-256 digest of a gateway key, the form the
// file stores.
func HashKey(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}

// Problem is one thing wrong with the file.
type Problem struct {
	// Line is the 1-based line (0: the file as a whole).
	Line int
	// Message says what is wrong.
	Message string
}

// Error is the set of problems that made a file invalid.
type Error struct {
	// File is the file's name, as given to Load.
	File string
	// Problems are in file order.
	Problems []Problem
}

// Error lists the problems, one "file:line: message" a line.
func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "%s:%d: %s", e.File, p.Line, p.Message)
		} else {
			fmt.Fprintf(&b, "%s: %s", e.File, p.Message)
		}
	}
	return b.String()
}

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse validates the YAML b; name labels the problems.
func Parse(name string, b []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, &Error{File: name, Problems: yamlProblems(err)}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, &Error{File: name, Problems: yamlProblems(err)}
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	models := items(field(doc, "models"))
	for i := range c.Models {
		if i < len(models) {
			c.Models[i].Line = models[i].Line
			ts := items(field(models[i], "targets"))
			for j := range c.Models[i].Targets {
				if j < len(ts) {
					c.Models[i].Targets[j].Line = ts[j].Line
				}
			}
		}
	}
	keys := items(field(doc, "keys"))
	for i := range c.Keys {
		if i < len(keys) {
			c.Keys[i].Line = keys[i].Line
		}
	}
	c.limitLines(doc, keys)
	for _, n := range items(field(doc, "module_public_keys")) {
		c.moduleKeyLines = append(c.moduleKeyLines, n.Line)
	}
	if ps := c.validate(); len(ps) > 0 {
		return nil, &Error{File: name, Problems: ps}
	}
	return &c, nil
}

func yamlProblems(err error) []Problem {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		ps := make([]Problem, 0, len(te.Errors))
		for _, s := range te.Errors {
			ps = append(ps, lineProblem(s))
		}
		return ps
	}
	return []Problem{lineProblem(strings.TrimPrefix(err.Error(), "yaml: "))}
}

// lineProblem splits yaml's "line N: message".
func lineProblem(s string) Problem {
	var n int
	if _, err := fmt.Sscanf(s, "line %d:", &n); err == nil {
		if i := strings.Index(s, ": "); i >= 0 {
			return Problem{Line: n, Message: s[i+2:]}
		}
	}
	return Problem{Message: s}
}

func field(n *yaml.Node, key string) *yaml.Node {
	_, v := pair(n, key)
	return v
}

// pair returns the key and value nodes of key in the mapping n.
func pair(n *yaml.Node, key string) (k, v *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func items(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func (c *Config) validate() []Problem {
	var ps []Problem
	add := func(line int, format string, args ...any) {
		ps = append(ps, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
	}
	if len(c.Models) == 0 {
		add(0, "no models: the file must list at least one public model under models:")
	}
	seen := map[string]int{}
	for _, m := range c.Models {
		switch {
		case m.Name == "":
			add(m.Line, "model without a name")
		case seen[m.Name] > 0:
			add(m.Line, "model %q is already defined on line %d", m.Name, seen[m.Name])
		default:
			seen[m.Name] = m.Line
		}
		if len(m.Targets) == 0 {
			add(m.Line, "model %q has no targets", m.Name)
		}
		for _, t := range m.Targets {
			if t.Module == "" {
				add(t.Line, "target without a module")
			}
			if t.Model == "" {
				add(t.Line, "target without a provider model")
			}
			if t.BaseURL != "" {
				if u, err := url.Parse(t.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					add(t.Line, "base_url %q is not an http(s) URL", t.BaseURL)
				}
			}
			n := 0
			for _, set := range []bool{t.CredentialEnv != "", len(t.CredentialEnvs) > 0, t.CredentialFile != "", t.CredentialToken != ""} {
				if set {
					n++
				}
			}
			if n > 1 {
				add(t.Line, "target sets more than one of credential_env, credential_envs, credential_file and credential_token")
			}
			switch t.CredentialToken {
			case "", "google", "azure-entra", "ibm-iam":
			default:
				add(t.Line, "credential_token %q is not google, azure-entra or ibm-iam", t.CredentialToken)
			}
			if t.CredentialTokenURL != "" && t.CredentialToken == "" {
				add(t.Line, "credential_token_url without credential_token")
			}
		}
	}
	names := map[string]int{}
	for _, k := range c.Keys {
		if k.Name == "" {
			add(k.Line, "key without a name")
		} else if l := names[k.Name]; l > 0 {
			add(k.Line, "key %q is already defined on line %d", k.Name, l)
		} else {
			names[k.Name] = k.Line
		}
		if b, err := hex.DecodeString(k.SHA256); err != nil || len(b) != sha256.Size || strings.ToLower(k.SHA256) != k.SHA256 {
			add(k.Line, "key %q: sha256 must be 64 lowercase hex digits (the digest of the key, never the key)", k.Name)
		}
		if len(k.Models) == 0 {
			add(k.Line, "key %q allows no models (list them, or \"*\")", k.Name)
		}
		for _, m := range k.Models {
			if m != "*" && seen[m] == 0 {
				add(k.Line, "key %q allows model %q, which the file does not define", k.Name, m)
			}
		}
	}
	c.validateLimits(add)
	for i, s := range c.ModulePublicKeys {
		line := 0
		if i < len(c.moduleKeyLines) {
			line = c.moduleKeyLines[i]
		}
		if _, err := pubkey.Parse(s); err != nil {
			add(line, "module_public_keys: %v; give the public key that wasmrun keygen printed", err)
		}
	}
	return ps
}
