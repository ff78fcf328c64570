// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/prom.c and prom_http.c: the exposition text (escaping, exact
 * second decimals), histograms whose every `le` bucket counts exactly the
 * raw values <= le (checked against the raw data, two units), Prometheus's
 * own histogram_quantile() algorithm on that output staying within the
 * documented error of the true quantile, and the HTTP server over a real
 * loopback socket: 200 for GET /metrics with the published text, 404, 405
 * with Allow, HEAD, the address parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "hist.h"
#include "prom.h"
#include "prom_http.h"

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_secs(void **state)
{
	char b[32];

	(void)state;
	prom_ns_to_secs(b, sizeof(b), 0);
	assert_string_equal(b, "0");
	prom_ns_to_secs(b, sizeof(b), 15999);
	assert_string_equal(b, "0.000015999");
	prom_ns_to_secs(b, sizeof(b), 2000000000ULL);
	assert_string_equal(b, "2");
	prom_ns_to_secs(b, sizeof(b), 1500000000ULL);
	assert_string_equal(b, "1.5");
	prom_ns_to_secs(b, sizeof(b), UINT64_MAX);
	assert_string_equal(b, "18446744073.709551615");
}

static void test_samples_and_escaping(void **state)
{
	struct prom_buf b = {};
	struct prom_label l[2] = { { "function", "a\"b\\c\nd" }, { "kind", "x" } };

	(void)state;
	prom_family(&b, "wpwatch_x_total", "counter", "a \\ help\nline");
	prom_u64(&b, "wpwatch_x_total", l, 2, 42);
	prom_u64(&b, "wpwatch_y", NULL, 0, 7);
	assert_false(b.oom);
	assert_string_equal(b.s,
		"# HELP wpwatch_x_total a \\\\ help\\nline\n"
		"# TYPE wpwatch_x_total counter\n"
		"wpwatch_x_total{function=\"a\\\"b\\\\c\\nd\",kind=\"x\"} 42\n"
		"wpwatch_y 7\n");
	assert_int_equal(b.len, strlen(b.s));
	prom_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.s, "");
	prom_buf_free(&b);
}

struct bucket {
	double le;	/* INFINITY for +Inf */
	uint64_t le_ns;
	uint64_t cum;
};

/* parse NAME_bucket{...le="X"} N lines back; returns how many */
static size_t parse_buckets(const char *text, const char *name, struct bucket *out, size_t max,
			    uint64_t *sum_ns, uint64_t *count)
{
	char pre[128], line[512];
	const char *p = text;
	size_t n = 0;

	snprintf(pre, sizeof(pre), "%s_bucket{", name);
	*count = *sum_ns = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		assert_true(len < sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (e ? 1 : 0);
		if (!strncmp(line, pre, strlen(pre))) {
			char *le = strstr(line, "le=\""), *q;
			unsigned long long s, f = 0;
			int fd = 0;

			assert_non_null(le);
			le += 4;
			q = strchr(le, '"');
			assert_non_null(q);
			*q = '\0';
			assert_true(n < max);
			if (!strcmp(le, "+Inf")) {
				out[n].le = INFINITY;
				out[n].le_ns = UINT64_MAX;
			} else {
				char *dot = strchr(le, '.');

				s = strtoull(le, NULL, 10);
				if (dot) {
					fd = (int)strlen(dot + 1);
					f = strtoull(dot + 1, NULL, 10);
					while (fd++ < 9)
						f *= 10;
				}
				out[n].le_ns = s * 1000000000ULL + f;
				out[n].le = strtod(le, NULL);
			}
			out[n].cum = strtoull(q + 2, NULL, 10);
			n++;
		} else if (!strncmp(line, name, strlen(name))) {
			const char *rest = line + strlen(name), *v = strrchr(line, ' ');

			assert_non_null(v);
			if (!strncmp(rest, "_count", 6))
				*count = strtoull(v + 1, NULL, 10);
			else if (!strncmp(rest, "_sum", 4))
				*sum_ns = (uint64_t)llround(strtod(v + 1, NULL) * 1e9);
		}
	}
	return n;
}

/* Prometheus's bucketQuantile() (promql/quantile.go, 2.42), on seconds */
static double prom_quantile(double q, const struct bucket *b, size_t n)
{
	double rank, start, end, count;
	size_t i;

	if (n < 2 || !isinf(b[n - 1].le))
		return NAN;
	rank = q * (double)b[n - 1].cum;
	for (i = 0; i + 1 < n && (double)b[i].cum < rank; i++)
		;
	if (i == n - 1)
		return b[n - 2].le;
	if (i == 0 && b[0].le <= 0)
		return b[0].le;
	start = 0;
	end = b[i].le;
	count = (double)b[i].cum;
	if (i > 0) {
		start = b[i - 1].le;
		count -= (double)b[i - 1].cum;
		rank -= (double)b[i - 1].cum;
	}
	return start + (end - start) * (rank / count);
}

