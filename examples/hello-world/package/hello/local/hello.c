#include <stdio.h>
#include "greet.h"

int main(int argc, char **argv) {
    puts(greet(argc > 1 ? argv[1] : "world"));
    printf("libgreet %s\n", greet_version());
    return 0;
}
