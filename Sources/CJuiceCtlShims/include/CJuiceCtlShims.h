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

#endif
