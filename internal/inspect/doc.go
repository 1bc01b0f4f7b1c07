// Package inspect tells what a namespace holds, type by type: a user
// namespace's ID maps, setgroups and its members' capabilities; a PID
// namespace's members with their PID at every level; a UTS namespace's
// host and domain names; a time namespace's clock offsets; a cgroup
// namespace's root; a mount namespace's mounts, propagation and the peer
// groups it shares with other mount namespaces; a network namespace's
// interfaces and links (through package netinfo). It answers the details
// of GET /api/v1/ns/{ref} and nsweb inspect.
//
// The parsers of /proc files and everything computed from a snapshot are
// pure (parse.go, pids.go, text.go) and tested anywhere; the reads, some
// of which enter a namespace on a locked OS thread (uts, cgroup), are in
// *_linux.go.
package inspect
