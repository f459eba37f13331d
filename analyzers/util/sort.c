/*
 * sort.c - the one string comparator for GLib arrays of strings
 *
 * DESCRIPTION
 *     lw_cmp_strptr() orders the elements of a GPtrArray of char * by
 *     strcmp() (bytes, not locale), for g_ptr_array_sort() and for the
 *     binary searches done over arrays sorted with it. GLib passes a
 *     GCompareFunc pointers to the elements, so a plain string comparator
 *     (g_strcmp0, strcmp) cast to GCompareFunc silently compares heap
 *     addresses: the order then changes from one process to the next.
 */
#include "config.h"

#include <string.h>

#include "util/sort.h"

gint lw_cmp_strptr(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}
