#define _GNU_SOURCE
#include "CLinuxSupport.h"

#include <dlfcn.h>
#include <malloc.h>
#include <spawn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

int fg_linux_set_not_dumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }

const char *fg_linux_object_defining(const void *address) {
    Dl_info info;
    if (dladdr(address, &info) == 0) return NULL;
    return info.dli_fname;
}

int fg_linux_set_thread_nice(int nice) { return setpriority(PRIO_PROCESS, (id_t)gettid(), nice); }

int fg_linux_release_free_memory(void) { return malloc_trim(0); }

int fg_linux_spawn_close_from(posix_spawn_file_actions_t *actions, int from) { return posix_spawn_file_actions_addclosefrom_np(actions, from); }
