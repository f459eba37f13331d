/* bulk.h - memory for a large buffer about to be written whole */
#ifndef LW_BULK_H
#define LW_BULK_H

#include <stddef.h>

/*
 * lw_bulk_alloc - *size bytes (g_free them); from LW_BULK_HUGE up, *size is
 * rounded up to whole 2 MB pages, aligned on one and marked for transparent
 * huge pages. Aborts when out of memory, as g_malloc does.
 */
#define LW_BULK_HUGE ((size_t) 2 << 20)
void *lw_bulk_alloc(size_t *size);

#endif
