package toolid

import (
	"fmt"
	"strings"
	"testing"
)

func TestBase62(t *testing.T) {
	tests := []struct {
		name     string
		id       string
		n        int
		identity bool
	}{
		{"already valid", "abcDEF123", 9, true},
		{"too long", "abcDEF1234", 9, false},
		{"too short", "abc", 9, false},
		{"underscore", "call_9866", 9, false},
		{"shared-prefix style", "tooluse_AbCdEfGhIjKlMnOp", 9, false},
		{"empty", "", 9, false},
		{"unicode", "functions.Bash:0", 12, false},
		{"long n", "x", 100, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Base62(tt.id, tt.n)
			if !IsBase62(got, tt.n) {
				t.Fatalf("Base62(%q,%d) = %q: not %d base62 chars", tt.id, tt.n, got, tt.n)
			}
			if (got == tt.id) != tt.identity {
				t.Fatalf("Base62(%q,%d) = %q, identity expected %v", tt.id, tt.n, got, tt.identity)
			}
			if again := Base62(tt.id, tt.n); again != got {
				t.Fatalf("not deterministic: %q then %q", got, again)
			}
		})
	}
}

func TestBase62SharedPrefix(t *testing.T) {
	// Truncation to the first 9 alphanumerics would map all of these to
	// "tooluseAb"; hashing must not.
	ids := []string{"tooluse_AbCdEfGh1", "tooluse_AbCdEfGh2", "tooluse_AbCdEfGh3", "tooluse_Ab"}
	seen := map[string]string{}
	for _, id := range ids {
		out := Base62(id, 9)
		if prev, dup := seen[out]; dup {
			t.Fatalf("%q and %q both map to %q", prev, id, out)
		}
		seen[out] = id
	}
}

func TestHash62Distribution(t *testing.T) {
	// Every alphabet character must be reachable (rejection sampling keeps
	// them uniform; a modulo bug would starve the tail).
	counts := map[byte]int{}
	for i := 0; i < 2000; i++ {
		for _, c := range []byte(Hash62(fmt.Sprint(i), 0, 9)) {
			counts[c]++
		}
	}
	if len(counts) != 62 {
		t.Fatalf("only %d distinct characters drawn", len(counts))
	}
	for c, n := range counts {
		if n < 150 || n > 450 { // expected 18000/62 ≈ 290
			t.Errorf("character %q drawn %d times", c, n)
		}
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct {
		id     string
		prefix string // expected kept part, before the separator
	}{
		{"toolu_01A09q90qw90lq917835lq9", ""},
		{"call-abc_DEF", ""},
		{"functions.Bash:0", "functions_Bash_0"},
		{"call_x__thought__sig+/=", "call_x__thought__sig___"},
		{"é", "__"},
		{"", ""},
	}
	for _, tt := range tests {
		got := Sanitize(tt.id, AlnumDashUnderscore)
		if !AlnumDashUnderscore.Valid(got) {
			t.Errorf("Sanitize(%q) = %q: invalid", tt.id, got)
		}
		if tt.prefix == "" && tt.id != "" {
			if got != tt.id {
				t.Errorf("Sanitize(%q) = %q, want identity", tt.id, got)
			}
			continue
		}
		want := tt.prefix + "_" + Hash62(tt.id, 0, 8)
		if got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.id, got, want)
		}
	}
	// IDs differing only in disallowed characters stay distinct.
	if a, b := Sanitize("a.b", AlnumDashUnderscore), Sanitize("a:b", AlnumDashUnderscore); a == b {
		t.Errorf("a.b and a:b both sanitize to %q", a)
	}
}

func TestSanitizeMaxLen(t *testing.T) {
	r := CharsetRule{Allowed: IsAlnumDashUnderscore, MaxLen: 20, Replacement: '_', Sep: '-', HashLen: 6}
	long := strings.Repeat("a", 40)
	got := Sanitize(long, r)
	if len(got) != 20 || !r.Valid(got) {
		t.Fatalf("Sanitize(40×a) = %q (len %d)", got, len(got))
	}
	if want := strings.Repeat("a", 13) + "-" + Hash62(long, 0, 6); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if Sanitize(strings.Repeat("a", 20), r) != strings.Repeat("a", 20) {
		t.Fatal("valid 20-byte ID was rewritten")
	}
}

// constRule rewrites every invalid ID to the same value until attempt
// exceeds 2: it forces Mapper through its collision path.
type constRule struct{}

func (constRule) Valid(id string) bool { return strings.HasPrefix(id, "ok") }
func (constRule) Rewrite(id string, attempt int) string {
	if attempt < 3 {
		return "ok0"
	}
	return "ok" + Hash62(id, attempt, 6)
}

