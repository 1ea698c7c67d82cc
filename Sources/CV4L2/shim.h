// libv4l2 (which converts YUYV and MJPEG cameras to RGB24) and the V4L2 ioctl
// numbers, which are function-like macros Swift cannot import.
#ifndef FACEGATE_CV4L2_SHIM_H
#define FACEGATE_CV4L2_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <libv4l2.h>
#include <linux/videodev2.h>
#include <sys/mman.h>

static const unsigned long FG_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long FG_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long FG_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long FG_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long FG_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long FG_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long FG_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long FG_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long FG_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;
static const unsigned int FG_V4L2_PIX_FMT_RGB24 = V4L2_PIX_FMT_RGB24;

/// v4l2_ioctl, retried on EINTR (the real one is variadic).
static inline int fg_v4l2_ioctl(int fd, unsigned long request, void *argument) {
    int result;
    do {
        result = v4l2_ioctl(fd, request, argument);
    } while (result == -1 && errno == EINTR);
    return result;
}

static inline int fg_v4l2_open(const char *path) { return v4l2_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC); }

#endif
