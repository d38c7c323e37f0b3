/*
 * pinion: the command line. Only main() exits; every command returns an error or NULL and main turns it into
 * one log line and an exit status (0 ok, 64 usage, 65 permanent failure, 75 retryable failure).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libssh2.h>
#include <sodium.h>
#include <yaml.h>
#include <zlib.h>

#include "../platform/signals.h"
#include "core/error.h"
#include "core/log.h"
#include "net/tls.h"
#include "core/banned.h"

#ifndef PN_VERSION
#define PN_VERSION "0.0.0-unknown"
#endif

struct command {
	const char *name;
	const char *summary;
	const struct pn_error *(*run)(int argc, char **argv);
};

static const struct pn_error *cmd_version(int argc, char **argv);
static const struct pn_error *cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{"version", "print the version of pinion and of the libraries it links", cmd_version},
	{"help", "show this help", cmd_help},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f, "usage: pinion <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

static const struct pn_error *
no_args(int argc, char **argv)
{
	if (argc > 1)
		return pn_error_fmt(PN_ERR_USAGE, "%s: unexpected argument \"%s\"", argv[0], argv[1]);
	return NULL;
}

static const struct pn_error *
cmd_version(int argc, char **argv)
{
	const struct pn_error *err;

	if ((err = no_args(argc, argv)) != NULL)
		return err;
	printf("pinion %s\n", PN_VERSION);
	printf("  %s\n", pn_tls_library_version());
	printf("  libssh2 %s\n", libssh2_version(0));
	printf("  libsodium %s\n", sodium_version_string());
	printf("  libyaml %s\n", yaml_get_version_string());
	printf("  cJSON %s\n", cJSON_Version());
	printf("  zlib %s\n", zlibVersion());
	return NULL;
}

static const struct pn_error *
cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct pn_error *err;
	const struct command *cmd = NULL;
	const char *name;

	pn_log_init();
	if (argc < 2) {
		usage(stderr);
		return pn_error_exit_code(pn_error(PN_ERR_USAGE));
	}
	name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
		name = "version";
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
		name = "help";
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		pn_log(PN_LOG_ERR, "unknown command \"%s\" (see \"pinion help\")", name);
		return pn_error_exit_code(pn_error(PN_ERR_USAGE));
	}
	if ((err = pn_signals_init()) == NULL)
		err = cmd->run(argc - 1, argv + 1);
	if (err != NULL)
		pn_log_error(err);
	if (fflush(stdout) == EOF && err == NULL) {
		err = pn_error_errno("write standard output");
		pn_log_error(err);
	}
	return pn_error_exit_code(err);
}
