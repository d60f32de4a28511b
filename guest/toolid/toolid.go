// Package toolid rewrites tool-call IDs so that they satisfy a provider's ID
// rules, and synthesizes IDs for providers that give none.
//
// Tool-call IDs travel between providers: a conversation started on one
// provider may be replayed to another, and every provider has its own idea
// of a valid ID. Some providers accept only exactly 9 characters of
// [a-zA-Z0-9]; others accept [a-zA-Z0-9_-]+; some return no IDs at all. The
// rules this package follows, and why:
//
//   - An ID that already satisfies the target rule is kept unchanged
//     (identity), so IDs a provider issued round-trip to it untouched.
//   - An ID that does not is rewritten by a deterministic function of the
//     whole ID (a SHA-256 hash), never by truncation: truncating to the first
//     n valid characters collides for IDs that share a prefix (for example
//     every "tooluse_..." ID truncated to 9 alphanumerics).
//   - Within one request, a tool call and its result must still match and two
//     different calls must stay different: Mapper rewrites the whole set of
//     IDs of a request together, detects collisions (including a rewritten
//     ID equal to an untouched one) and resolves them deterministically.
//   - No data is smuggled into IDs: an ID is an opaque name, nothing else.
//   - Synthesized IDs are a pure function of what the host passes (no clock,
//     no randomness), so replaying a stream yields the same IDs.
//
// Everything here is pure Go without I/O and builds for GOOS=wasip1.
package toolid

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
)

// Alphabet is the base62 alphabet, in the order digits are drawn from it.
const Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// IsAlnum reports whether c is in [a-zA-Z0-9].
func IsAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// IsAlnumDashUnderscore reports whether c is in [a-zA-Z0-9_-].
func IsAlnumDashUnderscore(c byte) bool { return IsAlnum(c) || c == '_' || c == '-' }

// IsBase62 reports whether id is exactly n characters of [a-zA-Z0-9].
func IsBase62(id string, n int) bool {
	if len(id) != n {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !IsAlnum(id[i]) {
			return false
		}
	}
	return true
}

// appendHash62 appends n base62 characters derived from SHA-256 of
// (attempt, s) to dst. Digits are drawn from the digest bytes by rejection
// sampling (bytes >= 248 are skipped), so every character is uniform; when a
// digest is used up the next block hashes (attempt, block, s) again.
// attempt 0 and 1+ give independent streams, which is how collisions are
// resolved.
func appendHash62(dst []byte, s string, attempt, n int) []byte {
	var hdr [16]byte
	binary.BigEndian.PutUint64(hdr[:8], uint64(attempt))
	for block := uint64(0); n > 0; block++ {
		binary.BigEndian.PutUint64(hdr[8:], block)
		h := sha256.New()
		h.Write(hdr[:])
		h.Write([]byte(s))
		var sum [sha256.Size]byte
		h.Sum(sum[:0])
		for _, b := range sum {
			if n == 0 {
				break
			}
			if b >= 248 { // 248 = 4*62: keep the distribution uniform
				continue
			}
			dst = append(dst, Alphabet[b%62])
			n--
		}
	}
	return dst
}

// Hash62 returns n base62 characters derived deterministically from s and
// attempt. Different attempts give independent values; Mapper uses them to
// resolve collisions.
func Hash62(s string, attempt, n int) string {
	if n <= 0 {
		return ""
	}
	return string(appendHash62(make([]byte, 0, n), s, attempt, n))
}

// Base62 maps id to exactly n characters of [a-zA-Z0-9]: id itself when it
// already is that, otherwise a hash of the whole id. Distinct inputs give
// distinct outputs except with probability about k²/62ⁿ for k IDs (for n=9,
// about 2·10⁻¹² for 1000 IDs); use Mapper to make a request's set of IDs
// injective for certain. n must be positive.
func Base62(id string, n int) string { return Base62Rule{N: n}.Rewrite(id, 0) }

