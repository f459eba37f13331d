/*
 * null-milter - a milter that reads every message and decides nothing
 *
 * SYNOPSIS
 *     null-milter unix:/path/to/socket
 *
 * DESCRIPTION
 *     The benchmark's floor for any milter: it asks Postfix for the same
 *     steps lurewatch-milter does (connection, envelope, every header,
 *     the body, end of message) with the same no-reply flags, and accepts
 *     each message at the end. The difference between this case and the
 *     baseline is what talking to a milter costs Postfix and libmilter,
 *     before any scanning. Built by contrib/bench/run with cc -lmilter.
 */
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

static sfsistat nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                             unsigned long f3, unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    unsigned long want = SMFIP_HDR_LEADSPC | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NOEOH
        | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY;

    (void) ctx, (void) f0, (void) f2, (void) f3;
    *pf0 = 0;
    *pf1 = f1 & want;
    *pf2 = *pf3 = 0;
    return SMFIS_CONTINUE;
}

static sfsistat nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
    (void) ctx, (void) host, (void) addr;
    return SMFIS_NOREPLY;
}

static sfsistat nm_helo(SMFICTX *ctx, char *helo)
{
    (void) ctx, (void) helo;
    return SMFIS_NOREPLY;
}

static sfsistat nm_envfrom(SMFICTX *ctx, char **argv)
{
    (void) ctx, (void) argv;
    return SMFIS_NOREPLY;
}

static sfsistat nm_envrcpt(SMFICTX *ctx, char **argv)
{
    (void) ctx, (void) argv;
    return SMFIS_NOREPLY;
}

static sfsistat nm_header(SMFICTX *ctx, char *name, char *value)
{
    (void) ctx, (void) name, (void) value;
    return SMFIS_NOREPLY;
}

static sfsistat nm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
    (void) ctx, (void) chunk, (void) len;
    return SMFIS_NOREPLY;
}

static sfsistat nm_eom(SMFICTX *ctx)
{
    (void) ctx;
    return SMFIS_ACCEPT;
}

int main(int argc, char **argv)
{
    struct smfiDesc desc;

    if (argc != 2) {
        fprintf(stderr, "usage: null-milter unix:/path/to/socket\n");
        return 2;
    }
    memset(&desc, 0, sizeof(desc));
    desc.xxfi_name = "null-milter";
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_negotiate = nm_negotiate;
    desc.xxfi_connect = nm_connect;
    desc.xxfi_helo = nm_helo;
    desc.xxfi_envfrom = nm_envfrom;
    desc.xxfi_envrcpt = nm_envrcpt;
    desc.xxfi_header = nm_header;
    desc.xxfi_body = nm_body;
    desc.xxfi_eom = nm_eom;
    if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE
        || smfi_opensocket(1) == MI_FAILURE) {      /* 1: remove a stale socket first */
        fprintf(stderr, "null-milter: cannot use %s\n", argv[1]);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
