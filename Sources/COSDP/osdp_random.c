// The Secure Channel's random challenges: the kernel's generator. libosdp's tinyaes
// back end would use rand(), never seeded (scripts/build-libosdp.sh renames its own).
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

void osdp_fill_random(uint8_t *buf, int len);

void osdp_fill_random(uint8_t *buf, int len) {
    size_t filled = 0;
    while (len > 0 && filled < (size_t)len) {
        ssize_t got = getrandom(buf + filled, (size_t)len - filled, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            // No randomness at all: a predictable challenge is worse than stopping.
            abort();
        }
        filled += (size_t)got;
    }
}
