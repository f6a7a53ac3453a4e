#include <stdio.h>
#include "greet.h"

#ifndef GREET_VERSION
#define GREET_VERSION "unknown"
#endif

const char *greet(const char *name) {
    static char buffer[256];
    snprintf(buffer, sizeof buffer, "Hello, %s!", name);
    return buffer;
}

const char *greet_version(void) { return GREET_VERSION; }
