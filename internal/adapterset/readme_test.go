package adapterset

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestREADMEAdapterTable: the README's adapter table lists every module,
// once, and its stated count is the number of modules.
func TestREADMEAdapterTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "## Adapters\n")
	if start < 0 {
		t.Fatal(`README.md has no "## Adapters" section`)
	}
	sec := s[start+len("## Adapters\n"):]
	// The table is the first one of the section: it ends at the first
	// blank line after its header.
	head := strings.Index(sec, "| module | API")
	if head < 0 {
		t.Fatal("README's Adapters section has no module table")
	}
	if end := strings.Index(sec[head:], "\n\n"); end >= 0 {
		sec = sec[:head+end]
	}
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(sec, -1) {
		listed = append(listed, m[1])
	}
	slices.Sort(listed)
	names := slices.Sorted(slices.Values(Names()))
	if !slices.Equal(listed, names) {
		t.Errorf("README adapter table lists %v, want the modules %v", listed, names)
	}
	m := regexp.MustCompile(`(\d+) modules, one per directory`).FindStringSubmatch(sec)
	if m == nil || m[1] != strconv.Itoa(len(names)) {
		t.Errorf("README states %v modules, want %d", m, len(names))
	}
}
