package guest

import "strings"

// DataURL is the base64 data URL (RFC 2397) of data of mediaType:
// "data:<mediaType>;base64,<data>", data being base64 text already (as
// abi.Part.Data is).
func DataURL(mediaType, data string) string {
	return "data:" + mediaType + ";base64," + data
}

// CutDataURL splits a base64 data URL, as DataURL writes it, into its
// media type and its base64 data. isData reports whether url is a data:
// URL at all, ok whether it is a base64 one.
func CutDataURL(url string) (mediaType, data string, isData, ok bool) {
	rest, isData := strings.CutPrefix(url, "data:")
	if !isData {
		return "", "", false, false
	}
	mediaType, data, ok = strings.Cut(rest, ";base64,")
	if !ok {
		return "", "", true, false
	}
	return mediaType, data, true, true
}
