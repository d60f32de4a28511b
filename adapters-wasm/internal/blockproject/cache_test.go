package blockproject

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestCacheOnParts(t *testing.T) {
	c := &abi.Cache{TTL: "1h"}
	tests := []struct {
		name    string
		in      []abi.Message
		wantAt  []string // pointers of marked parts after the move
		wantErr string   // JSON pointer of the error; "" = none
	}{
		{"message marker to last part", []abi.Message{
			{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartText, Text: "a"}, {Type: abi.PartText, Text: "b"}}, Cache: c},
		}, []string{"/messages/0/content/1"}, ""},
		{"skips a trailing blank part", []abi.Message{
			{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartText, Text: "a"}, {Type: abi.PartText, Text: " "}}, Cache: c},
		}, []string{"/messages/0/content/0"}, ""},
		{"skips another provider's reasoning", []abi.Message{
			{Role: abi.RoleUser, Content: abi.Text("q")},
			{Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartText, Text: "a"}, {Type: abi.PartReasoning, Text: "t", Signature: "s", Provider: "other"}}, Cache: c},
		}, []string{"/messages/1/content/0"}, ""},
		{"skips its own reasoning (content is marked, not thinking)", []abi.Message{
			{Role: abi.RoleUser, Content: abi.Text("q")},
			{Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartText, Text: "a"}, {Type: abi.PartReasoning, Text: "t", Signature: "s", Provider: "p"}}, Cache: c},
		}, []string{"/messages/1/content/0"}, ""},
		{"nothing sent", []abi.Message{
			{Role: abi.RoleUser, Content: abi.Text("  "), Cache: c},
		}, nil, "/messages/0/cache"},
		{"system markers stay with Turns", []abi.Message{
			{Role: abi.RoleSystem, Content: abi.Text("s"), Cache: c},
		}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := CacheOnParts(tt.in, "p")
			if tt.wantErr != "" {
				if e, ok := err.(*abi.Error); !ok || e.Pointer != tt.wantErr {
					t.Fatalf("err = %v, want one at %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			at := CacheAt(out)
			if len(at) != len(tt.wantAt) {
				t.Fatalf("marked parts %v, want %v", at, tt.wantAt)
			}
			for _, p := range tt.wantAt {
				if at[p] != *c {
					t.Errorf("%s: %v, want %v", p, at[p], *c)
				}
			}
			if tt.in[len(tt.in)-1].Cache != c || len(CacheAt(tt.in)) != 0 {
				t.Error("the input was modified")
			}
		})
	}
}

func TestCheckCache(t *testing.T) {
	mark := func(ttls ...string) *abi.Request {
		r := &abi.Request{}
		for _, ttl := range ttls {
			r.Messages = append(r.Messages, abi.Message{Role: abi.RoleUser, Content: abi.Text("x"), Cache: &abi.Cache{TTL: ttl}})
		}
		return r
	}
	tests := []struct {
		name string
		req  *abi.Request
		code abi.Code
	}{
		{"within the limit", mark("", "5m"), ""},
		{"over the limit", mark("", "", ""), abi.CodeCapabilityUnsupported},
		{"ttl the API lacks", mark("1h"), abi.CodeCapabilityUnsupported},
		{"ttl the contract lacks", mark("2d"), abi.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckCache(tt.req, 2, "API", "5m")
			if got := abi.CodeOf(err); got != tt.code {
				t.Errorf("code %q (%v), want %q", got, err, tt.code)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	c := &abi.Cache{TTL: "5m"}
	in := []abi.Message{
		{Role: abi.RoleUser, Content: []abi.Part{{Type: abi.PartText, Text: "a", Cache: c}, {Type: abi.PartText, Text: "b"}}},
		{Role: abi.RoleAssistant, Content: []abi.Part{{Type: abi.PartText, Text: "c", Cache: c}}},
	}
	turns := []Turn[string]{
		{Role: "user", Blocks: []string{"a", "b"}, Src: []string{"/messages/0/content/0", "/messages/0/content/1"}},
		{Role: "assistant", Blocks: []string{"c"}, Src: []string{"/messages/1/content/0"}},
	}
	join := func(role string, blocks []string) string { return role + ":" + strings.Join(blocks, ",") }
	point := func(blocks []string, c abi.Cache, _ string) ([]string, error) {
		return append(blocks, "cache "+c.TTL), nil
	}
	got, err := Messages(in, turns, point, join)
	if want := []string{"user:a,cache 5m,b", "assistant:c,cache 5m"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("Messages = %q, %v; want %q", got, err, want)
	}
	refuse := func([]string, abi.Cache, string) ([]string, error) { return nil, errors.New("no") }
	if _, err := Messages(in, turns, refuse, join); err == nil || err.Error() != "no" {
		t.Errorf("a refused marker gave %v", err)
	}
	// The assistant's marked part was dropped: its marker is not placed.
	var e *abi.Error
	if _, err := Messages(in, turns[:1], point, join); !errors.As(err, &e) || e.Pointer != "/messages/1/content/0/cache" {
		t.Errorf("an unplaced marker gave %v", err)
	}
	// Without markers the blocks are the turns' own.
	got, err = Messages(in[1:1], turns, point, join)
	if want := []string{"user:a,b", "assistant:c"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("without markers: %q, %v", got, err)
	}
}
