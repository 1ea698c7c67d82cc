// Linux calls Swift cannot make directly (variadic prctl) or that need _GNU_SOURCE
// declarations. Each is one line around the system call.
#ifndef FACEGATE_CLINUXSUPPORT_H
#define FACEGATE_CLINUXSUPPORT_H

#include <spawn.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// prctl(PR_SET_DUMPABLE, 0): no core dump and no ptrace attach by other users.
int fg_linux_set_not_dumpable(void);

/// Lowers the CPU priority of the calling thread only (setpriority on its tid; on
/// Linux a nice value is per thread). Returns 0 or -1 with errno.
int fg_linux_set_thread_nice(int nice);

/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from
/// `from` on (the daemon's sockets, camera, database stay out of a relay command).
int fg_linux_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

/// malloc_trim(0): give freed heap pages back to the system.
int fg_linux_release_free_memory(void);

/// The path of the loaded object that defines `address` (dladdr's dli_fname), or
/// NULL. The string belongs to the dynamic linker: copy it, never free it.
const char *fg_linux_object_defining(const void *address);

#ifdef __cplusplus
}
#endif

#endif
