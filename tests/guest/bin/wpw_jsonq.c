// SPDX-License-Identifier: GPL-2.0
/*
 * wpw_jsonq [-t TYPE] [-n] FILE [PATH...]
 *
 * jq's little brother for the busybox guests. Every line of FILE must be one
 * valid JSON object (else: the line number on stderr, exit 1). Among the
 * lines whose "type" member is TYPE (default "report"), the LAST one is
 * queried; each PATH prints one line: strings unquoted, other values as
 * written. -n prints the number of lines of TYPE instead.
 *
 * PATH: members separated by '.', each optionally followed by selectors:
 *   [N]          the N-th element of an array (from 0)
 *   [KEY=VALUE]  the first element whose member KEY is the string or number VALUE
 * and a last component '@len' (elements of an array, members of an object)
 * or '@keys' (an object's member names, space separated).
 *   functions[name=rr_add].p99     passes.steps@len     calls@keys
 * Exit 3 when a PATH does not exist (after printing the others).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "jsonchk.h"

static void print_span(const struct json_span *v)
{
	char buf[4096];

	if (v->type == JSON_STRING && json_string(v, buf, sizeof(buf)))
		printf("%s\n", buf);
	else
		printf("%.*s\n", (int)v->len, v->p);
}

static bool span_eq(const struct json_span *v, const char *want)
{
	char buf[1024];

	if (v->type == JSON_STRING)
		return json_string(v, buf, sizeof(buf)) && !strcmp(buf, want);
	return v->len == strlen(want) && !memcmp(v->p, want, v->len);
}

/* the member names of OBJ: walk it by hand (jsonchk finds members by name) */
static void print_keys(const struct json_span *obj)
{
	const char *p = obj->p + 1, *end = obj->p + obj->len - 1;
	int depth = 0, first = 1;
	bool in_str = false, key_next = true;

	for (; p < end; p++) {
		if (in_str) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_str = false;
			continue;
		}
		if (*p == '"') {
			if (!depth && key_next) {
				const char *q = p + 1;

				while (q < end && *q != '"') {
					if (*q == '\\')
						q++;
					q++;
				}
				printf("%s%.*s", first ? "" : " ", (int)(q - p - 1), p + 1);
				first = 0;
				key_next = false;
				p = q;
				continue;
			}
			in_str = true;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		} else if (*p == ',' && !depth) {
			key_next = true;
		}
	}
	printf("\n");
}

static bool query(struct json_span cur, const char *path)
{
	char *copy = strdup(path), *save = NULL, *tok;
	bool ok = true;

	for (tok = strtok_r(copy, ".", &save); tok && ok; tok = strtok_r(NULL, ".", &save)) {
		char *sel = strchr(tok, '['), *at = strchr(tok, '@');
		char *fn = NULL;

		if (at) {
			fn = at + 1;
			*at = '\0';
		}
		if (sel)
			*sel++ = '\0';
		if (*tok) {
			struct json_span m;

			if (!(cur.type == JSON_OBJECT && json_member(&cur, tok, &m))) {
				ok = false;
				break;
			}
			cur = m;
		}
		while (sel && ok) {
			char *close = strchr(sel, ']'), *eq;
			struct json_span el;
			size_t i;

			if (!close) {
				ok = false;
				break;
			}
			*close = '\0';
			eq = strchr(sel, '=');
			if (cur.type != JSON_ARRAY) {
				ok = false;
			} else if (!eq) {
				ok = json_element(&cur, strtoul(sel, NULL, 10), &el);
				if (ok)
					cur = el;
			} else {
				*eq = '\0';
				ok = false;
				for (i = 0; json_element(&cur, i, &el); i++) {
					struct json_span m;

					if (el.type == JSON_OBJECT && json_member(&el, sel, &m) &&
					    span_eq(&m, eq + 1)) {
						cur = el;	/* el is not cur: safe */
						ok = true;
						break;
					}
				}
			}
			sel = close[1] == '[' ? close + 2 : NULL;
		}
		if (ok && fn) {
			struct json_span el;
			size_t n = 0;

			if (!strcmp(fn, "len") && cur.type == JSON_ARRAY) {
				while (json_element(&cur, n, &el))
					n++;
				printf("%zu\n", n);
			} else if (!strcmp(fn, "keys") && cur.type == JSON_OBJECT) {
				print_keys(&cur);
			} else {
				ok = false;
			}
			free(copy);
			return ok;
		}
	}
	if (ok)
		print_span(&cur);
	free(copy);
	return ok;
}

int main(int argc, char **argv)
{
	const char *type = "report";
	char *line = NULL, *last = NULL;
	size_t cap = 0;
	long lineno = 0, n = 0;
	bool count = false, missing = false;
	ssize_t len;
	FILE *f;
	int opt, i;

	while ((opt = getopt(argc, argv, "t:n")) != -1) {
		if (opt == 't')
			type = optarg;
		else if (opt == 'n')
			count = true;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: wpw_jsonq [-t TYPE] [-n] FILE [PATH...]\n");
		return 2;
	}
	f = fopen(argv[optind], "r");
	if (!f) {
		perror(argv[optind]);
		return 2;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		struct json_span v, t;

		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (!json_parse(line, len, &v) || v.type != JSON_OBJECT) {
			fprintf(stderr, "wpw_jsonq: %s:%ld: not one JSON object\n", argv[optind],
				lineno);
			return 1;
		}
		if (json_member(&v, "type", &t) && span_eq(&t, type)) {
			n++;
			free(last);
			last = strdup(line);
		}
	}
	fclose(f);
	free(line);
	if (count) {
		printf("%ld\n", n);
		return 0;
	}
	if (!last) {
		fprintf(stderr, "wpw_jsonq: no line of type '%s'\n", type);
		return 3;
	}
	for (i = optind + 1; i < argc; i++) {
		struct json_span v;

		json_parse(last, strlen(last), &v);
		if (!query(v, argv[i])) {
			fprintf(stderr, "wpw_jsonq: %s: no such path\n", argv[i]);
			missing = true;
		}
	}
	free(last);
	return missing ? 3 : 0;
}
