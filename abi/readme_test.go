package abi

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// section returns the text of the README section that starts with heading
// (up to the next heading of the same or a higher level).
func section(t *testing.T, readme, heading string) string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no section %q", heading)
	}
	rest := readme[i+len(heading)+2:]
	level := strings.IndexByte(heading, ' ')
	re := regexp.MustCompile(`(?m)^#{1,` + string(rune('0'+level)) + `} `)
	if j := re.FindStringIndex(rest); j != nil {
		rest = rest[:j[0]]
	}
	return rest
}

// firstColumn returns the backquoted names in the first column of the
// section's table.
func firstColumn(sec string) []string {
	var names []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_-]+)` \\|").FindAllStringSubmatch(sec, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestReadmeMatchesCode: the lists of abi/README.md (the spec a guest in
// another language is written from) are the ones the code enforces.
func TestReadmeMatchesCode(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)

	imports := section(t, readme, "## Imports")
	var listed []string
	for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(strings.SplitN(imports, ". They are", 2)[0], -1) {
		if m[1] != WASIModule {
			listed = append(listed, m[1])
		}
	}
	slices.Sort(listed)
	if !slices.Equal(listed, WASIImports()) {
		t.Errorf("README.md imports %v, the code allows %v", listed, WASIImports())
	}

	var codes []string
	for _, c := range Codes() {
		codes = append(codes, string(c))
	}
	if got := firstColumn(section(t, readme, "## Error codes")); !slices.Equal(got, codes) {
		t.Errorf("README.md error codes %v, the code has %v", got, codes)
	}

	var types []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| ").FindAllStringSubmatch(section(t, readme, "## Events"), -1) {
		types = append(types, m[1])
	}
	want := []string{"response-start", "text-delta", "reasoning-delta", "reasoning-signature", "reasoning-redacted",
		"tool-call-start", "tool-call-delta", "tool-call", "refusal", "usage", "finish", "error"}
	if !slices.Equal(types, want) {
		t.Errorf("README.md event types %v, want %v", types, want)
	}
	for _, typ := range want {
		e := Event{Type: EventType(typ)}
		if !strings.Contains(readme, "`"+typ+"`") || !strings.HasPrefix(e.String(), `{"type":"`+typ+`"`) {
			t.Errorf("event type %s", typ)
		}
	}

	if !strings.Contains(readme, "# wasmadapt adapter ABI, version "+VersionString(Version)+"\n") {
		t.Errorf("README.md's title does not name version %s", VersionString(Version))
	}
}
