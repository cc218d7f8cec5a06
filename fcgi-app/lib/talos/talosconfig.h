/*
 * talosconfig.h - the admin talosconfig of a cluster: a fresh Ed25519
 * client certificate with the Talos role O=os:admin, signed by the
 * cluster's OS CA, valid one year, written in talosctl's config layout
 * (context, contexts.<name>.{endpoints, ca, crt, key}, base64 PEM).
 */
#ifndef ITL_TALOS_TALOSCONFIG_H
#define ITL_TALOS_TALOSCONFIG_H

#include <stdint.h>

#include "core/err.h"
#include "talos/secrets.h"

/* A malloc'd YAML document; endpoint is a host name or address. */
char *talos_talosconfig(const char *context, const char *endpoint,
    const struct talos_secrets *s, int64_t now, struct err *e);

#endif
