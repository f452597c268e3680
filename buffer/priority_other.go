//go:build !linux

package buffer

// lowerPriority is a no-op where threads have no priority of their own.
func lowerPriority() {}
