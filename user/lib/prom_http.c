// SPDX-License-Identifier: GPL-2.0
/* Prometheus metrics over HTTP with libmicrohttpd: see prom_http.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>
#include "prom_http.h"

#define PROM_PATH		"/metrics"
#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
/* a client may hold a connection this long idle, and this many at once */
#define PROM_CONN_TIMEOUT_S	10
#define PROM_CONN_LIMIT		32

struct prom_http {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;	/* guards text and len only */
	char *text;
	size_t len;
	unsigned long long requests;
};

int prom_http_parse_addr(const char *text, struct sockaddr_in *sa, char *err, size_t errlen)
{
	char host[64] = "127.0.0.1";
	const char *colon = strrchr(text, ':'), *port = text;
	unsigned long p;
	char *end;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (colon) {
		size_t n = (size_t)(colon - text);

		if (n >= sizeof(host)) {
			snprintf(err, errlen, "'%s': the address is too long", text);
			return -EINVAL;
		}
		if (n) {
			memcpy(host, text, n);
			host[n] = '\0';
		}
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535 || *port == '-' || *port == '+') {
		snprintf(err, errlen, "'%s': the port must be a number from 0 to 65535 "
			 "(ADDR:PORT or PORT)", text);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		snprintf(err, errlen, "'%s': '%s' is not an IPv4 address (e.g. 127.0.0.1, "
			 "0.0.0.0 for every interface)", text, host);
		return -EINVAL;
	}
	sa->sin_port = htons((uint16_t)p);
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *text, bool allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct prom_http *h = cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	__atomic_add_fetch(&h->requests, 1, __ATOMIC_RELAXED);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "405 method not allowed: only GET or HEAD of " PROM_PATH "\n", true);
	if (strcmp(url, PROM_PATH))
		return reply(conn, MHD_HTTP_NOT_FOUND,
			     "404 not found: the metrics are at " PROM_PATH "\n", false);
	/* a copy of the latest snapshot: the lock is held for a memcpy only */
	pthread_mutex_lock(&h->lock);
	resp = MHD_create_response_from_buffer(h->len, h->text ? h->text : (char *)"",
					       MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&h->lock);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, PROM_CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

struct prom_http *prom_http_start(const struct sockaddr_in *sa)
{
	struct prom_http *h = calloc(1, sizeof(*h));
	sigset_t block, old;
	int err;

	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	/* the serving thread inherits this mask: SIGINT, SIGTERM and SIGHUP
	 * stay with the command's own loop */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	errno = 0;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL,
				handle, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)PROM_CONN_LIMIT,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)PROM_CONN_TIMEOUT_S,
				MHD_OPTION_END);
	err = errno ? errno : EADDRINUSE;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		errno = err;
		return NULL;
	}
	return h;
}

unsigned int prom_http_port(const struct prom_http *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);

	return i ? i->port : 0;
}

int prom_http_publish(struct prom_http *h, const char *text, size_t len)
{
	char *copy = malloc(len + 1), *old;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&h->lock);
	old = h->text;
	h->text = copy;
	h->len = len;
	pthread_mutex_unlock(&h->lock);
	free(old);
	return 0;
}

unsigned long long prom_http_requests(struct prom_http *h)
{
	return __atomic_load_n(&h->requests, __ATOMIC_RELAXED);
}

void prom_http_stop(struct prom_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->lock);
	free(h->text);
	free(h);
}
