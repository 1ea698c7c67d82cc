// libv4l2 (which converts YUYV and MJPEG cameras to RGB24), libv4lconvert (its
// conversions, for a camera asked for a format of its own) and the V4L2 ioctl numbers,
// which are function-like macros Swift cannot import.
#ifndef FACEGATE_CV4L2_SHIM_H
#define FACEGATE_CV4L2_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <libv4l2.h>
#include <libv4lconvert.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static const unsigned long FG_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long FG_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long FG_VIDIOC_ENUM_FRAMESIZES = VIDIOC_ENUM_FRAMESIZES;
static const unsigned long FG_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long FG_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long FG_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long FG_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long FG_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long FG_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long FG_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long FG_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;
static const unsigned int FG_V4L2_PIX_FMT_RGB24 = V4L2_PIX_FMT_RGB24;

/// v4l2_ioctl, retried on EINTR (the real one is variadic). On a descriptor that
/// v4l2_open did not open it is the plain ioctl.
static inline int fg_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    int result;
    do {
        result = v4l2_ioctl(fd, request, argument);
    } while (result == -1 && errno == EINTR);
    return result;
}

/// Through libv4l2, which may convert what the camera sends to what was asked for.
static inline int fg_v4l2_open(const char *path) { return v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC); }

/// The device itself: what the driver sends, as it sends it.
static inline int fg_v4l2_open_direct(const char *path) { return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC); }

/// libv4l2 prints its errors on standard error unless given a file: the daemon's
/// standard error is JSON log lines, and every failure is reported by the caller anyway.
static inline void fg_v4l2_quiet(void) {
    if (v4l2_log_file == NULL) v4l2_log_file = fopen("/dev/null", "w");
}

#endif
