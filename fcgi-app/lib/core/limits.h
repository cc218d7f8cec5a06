/*
 * limits.h - every bound the service applies to outside input, with its reason.
 * A value that must fit a TPM type is checked with _Static_assert where used.
 */
#ifndef ITL_CORE_LIMITS_H
#define ITL_CORE_LIMITS_H

/* API spec §0; nginx client_max_body_size matches. */
#define LIMIT_BODY_BYTES		(64 * 1024)
/* §1: hw_uuid, hw_mac, hw_serial, hw_product. */
#define LIMIT_HW_FIELD_BYTES		128
/* EK material as sent (b64 of a cert or key). A real EK cert is 1-2 KiB. */
#define LIMIT_EK_MATERIAL_BYTES		(16 * 1024)
/* Decoded EK material: certificates with long chains of extensions stay far below. */
#define LIMIT_EK_DER_BYTES		(8 * 1024)
/* Nesting depth we walk inside an EK certificate (Certificate > TBS > SPKI). */
#define LIMIT_DER_DEPTH			8
/* §9 detail: echo at most this much input. */
#define LIMIT_DETAIL_ECHO_BYTES		64
/* A request path; longer URIs are refused by nginx anyway (large_client_header_buffers). */
#define LIMIT_PATH_BYTES		1024
/* Query string of list endpoints. */
#define LIMIT_QUERY_BYTES		2048
/* Routes in the table (metrics keep a slot per route). */
#define LIMIT_ROUTES			64
/* Number of path parameters ({id}) one route may capture. */
#define LIMIT_ROUTE_PARAMS		2
/* RFC 1123 hostname. */
#define LIMIT_HOSTNAME_BYTES		253
/* "ffff:...:ffff/128" with room to spare. */
#define LIMIT_IP_BYTES			64
/* Install disk path such as /dev/nvme0n1. */
#define LIMIT_DISK_BYTES		128
/* Free text reasons of reject/lock/unlock/revoke. */
#define LIMIT_REASON_BYTES		512
/* §6: GET /machines limit. */
#define LIMIT_LIST_MAX			500
#define LIMIT_LIST_DEFAULT		100
/* GET /audit limit (same bound as the machine list). */
#define LIMIT_AUDIT_MAX			500
/* Per-request arena; bodies are 64 KiB, decoded copies stay well below this. */
#define LIMIT_ARENA_BYTES		(1024 * 1024)
/* A response body (list of 500 machines is about 400 KiB). */
#define LIMIT_RESPONSE_BYTES		(4 * 1024 * 1024)
/* Bytes of an admin token file we read. */
#define LIMIT_TOKEN_FILE_BYTES		256
/* Dual control: roles listed in ITL_DUAL_CONTROL_ROLES. */
#define LIMIT_DUAL_CONTROL_ROLES	8
/* Operator identity (mTLS CN, OIDC username). */
#define LIMIT_ACTOR_BYTES		128
/* A marshalled TPMT_PUBLIC (RSA-4096 is about 600 bytes); verify/ checks it fits. */
#define LIMIT_AK_PUBLIC_BYTES		1024
/* Verified quotes kept per machine (attestations table). */
#define LIMIT_ATTESTATION_HISTORY	100
/* Pending credential activations live this long (API spec §3). */
#define LIMIT_ACTIVATION_TTL_S		300
/* Workers the supervisor keeps alive. */
#define LIMIT_WORKERS			64

#endif
