/* key.h - the verdict cache key of a message, from its raw bytes before parsing */
#ifndef LW_KEY_H
#define LW_KEY_H

#include <stddef.h>
#include <glib.h>

#include "util/digest.h"    /* lw_sha256_*, which the key is made of */

/*
 * lw_key_left_out - is this header field one the key leaves out (name of
 * len bytes, any case)? The fields each relay adds (Received, the
 * authentication stamps and signatures, lurewatch's own verdict fields)
 * and the per-recipient ones (To, Cc, Date, Message-ID, Return-Path...).
 */
int lw_key_left_out(const char *name, size_t len);

/*
 * lw_key - hex SHA-256 of the header fields of raw[0..header_len) (the
 * header block, lw_message_header_length) except those left out, each as
 * written, then body_sha256 (the hex SHA-256 of raw[header_len..]), then
 * projection: what the analyzers read of the fields left out (engine.c).
 * g_free.
 */
char *lw_key(const char *raw, size_t header_len, const char *body_sha256, const GString *projection);

/* lw_key_add - append "label", then value (NULL is not ""), unambiguously, to a key projection */
void lw_key_add(GString *out, const char *label, const char *value);

#endif
