// Package collect discovers every namespace on the host and how the
// namespaces relate, and returns it as one model.Snapshot. It is the only
// package (with watch) that talks to the kernel; everything downstream
// reads the snapshot.
//
// # Sources
//
// One scan reads each /proc entry once, not one pass per namespace type:
//
//   - for every process, through one O_PATH fd on /proc/PID: stat (PPID,
//     command name, start time, thread count), status (effective UID,
//     NSpid), cmdline, cgroup (the container, via package cgroup), and the
//     ten links of /proc/PID/ns, including pid_for_children and
//     time_for_children, which become holders when they differ from the
//     process's own namespaces. Each link is identified with one
//     name_to_handle_at: since Linux 6.18 an nsfs file handle holds the
//     namespace's ID, type and inode. Older kernels (EOPNOTSUPP) get
//     readlink for the inode, then open + NS_GET_ID for namespaces the scan
//     has not met yet;
//   - /proc/PID/task/TID/ns/* only for multi-threaded processes, recording
//     threads whose namespaces differ from their process's (a thread may
//     unshare on its own);
//   - /proc/PID/fd: nsfs fds are holders; socket fds are collected and,
//     after the process pass, resolved to their network namespace with
//     pidfd_open + pidfd_getfd + SIOCGSKNS. Only sockets whose namespace
//     differs from their process's own become holders, one per (process,
//     namespace). The Collector remembers each socket inode's namespace,
//     so a steady state probes only new sockets (Options.NoSockets skips
//     this entirely);
//   - /proc/PID/mountinfo once per mount namespace, through the first
//     member process that can be read, for nsfs bind mounts (ip netns add,
//     CNI); the mount is opened through /proc/PID/root when its namespace
//     is not known otherwise. A Collector remembers each mount namespace's
//     unique mount IDs (listmount(2), Linux 6.8+) and nsfs mounts: when the
//     IDs are unchanged, each remembered nsfs mount is checked in place
//     with one statx (same unique mount ID, same inode, same path) instead
//     of rereading mountinfo;
//   - the closure over nsfs ioctls: NS_GET_USERNS gives every namespace's
//     owner, NS_GET_PARENT the parents of user and PID namespaces, up to
//     the root, adding namespaces no process is in; NS_GET_OWNER_UID the
//     creator of each user namespace.
//
// A namespace is opened only the first time a scan meets it: after its
// handle (or readlink), a known namespace costs nothing more. Processes are read by a
// small worker pool (Options.Workers, GOMAXPROCS by default); the /proc
// reads are kernel CPU work, so more workers than CPUs do not help.
//
// # Identity
//
// Namespaces are named by NS_GET_ID, a 64-bit value the kernel never
// reuses. Inode and device are kept too (what /proc and lsns show), but
// inodes come back as soon as a namespace dies, so they identify a
// namespace only within one scan, where collect dedupes by them (checking
// the file handle's ID agrees). A Collector also remembers the previous
// scan's namespaces by ID: when a link's handle (or NS_GET_ID on the
// opened namespace) gives a known ID with the same inode, its owner,
// parent and owner UID (which never change) are taken from memory instead
// of being asked again.
//
// On a kernel without NS_GET_ID (ENOTTY), or with Options.NoNSGetID, the ID
// is synthesised as generation<<32 | inode: a (device, inode) pair keeps
// its ID from one scan to the next only while it stays alive with the same
// type, owner and (when it has members) at least one of the same member
// processes; otherwise the generation goes up. See identity.go for the
// exact rule and its one blind spot.
//
// # Errors
//
// EACCES, ENOENT and ESRCH per process are normal: processes vanish
// mid-scan, and /proc/1/ns/* is EACCES even for root on some hosts. They
// never fail a scan. The process stays in the snapshot with Process.Err
// set, and every unreadable path is a model.Gap. Run without root, the
// scan still succeeds but sets Snapshot.Partial and Reason. Only failing to
// list /proc itself, or a cancelled context, fails a scan.
//
// # Holders
//
// Namespace.HeldBy lists what keeps a namespace alive besides its member
// processes: threads, *_for_children links, nsfs fds, foreign sockets and
// bind mounts, always. Parent and owner references ("parent", "owner") are
// listed only for namespaces without member processes, where they are the
// reason the namespace exists; listing every namespace the root user
// namespace owns would drown the rest.
package collect
