/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Serving Prometheus metrics over HTTP with libmicrohttpd: its own thread
 * answers every request from the latest published snapshot, so neither a
 * slow client nor many scrapes at once ever wait on the event loop, and the
 * loop never waits on them (it only swaps a buffer under a mutex; the
 * serving thread only copies it under the same mutex). GET or HEAD of
 * /metrics: 200 with the text; another path: 404; another method: 405 with
 * "Allow: GET, HEAD". Plain HTTP only (docs/many-machines.md).
 */
#ifndef WPWATCH_PROM_HTTP_H
#define WPWATCH_PROM_HTTP_H

#include <stddef.h>
#include <netinet/in.h>

struct prom_http;

/*
 * Parse "[ADDR:]PORT" (ADDR an IPv4 address, default 127.0.0.1; PORT 0 to
 * 65535, 0 for any free port) into SA. 0, or -EINVAL with a message in ERR.
 */
int prom_http_parse_addr(const char *text, struct sockaddr_in *sa, char *err, size_t errlen);
/* Listen on SA and serve until prom_http_stop(); NULL and errno on failure. */
struct prom_http *prom_http_start(const struct sockaddr_in *sa);
/* The port actually bound (for PORT 0). */
unsigned int prom_http_port(const struct prom_http *h);
/* Make TEXT (LEN bytes) what the next scrapes get; it is copied. -ENOMEM or 0. */
int prom_http_publish(struct prom_http *h, const char *text, size_t len);
/* Requests answered so far (any status). */
unsigned long long prom_http_requests(struct prom_http *h);
void prom_http_stop(struct prom_http *h);

#endif
