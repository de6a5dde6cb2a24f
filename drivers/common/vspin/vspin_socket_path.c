/* SPDX-License-Identifier: BSD-3-Clause */
#include "vspin_socket_path.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_string_fns.h>

bool
vspin_socket_file(const char *path, char *out, size_t size)
{
	char dir_copy[PATH_MAX], name_copy[PATH_MAX], dir[PATH_MAX];

	/* dirname() and basename() may write into their argument. */
	strlcpy(dir_copy, path, sizeof(dir_copy));
	strlcpy(name_copy, path, sizeof(name_copy));
	if (realpath(dirname(dir_copy), dir) == NULL)
		return false;
	return (size_t)snprintf(out, size, "%s/%s", dir, basename(name_copy)) <
	       size;
}

bool
vspin_same_socket_file(const char *a, const char *b)
{
	char fa[PATH_MAX], fb[PATH_MAX];

	if (strcmp(a, b) == 0)
		return true;
	return vspin_socket_file(a, fa, sizeof(fa)) &&
	       vspin_socket_file(b, fb, sizeof(fb)) && strcmp(fa, fb) == 0;
}

bool
vspin_path_not_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISSOCK(st.st_mode);
}
