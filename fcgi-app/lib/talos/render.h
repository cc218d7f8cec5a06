/*
 * render.h - Talos machine configuration documents (API spec §8), emitted
 * with libyaml as a YAML stream:
 *  - the full MachineConfig of a machine (§8.1) for Talos v1.12 or v1.13
 *    (the default): a v1alpha1 document without machine.network, plus
 *    HostnameConfig and, for a static address, LinkAliasConfig (the link
 *    whose hardware address is the machine's MAC) and LinkConfig (address,
 *    default route). Each document validates against that version's JSON
 *    schema; the v1.12 schema has no machine.network.hostname or
 *    .interfaces (deprecated there), so both versions share this layout;
 *  - the pending config (§8.2): only an ExtensionServiceConfig for
 *    itl-tpm-register with the service URL and the CA certificate.
 * Worker configs carry no CA private key. Pure: no I/O, clock or env.
 */
#ifndef ITL_TALOS_RENDER_H
#define ITL_TALOS_RENDER_H

#include <stddef.h>

#include "core/err.h"
#include "talos/secrets.h"

enum talos_version { TALOS_V1_12, TALOS_V1_13 };

struct talos_cluster {
	const char *name;		/* clusterName */
	const char *endpoint;		/* https://host:6443 */
	enum talos_version version;
	const char *talos_version;	/* "v1.13.9": installer image tag */
	const char *kubernetes_version;	/* "1.34.1": kubelet image tag */
	const char *installer_image;	/* e.g. ghcr.io/siderolabs/installer */
	const char *install_disk;	/* default /dev/sda */
	const struct talos_secrets *secrets;
};

struct talos_machine {
	const char *machine_id;
	const char *ek_fingerprint;
	const char *role;		/* controlplane, worker-infra, worker-app */
	const char *hostname;		/* NULL: none set */
	const char *mac;		/* aa:bb:...; needed for a static address */
	const char *address;		/* CIDR, NULL: DHCP */
	const char *gateway;		/* NULL: no default route */
	const char *install_disk;	/* NULL: the cluster's default */
};

/*
 * The full config as a malloc'd YAML stream (the caller frees it; it holds
 * the CA keys of a control plane). ERR_UNAVAILABLE naming what is missing or
 * malformed when the cluster cannot produce a complete config (no secrets,
 * no endpoint, a static address without a MAC, an unknown role...): never
 * half a config. ERR_INTERNAL if the emitter fails.
 */
char *talos_render_machine(const struct talos_cluster *c,
    const struct talos_machine *m, struct err *e);
/*
 * The pending config (§8.2); ca_pem may be NULL when the service CA is
 * public. ERR_UNAVAILABLE without a service URL or when ca_pem holds a
 * private key (the pending config is served to anyone).
 */
char *talos_render_pending(const char *service_url, const char *ca_pem,
    struct err *e);

#endif
