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
