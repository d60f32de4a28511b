// Package abi is the contract between the wasmadapt host and its adapter
// modules: the normalized request, the provider request, capabilities,
// events, error codes, the binary envelopes that cross the Wasm boundary and
// the ABI version.
//
// The package has no dependencies outside the standard library and builds
// for GOOS=wasip1, so hosts and Go guests share one definition. The prose
// specification, with each export's WAT signature, is abi/README.md.
package abi

import (
	"fmt"
	"maps"
	"slices"
)

// The ABI version implemented by this package. A module reports the version
// it was built against through the wasmadapt_abi_version export; the host
// refuses a module whose major version differs from Major, or whose minor
// version is newer than Minor (it may use exports or fields this host does
// not know).
const (
	Major = 1
	Minor = 7
	Patch = 0
)

// Version is the packed form of this package's ABI version, as returned by
// the wasmadapt_abi_version export: major<<16 | minor<<8 | patch.
const Version uint32 = Major<<16 | Minor<<8 | Patch

// PackVersion packs a version triple the way wasmadapt_abi_version returns it.
func PackVersion(major, minor, patch uint8) uint32 {
	return uint32(major)<<16 | uint32(minor)<<8 | uint32(patch)
}

// UnpackVersion splits a packed version into its parts.
func UnpackVersion(v uint32) (major, minor, patch uint8) {
	return uint8(v >> 16), uint8(v >> 8), uint8(v)
}

// VersionString formats a packed version as "major.minor.patch".
func VersionString(v uint32) string {
	ma, mi, pa := UnpackVersion(v)
	return fmt.Sprintf("%d.%d.%d", ma, mi, pa)
}

// CheckVersion reports whether a module built against the packed version v
// can be served by this host. The error has code CodeABIMismatch and says
// what to rebuild.
func CheckVersion(v uint32) error {
	ma, mi, _ := UnpackVersion(v)
	if v>>24 != 0 || ma != Major {
		return Errorf(CodeABIMismatch, "module implements ABI %s, host implements %s: rebuild the module against ABI major version %d",
			VersionString(v), VersionString(Version), Major)
	}
	if mi > Minor {
		return Errorf(CodeABIMismatch, "module implements ABI %s, newer than the host's %s: upgrade the host or rebuild the module against ABI %d.%d",
			VersionString(v), VersionString(Version), Major, Minor)
	}
	return nil
}

// Names of the exports every adapter module provides. Their signatures are
// given in abi/README.md.
const (
	ExportABIVersion    = "wasmadapt_abi_version"
	ExportAlloc         = "wasmadapt_alloc"
	ExportCapabilities  = "wasmadapt_capabilities"
	ExportProject       = "wasmadapt_project"
	ExportTransform     = "wasmadapt_transform"
	ExportParseResponse = "wasmadapt_parse_response"
	ExportMapError      = "wasmadapt_map_error"
	// ExportSelfTest is optional: it returns the module's own golden cases.
	ExportSelfTest = "wasmadapt_selftest"
	// ExportTapeMarker is optional (ABI 1.1): a function of no parameters
	// and no results that the host never calls. A module that reports
	// ABI 1.1 or later and exports it receives transform envelopes with
	// FlagTape: each chunk's tape next to its data. A Go module gets it
	// by importing guest/jsonx/usetape.
	ExportTapeMarker = "wasmadapt_tape_v1"
	// ExportRequestTapeMarker is optional (ABI 1.5): a function of no
	// parameters and no results that the host never calls. A module that
	// reports ABI 1.5 or later and exports it may receive its
	// wasmadapt_project input as a taped request (TapedRequest): the
	// normalized request's JSON and its tape. The Go SDK exports it.
	ExportRequestTapeMarker = "wasmadapt_request_tape_v1"
	// ExportInitialize is the reactor initializer that Go, C and Rust
	// toolchains emit; the host calls it once per instance when present.
	ExportInitialize = "_initialize"
)

// WASIModule is the only import module an adapter may use.
const WASIModule = "wasi_snapshot_preview1"

// allowedWASIImports is the closed set of WASI preview1 functions an
// adapter may import. It is unexported so that no importer of this package
// can widen the sandbox: read it through WASIImportAllowed and WASIImports.
var allowedWASIImports = map[string]bool{
	"args_get":            true,
	"args_sizes_get":      true,
	"environ_get":         true,
	"environ_sizes_get":   true,
	"clock_res_get":       true,
	"clock_time_get":      true,
	"random_get":          true,
	"fd_read":             true,
	"fd_write":            true,
	"fd_close":            true,
	"fd_fdstat_get":       true,
	"fd_fdstat_set_flags": true,
	"fd_prestat_get":      true,
	"fd_prestat_dir_name": true,
	"poll_oneoff":         true,
	"sched_yield":         true,
	"proc_exit":           true,
}

// WASIImportAllowed reports whether an adapter may import the function name
// of module WASIModule. The host backs each allowed function with a
// deterministic stub: no arguments or environment, a fixed clock, a seeded
// random source, no files or pre-opened directories, an empty stdin
// (fd_read reads end of file), and fd 1 and 2 routed to the host's logger.
// A module that imports anything else is refused at load.
func WASIImportAllowed(name string) bool { return allowedWASIImports[name] }

// WASIImports returns the names of the WASI preview1 functions an adapter
// may import (see WASIImportAllowed), sorted. The slice is a fresh copy on
// every call.
func WASIImports() []string { return slices.Sorted(maps.Keys(allowedWASIImports)) }