func TestMapperCollisions(t *testing.T) {
	ids := []string{"b", "a", "ok0", "c", "a"}
	m := NewMapper(constRule{}, ids)
	if m.Len() != 4 {
		t.Fatalf("Len = %d, want 4", m.Len())
	}
	if got, _ := m.Map("ok0"); got != "ok0" {
		t.Fatalf("valid ID ok0 mapped to %q", got)
	}
	// "a" is rewritten first (sorted order), "ok0" is reserved, so a, b,
	// c all go through attempt 3 with distinct hashes.
	for _, id := range []string{"a", "b", "c"} {
		got, ok := m.Map(id)
		if !ok || got != "ok"+Hash62(id, 3, 6) {
			t.Errorf("Map(%q) = %q, %v", id, got, ok)
		}
	}
	checkInjective(t, m, ids)
}

func TestMapperBase62CollidingRewrite(t *testing.T) {
	// A valid 9-char ID equal to another ID's hash must keep its identity;
	// the other ID moves to its next attempt.
	victim := "tooluse_xyz"
	squatter := Hash62(victim, 0, 9)
	m := NewMapper(Base62Rule{N: 9}, []string{victim, squatter})
	if got, _ := m.Map(squatter); got != squatter {
		t.Fatalf("valid ID remapped to %q", got)
	}
	if got, _ := m.Map(victim); got != Hash62(victim, 1, 9) {
		t.Fatalf("Map(victim) = %q, want attempt-1 hash %q", got, Hash62(victim, 1, 9))
	}
	checkInjective(t, m, []string{victim, squatter})
}

func checkInjective(t *testing.T, m *Mapper, ids []string) {
	t.Helper()
	seen := map[string]string{}
	for _, id := range ids {
		out, ok := m.Map(id)
		if !ok {
			t.Fatalf("%q not in mapper", id)
		}
		if prev, dup := seen[out]; dup && prev != id {
			t.Fatalf("%q and %q both map to %q", prev, id, out)
		}
		seen[out] = id
		if back, ok := m.Original(out); !ok || back != id {
			t.Fatalf("Original(%q) = %q, %v; want %q", out, back, ok, id)
		}
	}
}

func TestMapperPropertyInjectiveDeterministic(t *testing.T) {
	// Small output space (N=2, 3844 values) with many IDs makes natural
	// collisions certain.
	var ids []string
	for i := 0; i < 1500; i++ {
		ids = append(ids, fmt.Sprintf("tooluse_%d", i))
	}
	ids = append(ids, "Ab", "zz", "09")
	for _, rule := range []Rule{Base62Rule{N: 2}, Base62Rule{N: 9}, AlnumDashUnderscore, CharsetRule{Allowed: IsAlnum, MaxLen: 12, Replacement: 'x', Sep: 'Z', HashLen: 2}} {
		m1 := NewMapper(rule, ids)
		checkInjective(t, m1, ids)
		for _, id := range ids {
			out, _ := m1.Map(id)
			if !rule.Valid(out) {
				t.Fatalf("%T: Map(%q) = %q is invalid", rule, id, out)
			}
		}
		// Same set in another order with duplicates: same mapping.
		rev := make([]string, 0, 2*len(ids))
		for i := len(ids) - 1; i >= 0; i-- {
			rev = append(rev, ids[i], ids[i])
		}
		m2 := NewMapper(rule, rev)
		for _, id := range ids {
			a, _ := m1.Map(id)
			b, _ := m2.Map(id)
			if a != b {
				t.Fatalf("%T: order-dependent mapping for %q: %q vs %q", rule, id, a, b)
			}
		}
	}
}

func TestMapUnknown(t *testing.T) {
	m := NewMapper(Base62Rule{N: 9}, []string{"x"})
	got, ok := m.Map("other")
	if ok || got != Base62("other", 9) {
		t.Fatalf("Map(unknown) = %q, %v", got, ok)
	}
	if _, ok := m.Original("nothing"); ok {
		t.Fatal("Original of unknown ID found")
	}
}

func TestSynthesize(t *testing.T) {
	a := Synthesize("call_", "resp-1", 0)
	if !strings.HasPrefix(a, "call_") || !IsBase62(a[5:], SynthLen) {
		t.Fatalf("Synthesize = %q", a)
	}
	if Synthesize("call_", "resp-1", 0) != a {
		t.Fatal("not deterministic")
	}
	seen := map[string]bool{}
	for _, key := range []string{"resp-1", "resp-2", "resp-1\x001", ""} {
		for i := 0; i < 50; i++ {
			id := Synthesize("", key, i)
			if seen[id] {
				t.Fatalf("duplicate synthesized ID %q (key %q index %d)", id, key, i)
			}
			seen[id] = true
		}
	}
}

func BenchmarkBase62(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = Base62("tooluse_AbCdEfGhIjKlMnOpQr", 9)
	}
}
