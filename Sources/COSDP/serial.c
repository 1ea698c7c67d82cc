// The serial line under both OSDP roles, and what they share: errors and libosdp's log.
#define _GNU_SOURCE
#include "serial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#define OPT_OSDP_APP_OWNED_QUEUE_DATA 1
#include <osdp.h>

static atomic_uint_fast64_t logged_errors;

void fg_osdp_set_error(fg_osdp_error *error, int code, const char *format, const char *detail) {
    if (!error) return;
    error->code = code;
    snprintf(error->message, sizeof error->message, format, detail);
}

// libosdp's log lines never reach stderr (the daemon logs JSON) nor the journal: at
// debug level they would carry packet bytes, card data among them. Errors and
// warnings are counted for `status`.
static void log_line(int level, const char *file, unsigned long line, const char *message) {
    (void)file;
    (void)line;
    (void)message;
    if (level <= OSDP_LOG_WARNING) atomic_fetch_add(&logged_errors, 1);
}

void fg_osdp_route_logs(void) { osdp_set_log_callback(log_line); }

int64_t fg_monotonic_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

uint64_t fg_osdp_logged_errors(void) { return atomic_load(&logged_errors); }

static speed_t speed_of(int baud) {
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    default: return 0;
    }
}

bool fg_serial_open(struct fg_serial *line, const char *device, int baud, fg_osdp_error *error) {
    speed_t speed = speed_of(baud);
    if (!speed) {
        fg_osdp_set_error(error, FG_OSDP_ARGUMENT, "%s: the baud rate must be 9600, 19200, 38400, 57600, 115200 or 230400", "osdp");
        return false;
    }
    int fd = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fg_osdp_set_error(error, FG_OSDP_DEVICE, "cannot open the serial device: %s", strerror(errno));
        return false;
    }
    struct termios mode;
    if (tcgetattr(fd, &mode) != 0) {
        fg_osdp_set_error(error, FG_OSDP_DEVICE, "the device is not a serial line (tcgetattr: %s)", strerror(errno));
        close(fd);
        return false;
    }
    cfmakeraw(&mode);
    mode.c_cflag |= CLOCAL | CREAD;
    mode.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
    cfsetispeed(&mode, speed);
    cfsetospeed(&mode, speed);
    if (tcsetattr(fd, TCSANOW, &mode) != 0) {
        fg_osdp_set_error(error, FG_OSDP_DEVICE, "cannot set the serial line up (tcsetattr: %s)", strerror(errno));
        close(fd);
        return false;
    }
    // One owner per line: a second daemon (or the panel link and the card reader
    // configured on one device) would take each other's bytes.
    if (ioctl(fd, TIOCEXCL) != 0) {
        fg_osdp_set_error(error, FG_OSDP_DEVICE, "cannot take the serial line for this process alone (TIOCEXCL: %s)", strerror(errno));
        close(fd);
        return false;
    }
    line->fd = fd;
    line->failed = false;
    line->last_rx_ms = 0;
    return true;
}

void fg_serial_close(struct fg_serial *line) {
    if (line->fd >= 0) close(line->fd);
    line->fd = -1;
}

int fg_serial_recv(void *data, uint8_t *buffer, int capacity) {
    struct fg_serial *line = data;
    ssize_t count = read(line->fd, buffer, (size_t)capacity);
    if (count < 0) {
        if (errno == EAGAIN || errno == EINTR) return 0;
        line->failed = true;
        return -1;
    }
    // A raw, non-blocking line with nothing to read says EAGAIN; 0 is a hang-up.
    if (count == 0 && capacity > 0) {
        line->failed = true;
        return -1;
    }
    line->last_rx_ms = fg_monotonic_ms();
    return (int)count;
}

// libosdp sends a whole packet or nothing: wait (briefly) for room rather than cut one.
int fg_serial_send(void *data, uint8_t *buffer, int length) {
    struct fg_serial *line = data;
    int sent = 0;
    while (sent < length) {
        ssize_t count = write(line->fd, buffer + sent, (size_t)(length - sent));
        if (count > 0) {
            sent += (int)count;
            continue;
        }
        if (count < 0 && errno == EINTR) continue;
        if (count < 0 && errno == EAGAIN) {
            struct pollfd pending = {.fd = line->fd, .events = POLLOUT};
            if (poll(&pending, 1, 50) > 0) continue;
        } else if (count < 0) {
            line->failed = true;  // EIO, ENXIO: the adapter went away
        }
        return sent > 0 ? sent : -1;
    }
    return sent;
}

void fg_serial_flush(void *data) {
    struct fg_serial *line = data;
    tcflush(line->fd, TCIOFLUSH);
}
