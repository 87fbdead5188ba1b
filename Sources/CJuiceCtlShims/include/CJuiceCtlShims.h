#ifndef CJUICECTL_SHIMS_H
#define CJUICECTL_SHIMS_H

/// renameat2(2) with AT_FDCWD on both sides; flags 0, RENAME_NOREPLACE (1) or RENAME_EXCHANGE (2).
/// Returns 0, or -1 with errno set. (Swift cannot call the variadic syscall(2), and glibc declares renameat2 only
/// under _GNU_SOURCE.)
int cjuicectl_renameat2(const char *source, const char *destination, unsigned int flags);

#include <stdint.h>

/// The inode number of the file behind loop device `device` (LOOP_GET_STATUS64's lo_inode), which stays right
/// when the file is renamed or replaced by another client of a network filesystem (its path may not).
/// Returns 0, or -1 with errno set.
int cjuicectl_loop_backing_inode(const char *device, uint64_t *inode);

/// open(2) with O_PATH | O_CLOEXEC: resolves `path` (following a /proc magic link in the kernel) without opening the
/// file, so no filesystem `open` or `getattr` runs (no FUSE request). Returns the descriptor, or -1 with errno set.
/// (glibc declares O_PATH only under _GNU_SOURCE.)
int cjuicectl_open_path(const char *path);
/// openat(2) of the directory `name` in `directory` with O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC: a handle for
/// the *at calls that asks the filesystem for nothing (no FUSE open), and fails with ENOTDIR when `name` is a symbolic
/// link or no directory. Returns the descriptor, or -1 with errno set. (Swift does not see O_PATH.)
int cjuicectl_open_directory_path(int directory, const char *name);

/// Opens `name` in `directory` with `flags` (and `mode` when creating) so that no symbolic link is followed and
/// nothing outside `directory` is reached: openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
/// RESOLVE_NO_MAGICLINKS where the kernel has it, else openat(2) with O_NOFOLLOW (for a single name the same).
/// O_NOFOLLOW and O_CLOEXEC are always added. Returns the descriptor, or -1 with errno set.
int cjuicectl_open_beneath(int directory, const char *name, int flags, unsigned int mode);
/// openat(2) with O_PATH | O_NOFOLLOW | O_CLOEXEC: a handle on the entry itself (a link is the link), for fstat,
/// fchownat(AT_EMPTY_PATH) and chmod through /proc/self/fd. Returns the descriptor, or -1 with errno set.
int cjuicectl_open_entry_path(int directory, const char *name);
/// renameat2(2) relative to two directory descriptors; flags as for cjuicectl_renameat2.
int cjuicectl_renameat2_at(int from, const char *source, int to, const char *destination, unsigned int flags);
/// Sets the owner, group and permission bits of the entry behind the O_PATH descriptor `entry` (fchownat with
/// AT_EMPTY_PATH, then chmod of /proc/self/fd/N, which acts on the entry the descriptor holds, never on a name).
/// Returns 0, or -1 with errno set.
int cjuicectl_set_owner_and_mode(int entry, unsigned int uid, unsigned int gid, unsigned int mode);

/// Attaches a free loop device to the open file `backing` (LOOP_CONFIGURE with LO_FLAGS_AUTOCLEAR: the device detaches
/// by itself once nothing holds it), retrying when another process takes the free device first. On success stores
/// the open device's descriptor (keep it open until a mount holds the device, or the device detaches at once) and
/// its number, and returns 0; otherwise -1 with errno set.
int cjuicectl_loop_attach(int backing, int *loop_out, int *number_out);

#endif