// Rule is an ID rule: which IDs are valid as they are, and how to rewrite
// the others. Rewrite must be deterministic, must return a valid ID, and
// should return a different value for each attempt (attempt 0 is the normal
// rewrite; Mapper asks for attempts 1, 2, ... only on a collision).
type Rule interface {
	Valid(id string) bool
	Rewrite(id string, attempt int) string
}

// Base62Rule is the rule "exactly N characters of [a-zA-Z0-9]".
type Base62Rule struct {
	// N is the required length; it must be positive.
	N int
}

// Valid reports whether id is exactly N characters of [a-zA-Z0-9].
func (r Base62Rule) Valid(id string) bool { return IsBase62(id, r.N) }

// Rewrite returns id when it is valid and attempt is 0, else N hash
// characters of (attempt, id).
func (r Base62Rule) Rewrite(id string, attempt int) string {
	if attempt == 0 && r.Valid(id) {
		return id
	}
	return Hash62(id, attempt, r.N)
}

// CharsetRule is the rule "1 to MaxLen bytes, each allowed by Allowed", as
// in patterns like ^[a-zA-Z0-9_-]+$ or ^[a-zA-Z0-9_-]{1,64}$.
//
// Rewrite keeps the readable part of an invalid ID: every disallowed byte
// (each byte of a multi-byte character) becomes Replacement, and Sep plus
// HashLen base62 characters of a hash of the original ID are appended, so
// that IDs that differ only in disallowed characters ("a.b" and "a:b") stay
// different. The characters [a-zA-Z0-9], Replacement and Sep must all be
// allowed.
type CharsetRule struct {
	// Allowed reports whether a byte may appear in an ID.
	Allowed func(c byte) bool
	// MaxLen is the maximum length in bytes; 0 means no limit. When set,
	// it must be larger than HashLen+1.
	MaxLen int
	// Replacement replaces each disallowed byte.
	Replacement byte
	// Sep separates the kept part from the hash suffix.
	Sep byte
	// HashLen is the number of hash characters appended (8 when 0).
	HashLen int
}

// AlnumDashUnderscore is the rule ^[a-zA-Z0-9_-]+$ with no length limit:
// invalid bytes become '_' and an 8-character hash is appended after '_'.
var AlnumDashUnderscore = CharsetRule{Allowed: IsAlnumDashUnderscore, Replacement: '_', Sep: '_', HashLen: 8}

func (r CharsetRule) hashLen() int {
	if r.HashLen <= 0 {
		return 8
	}
	return r.HashLen
}

// Valid reports whether id is non-empty, at most MaxLen bytes (when set) and
// made of allowed bytes only.
func (r CharsetRule) Valid(id string) bool {
	if id == "" || r.MaxLen > 0 && len(id) > r.MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !r.Allowed(id[i]) {
			return false
		}
	}
	return true
}

// Rewrite returns id when it is valid and attempt is 0; otherwise the
// sanitized id (disallowed bytes replaced, truncated to leave room for the
// suffix) followed by Sep and a hash of (attempt, id).
func (r CharsetRule) Rewrite(id string, attempt int) string {
	if attempt == 0 && r.Valid(id) {
		return id
	}
	hl := r.hashLen()
	keep := len(id)
	if r.MaxLen > 0 && keep > r.MaxLen-hl-1 {
		keep = max(r.MaxLen-hl-1, 0)
	}
	out := make([]byte, 0, keep+1+hl)
	for i := 0; i < keep; i++ {
		c := id[i]
		if !r.Allowed(c) {
			c = r.Replacement
		}
		out = append(out, c)
	}
	out = append(out, r.Sep)
	out = appendHash62(out, id, attempt, hl)
	return string(out)
}

// Sanitize rewrites id to satisfy r: id itself when valid, else the
// sanitized form with a hash suffix (see CharsetRule). Apply the same
// function to a tool call's ID and to its result's reference so they still
// match; use Mapper when collisions must be ruled out for certain.
func Sanitize(id string, r CharsetRule) string { return r.Rewrite(id, 0) }

