#define _GNU_SOURCE
#include "heap_stats.h"
#if defined(__linux__)
#include <malloc.h>
#endif
#if defined(__GLIBC__)
size_t triggerfish_heap_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    /* In-use bytes of the main arena and the other arenas, plus large blocks served by mmap. */
    return info.uordblks + info.hblkhd;
}
#else
size_t triggerfish_heap_in_use(void) { return 0; }
#endif

#if defined(__linux__)
#include <dlfcn.h>
const char *triggerfish_malloc_library(void) {
    Dl_info info;
    void *symbol = dlsym(RTLD_DEFAULT, "malloc");
    if (symbol == NULL || dladdr(symbol, &info) == 0) return NULL;
    return info.dli_fname;
}
#else
const char *triggerfish_malloc_library(void) { return NULL; }
#endif
