// Package sandboxtest holds the project's cross-package tests of the
// sandbox and of bad input: the hostile-module corpus in
// testdata/hostile run through the engine and the host, malformed provider
// bytes sent end to end through host.Client, fuzz targets over every
// adapter's projection and transform, a determinism property test over
// every recorded case, and a load test with hostile modules mixed in.
//
// It exports nothing: everything is in its _test.go files. SECURITY.md at
// the repository root describes what these tests guarantee.
package sandboxtest
