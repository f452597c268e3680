//go:build race

package e2e

// raceEnabled builds the server under test with the race detector too, so a
// data race in it fails the test (the process then exits with status 66).
const raceEnabled = true
