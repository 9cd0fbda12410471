/* Installing the demo's plugins from a repository, as a player does (see
 * demo.c and docs/distribution.md). */
#ifndef BEX_DEMO_REPO_H
#define BEX_DEMO_REPO_H

/* Serves REPO_DIR (index.json, the packages, repository.pub) on a loopback
 * port, adds it to a fresh DATA_DIR pinned to repository.pub, refreshes it,
 * prints the catalogue and installs every plugin it offers. On success
 * returns the number of plugins and sets `*ids` and `*names` (each plugin's
 * package name, NAME of NAME.bex: its directory under plugins/) to arrays
 * the caller frees; returns 0 on failure. */
int install_from_repo(const char *data_dir, const char *repo_dir, char ***ids, char ***names);

#endif
