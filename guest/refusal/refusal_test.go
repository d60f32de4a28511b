package refusal

import (
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		text   string
		want   bool
		phrase string
	}{
		{"I'm sorry, but I can't help with that.", true, "i'm sorry, but i can't"},
		{"  \n\tI’m sorry, but I can’t do that", true, "i'm sorry, but i can't"},
		{"I'M SORRY,   BUT I CANNOT", true, "i'm sorry, but i cannot"},
		{"I cannot help with requests like this.", true, "i cannot help with"},
		{"I must decline.", true, "i must decline"},
		{"As an AI language model, I cannot browse.", true, "as an ai language model, i cannot"},
		{"I'm sorry for the confusion. Here is the fix:", false, ""},
		{"Sure! I can't wait to help.", false, ""},
		{"Here is why I cannot help with that: ...", false, ""}, // not anchored at start
		{"I can help with that.", false, ""},
		{"", false, ""},
		{"I'm sorry, but I ca", false, ""}, // too short to decide: not a refusal
		{"I'm\u00a0sorry, but I can't", true, "i'm sorry, but i can't"},
		{"Iʼm sorry", false, ""},
		{"I can't provident funds", false, ""},
		{"I can't provide", true, "i can't provide"},
	}
	for _, tt := range tests {
		got, phrase := Detect(tt.text)
		if got != tt.want || phrase != tt.phrase {
			t.Errorf("Detect(%q) = %v, %q; want %v, %q", tt.text, got, phrase, tt.want, tt.phrase)
		}
	}
}

func TestMatchStreaming(t *testing.T) {
	tests := []struct {
		text string
		want Verdict
	}{
		{"", Undecided},
		{"   ", Undecided},
		{"I", Undecided},
		{"I'm sor", Undecided},
		{"I'm sorry, but I can't", Yes},
		{"I'm sorry, but I could", No},
		{"Hello", No},
		{"I am", Undecided},
		{"I amaze", No},
	}
	for _, tt := range tests {
		if got, _ := Match(tt.text, Phrases); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestDetectInCustom(t *testing.T) {
	list := []string{"nope"}
	if ok, p := DetectIn("NOPE.", list); !ok || p != "nope" {
		t.Fatalf("DetectIn custom = %v %q", ok, p)
	}
	if ok, _ := DetectIn("I'm sorry, but I can't", list); ok {
		t.Fatal("default phrase matched a custom list")
	}
}

func TestPhrasesNormalForm(t *testing.T) {
	// Detect compares in normal form; a phrase outside it could never match.
	for _, p := range Phrases {
		if ok, got := Detect(p); !ok || got != p {
			t.Errorf("phrase %q does not match itself (got %q)", p, got)
		}
	}
}

func TestEvents(t *testing.T) {
	e := ProviderEvent("no")
	if got := e.String(); got != `{"type":"refusal","text":"no","source":"provider"}` {
		t.Fatalf("ProviderEvent = %s", got)
	}
	e = PhraseEvent("I can't provide that")
	if e.Type != abi.EventRefusal || e.Source != SourcePhrase || e.Text != "I can't provide that" {
		t.Fatalf("PhraseEvent = %+v", e)
	}
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Match("Sure, here is the answer you asked for", Phrases)
	}
}
