/* SPDX-License-Identifier: BSD-3-Clause
 * The report is one JSON object; this writes it without a library.
 */
#include <math.h>

#include "vt.h"

static void
member(struct vt_json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	fputc('"', j->f);
	/* Keys are ours or xstats names: escape the two that could break. */
	for (; *key; key++) {
		if (*key == '"' || *key == '\\')
			fputc('\\', j->f);
		fputc(*key, j->f);
	}
	fputs("\":", j->f);
}

void
vspin_traffic_json_open(struct vt_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	fputc('{', f);
}

void
vspin_traffic_json_obj(struct vt_json *j, const char *key)
{
	member(j, key);
	fputc('{', j->f);
	if (j->depth < 7)
		j->depth++;
	j->first[j->depth] = true;
}

void
vspin_traffic_json_end(struct vt_json *j)
{
	fputc('}', j->f);
	if (j->depth > 0)
		j->depth--;
	else
		fputc('\n', j->f);
}

void
vspin_traffic_json_u64(struct vt_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void
vspin_traffic_json_dbl(struct vt_json *j, const char *key, double v)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.9g", v);
	else
		fputs("null", j->f);
}

void
vspin_traffic_json_str(struct vt_json *j, const char *key, const char *v)
{
	member(j, key);
	fputc('"', j->f);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', j->f);
		if ((unsigned char)*v >= 0x20)
			fputc(*v, j->f);
	}
	fputc('"', j->f);
}

void
vspin_traffic_json_bool(struct vt_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void
vspin_traffic_json_dbl_array(struct vt_json *j, const char *key,
			     const double *v, unsigned int n)
{
	unsigned int i;

	member(j, key);
	fputc('[', j->f);
	for (i = 0; i < n; i++)
		fprintf(j->f, i ? ",%.6g" : "%.6g", isfinite(v[i]) ? v[i] : 0);
	fputc(']', j->f);
}
