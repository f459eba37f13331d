/* sort.h - the one string comparator for GLib arrays of strings */
#ifndef LW_SORT_H
#define LW_SORT_H

#include <glib.h>

/*
 * lw_cmp_strptr - strcmp order for g_ptr_array_sort() and friends over char *
 * elements. GLib hands a GCompareFunc pointers to the elements (char **), not
 * the elements: g_strcmp0 cast to GCompareFunc compares heap addresses.
 */
gint lw_cmp_strptr(gconstpointer a, gconstpointer b);

#endif
