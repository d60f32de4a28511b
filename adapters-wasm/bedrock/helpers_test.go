package bedrock

import "github.com/wasmadapt/wasmadapt/guest/guesttest"

var lines = guesttest.JoinLines
