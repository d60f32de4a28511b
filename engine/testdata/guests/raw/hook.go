//go:build !forbidden

package main

func hook(uint32) {}
