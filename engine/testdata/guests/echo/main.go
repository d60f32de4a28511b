// Command echo is a well-behaved test adapter module: engine/internal/echo
// built for GOOS=wasip1.
package main

import (
	"github.com/wasmadapt/wasmadapt/engine/internal/echo"
	"github.com/wasmadapt/wasmadapt/guest"
)

func init() { guest.Register(echo.Adapter{}) }

func main() {}
