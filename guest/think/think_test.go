package think

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wasmadapt/wasmadapt/abi"
)

// run feeds chunks through a Splitter, round-tripping its state through
// bytes between every call as an adapter does, and returns the
// concatenated text and reasoning and the piece list.
func run(t testing.TB, opts Options, chunks []string) (text, reasoning string, pieces []Piece) {
	t.Helper()
	var state []byte
	var tb, rb strings.Builder
	collect := func(ps []Piece) {
		for _, p := range ps {
			if p.Text == "" {
				t.Fatalf("empty piece")
			}
			if p.Kind == Text {
				tb.WriteString(p.Text)
			} else {
				rb.WriteString(p.Text)
			}
		}
		pieces = append(pieces, ps...)
	}
	for _, c := range chunks {
		s, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.LoadState(state); err != nil {
			t.Fatal(err)
		}
		collect(s.Feed(nil, c))
		state = s.AppendState(state[:0])
		if len(state) != StateSize {
			t.Fatalf("state is %d bytes", len(state))
		}
	}
	s, _ := New(opts)
	if err := s.LoadState(state); err != nil {
		t.Fatal(err)
	}
	collect(s.Finish(nil))
	return tb.String(), rb.String(), pieces
}

func TestSplitter(t *testing.T) {
	start := Options{}
	anywhere := Options{Anywhere: true}
	trim := Options{TrimSpaceAfterClose: true}
	tests := []struct {
		name            string
		opts            Options
		chunks          []string
		text, reasoning string
	}{
		{"no tags", start, []string{"hello ", "world"}, "hello world", ""},
		{"leading block", start, []string{"<think>plan</think>answer"}, "answer", "plan"},
		{"tag cut everywhere", start, []string{"<", "th", "ink", ">pl", "an<", "/thi", "nk>", "ans"}, "ans", "plan"},
		{"leading whitespace kept as text", start, []string{" \n<think>r</think>t"}, " \nt", "r"},
		{"not at start", start, []string{"x<think>r</think>t"}, "x<think>r</think>t", ""},
		{"lt that is not a tag", start, []string{"<th", "at>"}, "<that>", ""},
		{"lt inside reasoning", start, []string{"<think>a<b</", "x</think>c"}, "c", "a<b</x"},
		{"unclosed block is reasoning", start, []string{"<think>still thinking</thi"}, "", "still thinking</thi"},
		{"partial open tag at end is text", start, []string{"<thin"}, "<thin", ""},
		{"second block at start-only is text", start, []string{"<think>a</think>b<think>c</think>"}, "b<think>c</think>", "a"},
		{"anywhere", anywhere, []string{"x<think>a</think>y<thi", "nk>b</think>z"}, "xyz", "ab"},
		{"anywhere repeated lt", anywhere, []string{"<<", "<think>a</think>"}, "<<", "a"},
		{"trim after close", trim, []string{"<think>a</think>", "\n\n", " b c"}, "b c", "a"},
		{"trim then nothing", trim, []string{"<think>a</think>\n"}, "", "a"},
		{"start in reasoning", Options{StartInReasoning: true}, []string{"r1 r2</th", "ink>text"}, "text", "r1 r2"},
		{"custom tags", Options{Open: "<reasoning>", Close: "</reasoning>"}, []string{"<reas", "oning>x</reasoning>y"}, "y", "x"},
		{"self-overlapping tag", Options{Open: "aab", Close: "cc", Anywhere: true}, []string{"aa", "aab", "zcc"}, "aa", "z"},
		{"close overlap", Options{Open: "<t>", Close: "ccd", Anywhere: true}, []string{"<t>cc", "ccd!"}, "!", "cc"},
		{"empty deltas", start, []string{"", "<think>", "", "a", "</think>", ""}, "", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, reasoning, _ := run(t, tt.opts, tt.chunks)
			if text != tt.text || reasoning != tt.reasoning {
				t.Fatalf("got text %q reasoning %q, want text %q reasoning %q", text, reasoning, tt.text, tt.reasoning)
			}
		})
	}
}

func TestPiecesOrder(t *testing.T) {
	_, _, pieces := run(t, Options{Anywhere: true}, []string{"a<think>b</think>c<th", "x"})
	want := []Piece{{Text, "a"}, {Reasoning, "b"}, {Text, "c"}, {Text, "<th"}, {Text, "x"}}
	if len(pieces) != len(want) {
		t.Fatalf("pieces %v, want %v", pieces, want)
	}
	for i := range want {
		if pieces[i] != want[i] {
			t.Fatalf("piece %d = %v, want %v", i, pieces[i], want[i])
		}
	}
}

// reference splits a whole input with plain string searches.
func reference(opts Options, in string) (text, reasoning string) {
	open, close := DefaultOpen, DefaultClose
	if opts.Open != "" {
		open = opts.Open
	}
	if opts.Close != "" {
		close = opts.Close
	}
	var tb, rb strings.Builder
	inReason := opts.StartInReasoning
	if !inReason && !opts.Anywhere {
		rest := strings.TrimLeft(in, " \t\r\n")
		if !strings.HasPrefix(rest, open) {
			return in, ""
		}
		tb.WriteString(in[:len(in)-len(rest)])
		in = rest[len(open):]
		inReason = true
	}
	// cut moves what precedes tag into b and the input past tag; without
	// tag, all of the input into b (false).
	cut := func(tag string, b *strings.Builder) bool {
		i := strings.Index(in, tag)
		if i < 0 {
			b.WriteString(in)
			return false
		}
		b.WriteString(in[:i])
		in = in[i+len(tag):]
		return true
	}
	for {
		if inReason {
			if !cut(close, &rb) {
				return tb.String(), rb.String()
			}
			if opts.TrimSpaceAfterClose {
				in = strings.TrimLeft(in, " \t\r\n")
			}
			if !opts.Anywhere {
				tb.WriteString(in)
				return tb.String(), rb.String()
			}
			inReason = false
			continue
		}
		if !cut(open, &tb) {
			return tb.String(), rb.String()
		}
		inReason = true
	}
}

