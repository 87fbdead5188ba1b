#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/loop.h>
#include "CJuiceCtlShims.h"

int cjuicectl_loop_backing_inode(const char *device, uint64_t *inode) {
    int fd = open(device, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct loop_info64 info;
    int result = ioctl(fd, LOOP_GET_STATUS64, &info);
    close(fd);
    if (result != 0) return -1;
    *inode = info.lo_inode;
    return 0;
}

int cjuicectl_renameat2(const char *source, const char *destination, unsigned int flags) {
    return renameat2(AT_FDCWD, source, AT_FDCWD, destination, flags);
}

int cjuicectl_open_path(const char *path) {
    return open(path, O_PATH | O_CLOEXEC);
}

int cjuicectl_open_directory_path(int directory, const char *name) {
    return openat(directory, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

int cjuicectl_open_beneath(int directory, const char *name, int flags, unsigned int mode) {
    struct open_how how = {0};
    how.flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    long fd = syscall(SYS_openat2, directory, name, &how, sizeof(how));
    if (fd >= 0) return (int)fd;
    if (errno != ENOSYS) return -1;
    return openat(directory, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
}

int cjuicectl_open_entry_path(int directory, const char *name) {
    return openat(directory, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

int cjuicectl_renameat2_at(int from, const char *source, int to, const char *destination, unsigned int flags) {
    return renameat2(from, source, to, destination, flags);
}

int cjuicectl_set_owner_and_mode(int entry, unsigned int uid, unsigned int gid, unsigned int mode) {
    if (fchownat(entry, "", uid, gid, AT_EMPTY_PATH) != 0) return -1;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", entry);
    return chmod(path, mode);
}

#include <string.h>

int cjuicectl_loop_attach(int backing, int *loop_out, int *number_out) {
    int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0) return -1;
    for (int attempt = 0; attempt < 32; attempt++) {
        int number = ioctl(control, LOOP_CTL_GET_FREE);
        if (number < 0) {
            int saved = errno;
            close(control);
            errno = saved;
            return -1;
        }
        char path[32];
        snprintf(path, sizeof(path), "/dev/loop%d", number);
        int loop = open(path, O_RDWR | O_CLOEXEC);
        if (loop < 0) {
            if (errno == ENOENT || errno == ENXIO) continue;
            int saved = errno;
            close(control);
            errno = saved;
            return -1;
        }
        struct loop_config config;
        memset(&config, 0, sizeof(config));
        config.fd = (unsigned int)backing;
        config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
        if (ioctl(loop, LOOP_CONFIGURE, &config) == 0) {
            close(control);
            *loop_out = loop;
            *number_out = number;
            return 0;
        }
        int saved = errno;
        close(loop);
        if (saved != EBUSY) {
            close(control);
            errno = saved;
            return -1;
        }
    }
    close(control);
    errno = EBUSY;
    return -1;
}
