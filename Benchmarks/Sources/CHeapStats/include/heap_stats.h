#ifndef HEAP_STATS_H
#define HEAP_STATS_H
#include <stddef.h>

/// Bytes the allocator has handed out and not had back (glibc's mallinfo2, which Swift's Glibc
/// module does not export); 0 elsewhere.
size_t triggerfish_heap_in_use(void);

/// The file of the library whose `malloc` this process calls (dladdr, which Swift's Glibc module
/// does not export either); NULL where that cannot be told.
const char *triggerfish_malloc_library(void);

#endif
