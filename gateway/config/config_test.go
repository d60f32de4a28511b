package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestExample(t *testing.T) {
	c, err := Load("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Models) != 2 || len(c.Models[0].Targets) != 2 || c.Models[0].Targets[1].Line != 11 || c.Keys[1].Line != 25 {
		t.Fatalf("parsed %+v", c)
	}
	if !c.Keys[1].Allows("fast") || c.Keys[1].Allows("claude") || !c.Keys[0].Allows("claude") {
		t.Fatal("per-key models")
	}
	if l := c.Keys[1].Limits; c.Keys[0].Limits != nil || l == nil || l.Line != 28 || l.RequestsPerMinute != 600 ||
		l.TokensPerMinute != 200000 || l.TokenBudget != 50000000 || l.Period() != 720*time.Hour {
		t.Fatalf("limits %+v", c.Keys[1].Limits)
	}
	if HashKey("test") != c.Keys[0].SHA256 {
		t.Fatal("HashKey is not hex sha256")
	}
	if k := c.PublicKeys(); len(k) != 1 || fmt.Sprintf("%x", k[0]) != c.ModulePublicKeys[0] {
		t.Fatalf("module public keys %x, want the file's %v", k, c.ModulePublicKeys)
	}
}

// TestProblems: each problem is reported with the line of the entry it
// is about, and all of them at once.
func TestProblems(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"syntax", "models:\n  - name: \"a\n", []string{"x.yaml:2: found unexpected end of stream"}},
		{"duplicate key", "models:\n  - name: a\n    name: b\n", []string{`x.yaml:3: mapping key "name" already defined at line 2`}},
		{"unknown field", "models:\n  - name: a\n    targets:\n      - module: m\n        model: p\n        base_ulr: http://x\n", []string{"x.yaml:6: field base_ulr not found"}},
		{"wrong type", "models:\n  - name: a\n    targets: 3\n", []string{"x.yaml:3: cannot unmarshal"}},
		{"empty", "listen: :80\n", []string{"x.yaml: no models"}},
		{"semantic", `models:
  - name: a
    targets:
      - module: openai
        model: m
        base_url: ftp://x
  - name: a
    targets: []
  - name: b
    targets:
      - model: m
        credential_env: A
        credential_file: /f
keys:
  - name: k
    sha256: abc
    models: [a, c]
  - name: k
    sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08
`, []string{
			`x.yaml:4: base_url "ftp://x" is not an http(s) URL`,
			`x.yaml:7: model "a" is already defined on line 2`,
			`x.yaml:7: model "a" has no targets`,
			`x.yaml:11: target without a module`,
			`x.yaml:11: target sets more than one of credential_env, credential_envs, credential_file and credential_token`,
			`x.yaml:15: key "k": sha256 must be 64 lowercase hex digits`,
			`x.yaml:15: key "k" allows model "c", which the file does not define`,
			`x.yaml:18: key "k" is already defined on line 15`,
			`x.yaml:18: key "k": sha256 must be 64 lowercase hex digits`,
			`x.yaml:18: key "k" allows no models`,
		}},
		{"limits unknown field", "keys:\n  - name: k\n    limits:\n      per_hour: 3\n", []string{"x.yaml:4: field per_hour not found"}},
		{"limits semantic", `models:
  - name: a
    targets:
      - module: openai
        model: m
redis:
  addr: localhost
  db: -1
keys:
  - name: k
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    models: [a]
    limits:
      requests_per_minute: -1
      token_budget: 10
  - name: l
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    models: [a]
    limits:
      token_budget: 10
      budget_period: 30s
  - name: m
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    models: [a]
    limits:
      budget_period: 1 day
  - name: n
    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    models: [a]
    limits:
      tokens_per_minute: 5
      budget_period: 24h
`, []string{
			`x.yaml:6: redis: addr "localhost" is not host:port`,
			`x.yaml:6: redis: db must be 0 or more`,
			`x.yaml:13: key "k": requests_per_minute must be 0 (no limit) or more, not -1`,
			`x.yaml:13: key "k": token_budget needs budget_period`,
			`x.yaml:19: key "l": budget_period 30s is shorter than 1m`,
			`x.yaml:25: key "m": budget_period "1 day" is not a Go duration`,
			`x.yaml:30: key "n": budget_period without token_budget limits nothing`,
		}},
		{"module public keys", `models:
  - name: a
    targets:
      - module: openai
        model: m
module_public_keys:
  - 3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29
  - abcd
  - not a key
`, []string{
			`x.yaml:8: module_public_keys: "abcd" is not an ed25519 public key`,
			`x.yaml:9: module_public_keys: "not a key" is not an ed25519 public key`,
		}},
		{"token", `models:
  - name: a
    targets:
      - module: vertex-gemini
        model: m
        credential_token: kerberos
      - module: watsonx
        model: m
        credential_token_url: https://iam.example
      - module: azure-openai
        model: m
        credential_token: azure-entra
        credential_env: K
`, []string{
			`x.yaml:4: credential_token "kerberos" is not google, azure-entra or ibm-iam`,
			`x.yaml:7: credential_token_url without credential_token`,
			`x.yaml:10: target sets more than one of credential_env, credential_envs, credential_file and credential_token`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.yaml))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want *Error", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("got\n%s\nwant %d problems", err, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("problem %d: %q, want prefix %q", i, lines[i], w)
				}
			}
		})
	}
}
