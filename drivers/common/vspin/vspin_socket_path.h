/* SPDX-License-Identifier: BSD-3-Clause
 * One spelling of a vhost-user socket's path, so that two ports of a
 * process can tell they name the same socket file however it was given.
 */
#ifndef VSPIN_SOCKET_PATH_H
#define VSPIN_SOCKET_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * path with its directory resolved (symbolic links, "." and ".."), then
 * its name, into out. False if the directory cannot be resolved or out is
 * too small.
 */
bool vspin_socket_file(const char *path, char *out, size_t size);

/* Whether paths a and b name the same socket file (equal strings do). */
bool vspin_same_socket_file(const char *a, const char *b);

/*
 * Whether path (its symbolic links followed) exists and is not a socket:
 * a regular file or a directory, where no vhost-user peer can listen and
 * connect() says only "Connection refused".
 */
bool vspin_path_not_socket(const char *path);

#endif
