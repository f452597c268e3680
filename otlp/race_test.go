//go:build race

package otlp_test

// raceEnabled makes the slow oracle tests do less under the race detector.
const raceEnabled = true
