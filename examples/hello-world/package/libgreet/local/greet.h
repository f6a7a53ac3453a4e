#ifndef GREET_H
#define GREET_H
/* Returns the greeting for a name (static storage). */
const char *greet(const char *name);
/* The library's version string. */
const char *greet_version(void);
#endif
