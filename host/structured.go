package host

import "github.com/wasmadapt/wasmadapt/abi"

func verifyOutput(req *abi.Request, r *Response, opts []CallOption) error { return nil }
