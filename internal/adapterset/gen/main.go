// Command gen writes internal/adapterset/zz_generated.go from the adapter
// modules; `go generate ./internal/adapterset` runs it in that directory.
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/wasmadapt/wasmadapt/internal/adapterset/generate"
)

func main() {
	src, err := generate.Generate(filepath.Join("..", ".."))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(generate.GeneratedFile, src, 0o644); err != nil {
		log.Fatal(err)
	}
}
