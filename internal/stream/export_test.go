package stream

// SynthHost gives the external tests (package stream_test) the synthetic
// container host of the benchmarks.
var SynthHost = synthHost
