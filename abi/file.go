package abi

// The media types of the documents the contract names; each adapter
// documents which it takes.
const (
	MediaTypePDF  = "application/pdf"
	MediaTypeText = "text/plain"
)

// The sources of a file part, as FileSource reports them.
const (
	FileInline = "data"
	FileURL    = "url"
	FileStored = "file_id"
)

// FileSource checks a file part (ABI 1.2) and says where its bytes are:
// FileInline (base64 Data, with MediaType), FileURL or FileStored (FileID).
// Exactly one of Data, URL and FileID must be set; anything else is an
// invalid_request error at pointer (the part's JSON pointer).
func FileSource(p *Part, pointer string) (string, error) {
	n := 0
	src := ""
	if p.Data != "" {
		n, src = n+1, FileInline
	}
	if p.URL != "" {
		n, src = n+1, FileURL
	}
	if p.FileID != "" {
		n, src = n+1, FileStored
	}
	switch {
	case n == 0:
		return "", &Error{Code: CodeInvalidRequest, Pointer: pointer, Message: "a file part needs data (base64, with media_type), url or file_id"}
	case n > 1:
		return "", &Error{Code: CodeInvalidRequest, Pointer: pointer, Message: "a file part takes one of data, url and file_id, not several"}
	case src == FileInline && p.MediaType == "":
		return "", &Error{Code: CodeInvalidRequest, Pointer: pointer + "/media_type", Message: "an inline file needs media_type (e.g. application/pdf or text/plain)"}
	}
	return src, nil
}
