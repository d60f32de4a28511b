package guest

import "testing"

// TestDataURL: CutDataURL reads what DataURL writes, tells a data: URL
// that is not base64 from a URL that is not data: at all, and keeps media
// type parameters.
func TestDataURL(t *testing.T) {
	if got := DataURL("image/png", "iVBO"); got != "data:image/png;base64,iVBO" {
		t.Fatalf("DataURL = %q", got)
	}
	for _, tt := range []struct {
		url, mediaType, data string
		isData, ok           bool
	}{
		{DataURL("image/png", "iVBO"), "image/png", "iVBO", true, true},
		{"data:application/pdf;name=a.pdf;base64,JVBE", "application/pdf;name=a.pdf", "JVBE", true, true},
		{"data:text/plain,hello", "", "", true, false},
		{"https://example.com/a.png", "", "", false, false},
		{"", "", "", false, false},
	} {
		mt, data, isData, ok := CutDataURL(tt.url)
		if mt != tt.mediaType || data != tt.data || isData != tt.isData || ok != tt.ok {
			t.Errorf("CutDataURL(%q) = %q, %q, %v, %v; want %q, %q, %v, %v", tt.url, mt, data, isData, ok, tt.mediaType, tt.data, tt.isData, tt.ok)
		}
	}
}
