//go:build race

package main

// raceEnabled reports a -race build, where the soak keeps to its short
// form: the detector makes every scan several times slower.
const raceEnabled = true
