// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_jsoncheck [--stack-has SYM] [--print KEY,KEY...] FILE
 *
 * Checks `wpwatch watch --format json` output where there is no jq: every
 * line is one valid JSON object; each "write" object carries the documented
 * keys with the documented types (addresses and values as "0x..." strings,
 * "stack" an array of {"addr","sym","module"}); the "summary" object has
 * hits = delivered + lost. --print writes the named keys of each write, tab
 * separated, on stdout. The last line (stderr with --print, else stdout) is
 *   writes=N summaries=N stack_has=N
 * Exit 0 when everything checks, 1 otherwise (each problem on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonchk.h"

static int problems;

static void bad(long line, const char *what, const char *key)
{
	fprintf(stderr, "wpw_jsoncheck: line %ld: %s%s%s\n", line, what, key ? ": " : "",
		key ? key : "");
	problems++;
}

static bool is_hex(const struct json_span *v)
{
	size_t i;

	if (v->type != JSON_STRING || v->len < 5 || memcmp(v->p, "\"0x", 3))
		return false;
	for (i = 3; i < v->len - 1; i++)
		if (!strchr("0123456789abcdef", v->p[i]))
			return false;
	return true;
}

static bool want(const struct json_span *o, const char *key, enum json_type t, long line,
		 struct json_span *out)
{
	struct json_span v;

	if (!json_member(o, key, &v)) {
		bad(line, "missing key", key);
		return false;
	}
	if (t != JSON_NONE && v.type != t) {
		bad(line, "wrong type for", key);
		return false;
	}
	if (out)
		*out = v;
	return true;
}

static bool want_hex(const struct json_span *o, const char *key, bool nullable, long line)
{
	struct json_span v;

	if (!want(o, key, JSON_NONE, line, &v))
		return false;
	if (is_hex(&v) || (nullable && v.type == JSON_NULL))
		return true;
	bad(line, "not a \"0x...\" hex string", key);
	return false;
}

static unsigned long long num(const struct json_span *v)
{
	return strtoull(v->p, NULL, 10);
}

int main(int argc, char **argv)
{
	const char *stack_has = NULL, *print = NULL, *path = NULL;
	long line = 0, writes = 0, summaries = 0, with_sym = 0;
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stack-has") && i + 1 < argc)
			stack_has = argv[++i];
		else if (!strcmp(argv[i], "--print") && i + 1 < argc)
			print = argv[++i];
		else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "usage: wpw_jsoncheck [--stack-has SYM] [--print KEYS] FILE\n");
		return 2;
	}
	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 2;
	}
	while ((len = getline(&buf, &cap, f)) >= 0) {
		struct json_span o, t, v, st, fr;
		char type[32];
		size_t k;

		line++;
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (!json_parse(buf, len, &o) || o.type != JSON_OBJECT) {
			bad(line, "not one JSON object", NULL);
			continue;
		}
		if (!want(&o, "type", JSON_STRING, line, &t) ||
		    !json_string(&t, type, sizeof(type)))
			continue;
		if (!strcmp(type, "summary")) {
			struct json_span h, d, l;

			summaries++;
			if (want(&o, "hits", JSON_NUMBER, line, &h) &&
			    want(&o, "delivered", JSON_NUMBER, line, &d) &&
			    want(&o, "lost", JSON_NUMBER, line, &l) &&
			    num(&h) != num(&d) + num(&l))
				bad(line, "hits != delivered + lost", NULL);
			continue;
		}
		if (strcmp(type, "write")) {
			bad(line, "unknown type", type);
			continue;
		}
		writes++;
		want(&o, "time_ns", JSON_NUMBER, line, NULL);
		want(&o, "cpu", JSON_NUMBER, line, NULL);
		want(&o, "pid", JSON_NUMBER, line, NULL);
		want(&o, "tid", JSON_NUMBER, line, NULL);
		want(&o, "comm", JSON_STRING, line, NULL);
		want(&o, "spec", JSON_STRING, line, NULL);
		want(&o, "sym", JSON_STRING, line, NULL);
		want_hex(&o, "addr", false, line);
		want_hex(&o, "ip", false, line);
		want_hex(&o, "value", true, line);
		if (json_member(&o, "old", &v) && !is_hex(&v))
			bad(line, "not a \"0x...\" hex string", "old");
		if (!want(&o, "stack", JSON_ARRAY, line, &st))
			continue;
		if (!json_element(&st, 0, &fr))
			bad(line, "empty stack", NULL);
		for (k = 0; json_element(&st, k, &fr); k++) {
			struct json_span a, s, m;
			char sym[256];

			if (fr.type != JSON_OBJECT || !json_member(&fr, "addr", &a) || !is_hex(&a) ||
			    !json_member(&fr, "sym", &s) || s.type != JSON_STRING ||
			    !json_member(&fr, "module", &m) ||
			    (m.type != JSON_STRING && m.type != JSON_NULL)) {
				bad(line, "bad stack frame", NULL);
				break;
			}
			if (stack_has && json_string(&s, sym, sizeof(sym)) &&
			    !strncmp(sym, stack_has, strlen(stack_has)) &&
			    sym[strlen(stack_has)] == '+') {
				with_sym++;
				break;
			}
		}
		if (print) {
			char keys[256], *key, *save = NULL;
			int first = 1;

			snprintf(keys, sizeof(keys), "%s", print);
			for (key = strtok_r(keys, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
				char val[256] = "-";

				if (json_member(&o, key, &v)) {
					if (v.type == JSON_STRING)
						json_string(&v, val, sizeof(val));
					else
						snprintf(val, sizeof(val), "%.*s", (int)v.len, v.p);
				}
				printf("%s%s", first ? "" : "\t", val);
				first = 0;
			}
			printf("\n");
		}
	}
	free(buf);
	fclose(f);
	fprintf(print ? stderr : stdout, "writes=%ld summaries=%ld stack_has=%ld\n", writes,
		summaries, with_sym);
	return problems ? 1 : 0;
}
