#ifndef FACEGATE_CSODIUM_SHIM_H
#define FACEGATE_CSODIUM_SHIM_H
#include <sodium.h>
#endif
