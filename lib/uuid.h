/* Random identifiers.  Row ids are UUIDv7 (RFC 9562): the leading 48 bits
 * are the Unix time in milliseconds, so ids sort by creation time and a
 * keyset cursor over the primary key pages in creation order. */
#ifndef VH_UUID_H
#define VH_UUID_H

#include <stddef.h>

#define VH_UUID_LEN 36

void vh_uuid_v4(char out[VH_UUID_LEN + 1]);
void vh_uuid_v7(char out[VH_UUID_LEN + 1]);
/* Fill buf with n bytes from the kernel's CSPRNG (aborts if it cannot). */
void vh_random_bytes(void *buf, size_t n);

#endif
