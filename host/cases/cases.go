// Package cases is the former home of the golden-case runner, now package
// api/cases (it moved below host so that the registry's self-test and the
// guest SDK's test kit can share it).
//
// Deprecated: import github.com/wasmadapt/wasmadapt/api/cases. This
// package forwards to it for one release and will then be removed.
package cases

import "github.com/wasmadapt/wasmadapt/api/cases"

// File names inside a case directory.
//
// Deprecated: use the constants of api/cases.
const (
	FileMeta       = cases.FileMeta
	FileRequest    = cases.FileRequest
	FileProjection = cases.FileProjection
	FileBody       = cases.FileBody
	FileEvents     = cases.FileEvents
)

type (
	// Meta is cases.Meta.
	//
	// Deprecated: use api/cases.Meta.
	Meta = cases.Meta
	// Case is cases.Case.
	//
	// Deprecated: use api/cases.Case.
	Case = cases.Case
	// Failure is cases.Failure.
	//
	// Deprecated: use api/cases.Failure.
	Failure = cases.Failure
)

// The runner's functions and errors, forwarded.
//
// Deprecated: use the functions of api/cases.
var (
	Load        = cases.Load
	LoadCase    = cases.LoadCase
	Run         = cases.Run
	Events      = cases.Events
	Replay      = cases.Replay
	AppendLines = cases.AppendLines
	Update      = cases.Update
	ErrNoDir    = cases.ErrNoDir
)