static void check_hist(uint64_t unit, uint64_t scale)
{
	enum { N = 20000 };
	static uint64_t raw[N];
	static struct bucket bk[2 * HIST_SLOTS + 2];
	struct prom_buf b = {};
	struct prom_label l = { "function", "rr_add" };
	uint64_t sum_ns, count;
	struct hist h;
	size_t nb, i, j;
	const double qs[] = { 0.5, 0.9, 0.99, 0.999 };

	hist_init(&h);
	for (i = 0; i < N; i++) {
		/* log-uniform over 4 decades from SCALE ns, plus a far tail */
		double x = exp(((double)(rng() % 100000) / 100000.0) * log(1e4));

		raw[i] = (uint64_t)(x * (double)scale) + (i % 997 == 0 ? 50 * scale * 10000 : 0);
		hist_add(&h, raw[i], unit);
	}
	prom_hist_seconds(&b, "wpwatch_t_seconds", &l, 1, &h, unit);
	assert_false(b.oom);
	assert_non_null(strstr(b.s, "wpwatch_t_seconds_bucket{function=\"rr_add\",le=\"+Inf\"} 20000\n"));
	nb = parse_buckets(b.s, "wpwatch_t_seconds", bk, sizeof(bk) / sizeof(bk[0]), &sum_ns, &count);
	assert_true(nb > 2);
	assert_int_equal(count, N);
	assert_true(llabs((long long)(sum_ns - h.sum)) <= 1);
	qsort(raw, N, sizeof(raw[0]), cmp_u64);
	/* every bound counts exactly the raw values <= it, bounds increase */
	for (i = 0, j = 0; i < nb; i++) {
		while (j < N && raw[j] <= bk[i].le_ns)
			j++;
		assert_int_equal(bk[i].cum, j);
		if (i)
			assert_true(bk[i].le_ns > bk[i - 1].le_ns);
	}
	/* histogram_quantile() is within one bucket width (+ one unit) of the
	 * true order statistic, the error docs/many-machines.md states */
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double est = prom_quantile(qs[i], bk, nb) * 1e9;
		uint64_t r = (uint64_t)ceil(qs[i] * N), truth = raw[r - 1];
		double width = (double)hist_slot_width(hist_slot(truth / unit)) * (double)unit;

		assert_true(fabs(est - (double)truth) <= width + (double)unit);
		assert_true(fabs(est - (double)truth) <= (double)truth / 16 + (double)unit + 16.0 * unit);
	}
	prom_buf_free(&b);
}

static void test_hist_ns(void **state)
{
	(void)state;
	check_hist(1, 100);
}

static void test_hist_us(void **state)
{
	(void)state;
	check_hist(1000, 10000);
}

static void test_hist_empty(void **state)
{
	struct prom_buf b = {};
	struct hist h;

	(void)state;
	hist_init(&h);
	prom_hist_seconds(&b, "x_seconds", NULL, 0, &h, 1);
	assert_string_equal(b.s, "x_seconds_bucket{le=\"+Inf\"} 0\nx_seconds_sum 0\nx_seconds_count 0\n");
	prom_buf_free(&b);
}

static void test_parse_addr(void **state)
{
	struct sockaddr_in sa;
	char err[256], ip[32];

	(void)state;
	assert_int_equal(prom_http_parse_addr("9100", &sa, err, sizeof(err)), 0);
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(ntohs(sa.sin_port), 9100);
	assert_int_equal(prom_http_parse_addr("0.0.0.0:80", &sa, err, sizeof(err)), 0);
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
	assert_string_equal(ip, "0.0.0.0");
	assert_int_equal(ntohs(sa.sin_port), 80);
	assert_int_equal(prom_http_parse_addr(":9101", &sa, err, sizeof(err)), 0);
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(prom_http_parse_addr("1.2.3.4:65536", &sa, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "from 0 to 65535"));
	assert_int_equal(prom_http_parse_addr("localhost:9100", &sa, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'localhost' is not an IPv4 address"));
	assert_int_equal(prom_http_parse_addr("1.2.3.4:", &sa, err, sizeof(err)), -EINVAL);
	assert_int_equal(prom_http_parse_addr("1.2.3.4:-1", &sa, err, sizeof(err)), -EINVAL);
}

/* one request over a fresh connection; the whole response into BUF */
static void request(unsigned int port, const char *req, char *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
}

static void test_http(void **state)
{
	struct sockaddr_in sa;
	struct prom_http *h;
	char err[128], buf[8192];
	unsigned int port;

	(void)state;
	assert_int_equal(prom_http_parse_addr("127.0.0.1:0", &sa, err, sizeof(err)), 0);
	h = prom_http_start(&sa);
	assert_non_null(h);
	port = prom_http_port(h);
	assert_true(port > 0);
	assert_int_equal(prom_http_publish(h, "wpwatch_a_total 1\n", 18), 0);
	assert_int_equal(prom_http_publish(h, "wpwatch_a_total 2\n", 18), 0);

	request(port, "GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_true(!strncmp(buf, "HTTP/1.0 200", 12) || !strncmp(buf, "HTTP/1.1 200", 12));
	assert_non_null(strstr(buf, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(buf, "\r\n\r\nwpwatch_a_total 2\n"));

	request(port, "HEAD /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 200 "));
	assert_null(strstr(buf, "wpwatch_a_total"));

	request(port, "GET / HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 404 "));
	assert_non_null(strstr(buf, "the metrics are at /metrics"));

	request(port, "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 405 "));
	assert_non_null(strstr(buf, "Allow: GET, HEAD\r\n"));

	request(port, "DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", buf,
		sizeof(buf));
	assert_non_null(strstr(buf, " 405 "));
	assert_int_equal(prom_http_requests(h), 5);
	prom_http_stop(h);
}

static void test_http_busy_port(void **state)
{
	struct sockaddr_in sa;
	struct prom_http *a, *b;
	char err[128];

	(void)state;
	assert_int_equal(prom_http_parse_addr("127.0.0.1:0", &sa, err, sizeof(err)), 0);
	a = prom_http_start(&sa);
	assert_non_null(a);
	sa.sin_port = htons(prom_http_port(a));
	b = prom_http_start(&sa);
	assert_null(b);
	assert_int_equal(errno, EADDRINUSE);
	prom_http_stop(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secs),
		cmocka_unit_test(test_samples_and_escaping),
		cmocka_unit_test(test_hist_ns),
		cmocka_unit_test(test_hist_us),
		cmocka_unit_test(test_hist_empty),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_busy_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
