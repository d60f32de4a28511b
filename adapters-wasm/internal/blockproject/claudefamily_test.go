package blockproject

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestParseClaude(t *testing.T) {
	tests := []struct {
		name string
		want ClaudeVersion
		ok   bool
	}{
		{"claude-opus-4-7", ClaudeVersion{"opus", 4, 7}, true},
		{"claude-opus-4", ClaudeVersion{"opus", 4, 0}, true},
		{"claude-opus-4-20250514", ClaudeVersion{"opus", 4, 0}, true},
		{"claude-opus-4-1-20250805", ClaudeVersion{"opus", 4, 1}, true},
		{"claude-sonnet-4-5@20250929", ClaudeVersion{"sonnet", 4, 5}, true},
		{"anthropic.claude-opus-4-8-v1:0", ClaudeVersion{"opus", 4, 8}, true},
		{"claude-sonnet-5", ClaudeVersion{"sonnet", 5, 0}, true},
		{"claude-3-5-sonnet-20241022", ClaudeVersion{}, false},
		{"claude-opus", ClaudeVersion{}, false},
		{"gpt-5", ClaudeVersion{}, false},
		{"claude-opus-123", ClaudeVersion{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseClaude(tt.name)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("ParseClaude(%q) = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestClaudeFamily(t *testing.T) {
	table := []string{"claude-opus-4-7", "claude-opus-4-6", "claude-sonnet-4-6", "claude-sonnet-4-5", "claude-opus-4", "claude-3-5-sonnet", "anthropic.claude"}
	prefix := func(i int) string { return table[i] }
	tests := []struct {
		name  string
		match string // the first table prefix ClaudePrefixMatches accepts, "" for none
		fam   string // the ClaudeFamily entry, "" for none
	}{
		{"claude-opus-4-7-20260416", "claude-opus-4-7", "claude-opus-4-7"},
		{"claude-opus-4-20250514", "claude-opus-4", "claude-opus-4"},
		{"claude-opus-4-8", "", "claude-opus-4-7"},
		{"claude-opus-5", "", "claude-opus-4-7"},
		{"claude-sonnet-4-7", "", "claude-sonnet-4-6"},
		{"claude-opus-4-3", "", "claude-opus-4"},
		{"claude-haiku-9", "", ""},
		{"claude-3-5-sonnet-latest", "claude-3-5-sonnet", ""},
		{"anthropic.claude-v2", "anthropic.claude", ""},
		{"anthropic.claude-opus-4-8", "", "claude-opus-4-7"}, // the vendor prefix is not part of the version
	}
	for _, tt := range tests {
		match := ""
		for _, p := range table {
			if ClaudePrefixMatches(tt.name, p) {
				match = p
				break
			}
		}
		fam := ""
		if i := ClaudeFamily(tt.name, len(table), prefix); i >= 0 {
			fam = table[i]
		}
		if match != tt.match || fam != tt.fam {
			t.Errorf("%s: prefix match %q, family %q; want %q, %q", tt.name, match, fam, tt.match, tt.fam)
		}
	}
}

func TestCheckDefaultSampling(t *testing.T) {
	one, low := 1.0, 0.2
	tests := []struct {
		name    string
		req     abi.Request
		topK    bool
		pointer string // "" for no error
	}{
		{"nothing set", abi.Request{}, false, ""},
		{"defaults", abi.Request{Temperature: &one, TopP: &one}, false, ""},
		{"temperature", abi.Request{Temperature: &low}, false, "/temperature"},
		{"top_p", abi.Request{TopP: &low}, false, "/top_p"},
		{"top_k", abi.Request{}, true, "/k"},
	}
	for _, tt := range tests {
		err := CheckDefaultSampling(&tt.req, tt.topK, "/k")
		if tt.pointer == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		e, ok := err.(*abi.Error)
		if !ok || e.Code != abi.CodeCapabilityUnsupported || e.Pointer != tt.pointer {
			t.Errorf("%s: got %v, want capability_unsupported at %s", tt.name, err, tt.pointer)
		}
	}
}