// Mapper is an injective mapping of one request's tool-call IDs to IDs that
// satisfy a Rule, with the reverse lookup.
//
// It is a pure function of the set of IDs (order and repetitions do not
// matter): IDs already valid map to themselves and are reserved first; the
// others are rewritten in sorted order, and an ID whose rewrite is already
// taken is rewritten again with the next attempt until it is free. Because
// the projection sees the whole conversation, build one Mapper per request
// from every tool-call ID and tool-result reference in it.
//
// As long as no collision occurs (the overwhelmingly likely case), an ID's
// mapping does not depend on the other IDs, so it stays the same as the
// conversation grows.
type Mapper struct {
	rule Rule
	fwd  map[string]string
	rev  map[string]string
}

// maxAttempts bounds collision resolution; a Rule whose rewrites keep
// colliding this often is broken (for example a constant Rewrite).
const maxAttempts = 1 << 16

// NewMapper maps every ID in ids with rule. It panics if rule cannot produce
// a free valid ID within 65536 attempts for some ID, which only a broken
// Rule (or a space of valid IDs smaller than the set) can cause.
func NewMapper(rule Rule, ids []string) *Mapper {
	m := &Mapper{rule: rule, fwd: make(map[string]string, len(ids)), rev: make(map[string]string, len(ids))}
	uniq := slices.Clone(ids)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	var pending []string
	for _, id := range uniq {
		if rule.Valid(id) {
			m.fwd[id] = id
			m.rev[id] = id
		} else {
			pending = append(pending, id)
		}
	}
	for _, id := range pending {
		for attempt := 0; ; attempt++ {
			if attempt == maxAttempts {
				panic("toolid: rule " + strconv.Quote(id) + " keeps colliding; its Rewrite is not injective enough")
			}
			out := rule.Rewrite(id, attempt)
			if _, taken := m.rev[out]; taken || !rule.Valid(out) {
				continue
			}
			m.fwd[id] = out
			m.rev[out] = id
			break
		}
	}
	return m
}

// Map returns the provider-facing ID for an original ID of the set. For an
// ID that was not in the set it returns the rule's plain rewrite and false;
// that value is not checked against the set.
func (m *Mapper) Map(id string) (string, bool) {
	if out, ok := m.fwd[id]; ok {
		return out, true
	}
	return m.rule.Rewrite(id, 0), false
}

// Original returns the original ID that mapped to a provider-facing ID.
func (m *Mapper) Original(mapped string) (string, bool) {
	id, ok := m.rev[mapped]
	return id, ok
}

// Len returns the number of distinct IDs mapped.
func (m *Mapper) Len() int { return len(m.fwd) }

// SynthLen is the number of hash characters of a synthesized ID (about 131
// bits: collisions are not a practical concern).
const SynthLen = 22

// Synthesize returns a deterministic ID for the index-th tool call of a
// response that carries no tool-call IDs: prefix followed by SynthLen base62
// characters of a hash of (responseKey, index).
//
// Uniqueness across turns rests on responseKey: it must be different for
// every response of a conversation and the same when the same response is
// replayed. Use the provider's response ID when it has one; otherwise
// something the response itself carries that differs per response (a
// creation timestamp plus the model name, for example). index is the call's
// position in the response (0, 1, ...). The result contains only prefix and
// [a-zA-Z0-9].
func Synthesize(prefix, responseKey string, index int) string {
	key := make([]byte, 0, len(responseKey)+21)
	key = strconv.AppendInt(key, int64(index), 10)
	key = append(key, 0)
	key = append(key, responseKey...)
	out := make([]byte, 0, len(prefix)+SynthLen)
	out = append(out, prefix...)
	out = appendHash62(out, string(key), 0, SynthLen)
	return string(out)
}

// ValidName reports whether s is a function (tool) name in the form the
// major wire formats share: 1 to 64 bytes of [A-Za-z0-9_-]. Adapters whose
// provider is stricter or looser check their own rule.
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsAlnumDashUnderscore(s[i]) {
			return false
		}
	}
	return true
}
