// A serial line for libosdp's channel: raw 8N1, non-blocking. Internal to the shim.
#ifndef FACEGATE_COSDP_SERIAL_H
#define FACEGATE_COSDP_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "COSDP.h"

struct fg_serial {
    int fd;
    bool failed;           // the line failed (unplugged, hung up): the owner opens it again
    int64_t last_rx_ms;    // CLOCK_MONOTONIC milliseconds of the last byte received, 0 before any
};

/// CLOCK_MONOTONIC milliseconds.
int64_t fg_monotonic_ms(void);

/// Opens `device` at `baud`; false with `error` filled when it cannot.
bool fg_serial_open(struct fg_serial *line, const char *device, int baud, fg_osdp_error *error);
void fg_serial_close(struct fg_serial *line);

// libosdp's channel functions; `data` is the struct fg_serial.
int fg_serial_recv(void *data, uint8_t *buffer, int capacity);
int fg_serial_send(void *data, uint8_t *buffer, int length);
void fg_serial_flush(void *data);

void fg_osdp_set_error(fg_osdp_error *error, int code, const char *format, const char *detail);
void fg_osdp_route_logs(void);
uint64_t fg_osdp_logged_errors(void);

#endif
