#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include "CJuiceCtlShims.h"

int cjuicectl_renameat2(const char *source, const char *destination, unsigned int flags) {
    return renameat2(AT_FDCWD, source, AT_FDCWD, destination, flags);
}
