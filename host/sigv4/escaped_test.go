package sigv4

import "testing"

func TestCanonicalEscapedURIKeepsEscapedSlash(t *testing.T) {
	for _, tc := range []struct {
		escaped, wire, canonical string
	}{
		{"/model/anthropic.claude-v2/converse", "/model/anthropic.claude-v2/converse", "/model/anthropic.claude-v2/converse"},
		{"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x/converse",
			"/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x/converse",
			"/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A1%253Ainference-profile%252Fus.x/converse"},
		{"/a%20b/", "/a%20b/", "/a%2520b/"},
		{"", "/", "/"},
	} {
		if got := CanonicalEscapedURI(tc.escaped, false); got != tc.wire {
			t.Errorf("wire form of %q = %q, want %q", tc.escaped, got, tc.wire)
		}
		if got := CanonicalEscapedURI(tc.escaped, true); got != tc.canonical {
			t.Errorf("canonical form of %q = %q, want %q", tc.escaped, got, tc.canonical)
		}
	}
}
