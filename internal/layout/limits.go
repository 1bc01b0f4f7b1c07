package layout

// Limits on the group IDs a client may ask to open (the expand list of a
// subscription, the --expand flag of "nsweb snapshot"). The server and the
// CLI share them so that an ID one takes works in the other too.
//
// MaxGroupIDLen: the longest group ID the layout makes is the folded
// containers of a Kubernetes pod with the longest names,
// "grp:pod:ns:<20 digits>:<63-byte namespace>/<253-byte name>:ctr",
// 353 bytes; 512 leaves room above it and still bounds the work one ID
// can cause.
//
// MaxExpand: a page opens groups one click at a time, so 1024 is far more
// than a person opens, yet it keeps a request and its cache key (the IDs
// joined) under about half a megabyte. "Open all" is not a list: it is a
// fold threshold of -1.
const (
	MaxExpand     = 1024
	MaxGroupIDLen = 512
)
