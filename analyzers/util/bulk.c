/*
 * bulk.c - memory for a large buffer about to be written whole
 *
 * A multi-megabyte buffer (a message being collected, an attachment being
 * decoded) is memory the process has not touched: malloc maps it anew,
 * and the first write to each 4 KB page is a page fault. On the
 * benchmark's virtual machine a fault costs about 16 us, and filling 64 MB
 * fresh took 263 ms of CPU; in 2 MB-aligned memory marked MADV_HUGEPAGE
 * (transparent huge pages in the kernel's default "madvise" mode) a fault
 * maps 2 MB at once and the same fill took 17 ms (perf, contrib/bench/run).
 * Where the kernel has no transparent huge pages the mark is ignored and
 * the memory is ordinary. Smaller buffers come from g_malloc as before:
 * rounding them up to 2 MB would waste more than it saves.
 *
 * The memory comes from posix_memalign, the system malloc that GLib uses
 * too, so g_free, a GByteArray or GBytes that takes it releases it.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/mman.h>

#include <glib.h>

#include "util/bulk.h"

void *lw_bulk_alloc(size_t *size)
{
    void *p;

    if (*size < LW_BULK_HUGE)
        return g_malloc(MAX(*size, 1));
    *size = (*size + LW_BULK_HUGE - 1) & ~(LW_BULK_HUGE - 1);
    if (posix_memalign(&p, LW_BULK_HUGE, *size) != 0)
        g_error("lw_bulk_alloc: failed to allocate %zu bytes", *size);
#ifdef MADV_HUGEPAGE
    (void) madvise(p, *size, MADV_HUGEPAGE);    /* a hint: refused, the pages are 4 KB */
#endif
    return p;
}
