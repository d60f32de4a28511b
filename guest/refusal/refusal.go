// Package refusal detects that a model declined to answer and builds the
// normalized refusal event.
//
// Two sources, in this order of trust:
//
//  1. The provider's own signal: a refusal field in the response, or a
//     finish or stop reason that means refusal. It is authoritative; the
//     adapter emits ProviderEvent and, where the provider says so, finishes
//     with abi.FinishRefusal. No text heuristics are involved.
//  2. A phrase list, used only by adapters that opt in (for providers that
//     have no refusal signal at all). Detect matches the start of the
//     response against Phrases and the adapter emits PhraseEvent. The event's
//     Source says "phrase", so consumers can tell a heuristic from a fact.
//
// The phrase list and its false-positive risk: the phrases are the openings
// models commonly use to decline ("I'm sorry, but I can't", "I cannot help
// with", ...). They are matched only at the very start of the response
// (after leading whitespace) and ending at a word boundary,
// case-insensitively, with typographic
// apostrophes treated as "'" and runs of whitespace as one space, never in
// the middle of a text, because a refusal is the whole answer while the same
// words inside an answer are usually a partial caveat. Even so, a response
// that starts by apologizing and then helps ("I'm sorry, but I can't find
// that file; here is how to create it") is reported as a refusal: the text
// is still delivered as text-delta events by adapters following this
// package's advice, and the refusal event is additional information, so the
// cost of a false positive is a wrong label, not lost output. Only English
// phrases are listed; refusals in other languages are not detected.
package refusal

import (
	"unicode/utf8"

	"github.com/wasmadapt/wasmadapt/abi"
)

// The values of abi.Event.Source for refusal events.
const (
	// SourceProvider: the provider signalled the refusal itself.
	SourceProvider = "provider"
	// SourcePhrase: an opted-in phrase list matched the response.
	SourcePhrase = "phrase"
)

// ProviderEvent returns a refusal event for a refusal the provider
// signalled, with the refusal text it gave (possibly empty).
func ProviderEvent(text string) abi.Event {
	return abi.Event{Type: abi.EventRefusal, Text: text, Source: SourceProvider}
}

// PhraseEvent returns a refusal event for a refusal found by Detect; text is
// the response text (or the matched phrase when the adapter does not keep
// the text).
func PhraseEvent(text string) abi.Event {
	return abi.Event{Type: abi.EventRefusal, Text: text, Source: SourcePhrase}
}

// Phrases is the default refusal phrase list, written in lower case with
// single spaces and "'" apostrophes (the form Detect compares in). Each is a
// prefix a response must start with; the trailing words keep the common
// openings of helpful answers ("I'm sorry for the confusion", "I can't
// stress enough") from matching.
var Phrases = []string{
	"i'm sorry, but i can't",
	"i'm sorry, but i cannot",
	"i'm sorry, but i won't",
	"i'm sorry, i can't",
	"i'm sorry, i cannot",
	"i am sorry, but i can't",
	"i am sorry, but i cannot",
	"sorry, but i can't",
	"sorry, i can't help",
	"i can't help with",
	"i can't assist with",
	"i can't provide",
	"i can't comply",
	"i cannot help with",
	"i cannot assist with",
	"i cannot provide",
	"i cannot comply",
	"i won't help with",
	"i won't be able to help with",
	"i'm not able to help with",
	"i'm unable to help with",
	"i am unable to help with",
	"i'm unable to assist with",
	"i must decline",
	"i apologize, but i can't",
	"i apologize, but i cannot",
	"as an ai language model, i cannot",
	"as an ai, i cannot",
}

// Verdict is the result of matching a (possibly partial) response.
type Verdict uint8

// The verdicts.
const (
	// No: the response does not start with a refusal phrase.
	No Verdict = iota
	// Yes: the response starts with a refusal phrase.
	Yes
	// Undecided: the text so far is a prefix of a phrase; a streaming
	// adapter should look again when more text has arrived (or decide No
	// at the end of the stream).
	Undecided
)

// Detect reports whether text starts with one of Phrases, and which.
func Detect(text string) (bool, string) { return DetectIn(text, Phrases) }

// DetectIn is Detect with another phrase list (same normal form as
// Phrases). The first matching phrase in list order is returned.
func DetectIn(text string, phrases []string) (bool, string) {
	v, p := Match(text, phrases)
	return v == Yes, p
}

// Match classifies the start of a response against phrases: Yes with the
// phrase, Undecided when text is still a proper prefix of some phrase, No
// otherwise. It allocates nothing, so a streaming adapter may call it on
// the text accumulated so far.
func Match(text string, phrases []string) (Verdict, string) {
	undecided := false
	for _, p := range phrases {
		switch matchPrefix(text, p) {
		case Yes:
			return Yes, p
		case Undecided:
			undecided = true
		}
	}
	if undecided {
		return Undecided, ""
	}
	return No, ""
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0'
}

// matchPrefix compares the normal form of text with phrase.
func matchPrefix(text, phrase string) Verdict {
	i := 0
	// Skip leading whitespace.
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isSpace(r) {
			break
		}
		i += n
	}
	j := 0
	for j < len(phrase) {
		if i >= len(text) {
			return Undecided
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		switch {
		case isSpace(r):
			if phrase[j] != ' ' {
				return No
			}
			j++
			for i < len(text) {
				r, n := utf8.DecodeRuneInString(text[i:])
				if !isSpace(r) {
					break
				}
				i += n
			}
			continue
		case r == '\u2019' || r == '\u2018' || r == '`':
			r = '\''
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		}
		if r >= utf8.RuneSelf || byte(r) != phrase[j] {
			return No
		}
		j++
	}
	// The phrase must end at a word boundary ("i can't provide" must not
	// match "I can't providence").
	if i < len(text) && isLetter(text[i]) {
		return No
	}
	return Yes
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
