/* SPDX-License-Identifier: ISC */
/*
 * The worker's side of the keyholder (khclient.c): an OpenSSL 3
 * provider whose keys are public halves taken from certificates and
 * whose signatures are made by the keyholder process over the channel
 * the supervisor passed (MSG_KH_CHANNEL).  A ws_server or ws_client
 * worker never sees a private key: it installs a certificate chain it
 * was sent (MSG_TLS_CHAIN) with khc_install().
 */
#ifndef WSFLOW_KHCLIENT_H
#define WSFLOW_KHCLIENT_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Register and load the provider, after the default one (before the
 * sandbox); 0 or -1.  Safe to call more than once. */
int	 khc_init(void);
/* The channel to the keyholder (takes fd; closes the one before). */
void	 khc_set_channel(int);
/* Install the PEM chain (leaf first) in ctx with a key whose private
 * half is the keyholder's; certfile names the file in messages.  0, or
 * -1 with err. */
int	 khc_install(SSL_CTX *, const char *, size_t, const char *, char *,
	    size_t);

#endif