var propertyOptions = []Options{
	{},
	{Anywhere: true},
	{TrimSpaceAfterClose: true},
	{Anywhere: true, TrimSpaceAfterClose: true},
	{StartInReasoning: true},
	{StartInReasoning: true, Anywhere: true},
	{Open: "aab", Close: "abab", Anywhere: true},
}

func randomInput(r *rand.Rand) string {
	atoms := []string{"<think>", "</think>", "<", "</", "<th", "think", ">", " ", "\n", "a", "b", "aab", "abab", "ab", "é"}
	var b strings.Builder
	for n := r.IntN(14); n > 0; n-- {
		b.WriteString(atoms[r.IntN(len(atoms))])
	}
	return b.String()
}

func randomSplit(r *rand.Rand, in string) []string {
	var chunks []string
	for len(in) > 0 {
		n := r.IntN(len(in) + 1)
		chunks = append(chunks, in[:n])
		in = in[n:]
	}
	return chunks
}

// TestSplitInvariance: every split of an input gives the same text and
// reasoning as the unsplit input, and both match the reference.
func TestSplitInvariance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		in := randomInput(r)
		opts := propertyOptions[i%len(propertyOptions)]
		wt, wr := reference(opts, in)
		for _, chunks := range [][]string{{in}, randomSplit(r, in), strings.SplitAfter(in, "")} {
			gt, gr, _ := run(t, opts, chunks)
			if gt != wt || gr != wr {
				t.Fatalf("opts %+v input %q chunks %q: got text %q reasoning %q, want %q %q", opts, in, chunks, gt, gr, wt, wr)
			}
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("<think>a</think>b", uint8(0), uint16(3))
	f.Add("x<th<think>y", uint8(1), uint16(5))
	f.Fuzz(func(t *testing.T, in string, o uint8, seed uint16) {
		opts := propertyOptions[int(o)%len(propertyOptions)]
		wt, wr := reference(opts, in)
		r := rand.New(rand.NewPCG(uint64(seed), 0))
		gt, gr, _ := run(t, opts, randomSplit(r, in))
		if gt != wt || gr != wr {
			t.Fatalf("got %q %q want %q %q", gt, gr, wt, wr)
		}
	})
}

func FuzzLoadState(f *testing.F) {
	f.Add([]byte{1, 2, 3})
	f.Add([]byte{1, 5, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _ := New(Options{})
		if err := s.LoadState(b); err != nil {
			return
		}
		// A state that loads must be usable and round-trip.
		_ = s.Feed(nil, "<think>x</think>y<")
		_ = s.Finish(nil)
		s2, _ := New(Options{})
		if err := s2.LoadState(b); err != nil {
			t.Fatal(err)
		}
		if got := s2.AppendState(nil); len(b) != 0 && string(got) != string(b) {
			t.Fatalf("state %x reloaded as %x", b, got)
		}
	})
}

func TestLoadStateErrors(t *testing.T) {
	for _, b := range [][]byte{{1}, {2, 1, 0}, {1, 9, 0}, {1, modeStart, 7}, {1, modePlain, 1}, {1, 1, 0, 0}} {
		s, _ := New(Options{})
		if err := s.LoadState(b); err == nil {
			t.Errorf("LoadState(%x) accepted", b)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, o := range []Options{{Open: " <t>"}, {Close: strings.Repeat("x", 256)}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	chunks := []string{"<thi", "nk>some reasoning with < and </", "x</th", "ink>\n\nand the answer <b>"}
	dst := make([]Piece, 0, 16)
	state := make([]byte, 0, StateSize)
	allocs := testing.AllocsPerRun(100, func() {
		state = state[:0]
		for _, c := range chunks {
			s, _ := New(Options{TrimSpaceAfterClose: true})
			_ = s.LoadState(state)
			dst = s.Feed(dst[:0], c)
			state = s.AppendState(state[:0])
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per stream", allocs)
	}
}

func BenchmarkFeed(b *testing.B) {
	delta := strings.Repeat("reasoning about a < b and more words ", 4)
	dst := make([]Piece, 0, 16)
	s, _ := New(Options{})
	dst = s.Feed(dst, "<think>")
	b.SetBytes(int64(len(delta)))
	b.ReportAllocs()
	for b.Loop() {
		dst = s.Feed(dst[:0], delta)
	}
}

func TestZeroValue(t *testing.T) {
	var s Splitter
	got := s.Feed(nil, "<think>r</th")
	got = s.Finish(got)
	want := []Piece{{Reasoning, "r"}, {Reasoning, "</th"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("zero Splitter: %v", got)
	}
	var z Splitter
	if err := z.LoadState([]byte{1, modeReason, 3}); err != nil {
		t.Fatalf("zero Splitter LoadState: %v", err)
	}
}

func TestPieceEventType(t *testing.T) {
	tests := []struct {
		kind Kind
		want abi.EventType
	}{
		{Text, abi.EventTextDelta},
		{Reasoning, abi.EventReasoningDelta},
	}
	for _, tt := range tests {
		if got := (Piece{Kind: tt.kind, Text: "x"}).EventType(); got != tt.want {
			t.Errorf("%s piece: %s, want %s", tt.kind, got, tt.want)
		}
	}
}
